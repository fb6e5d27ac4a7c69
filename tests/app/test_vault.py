"""Secrets in the vault (OS keyring or encrypted file) instead of the YAML (issue 19)."""

from __future__ import annotations

import io
import stat
from pathlib import Path

import pytest

from app.config import load_config, save_config
from app.redaction import redact
from app.vault import Vault, VaultError, os_keyring
from tests.cli_support import one_error_line, run_cli

CAM_URL = "rtsp://admin:Vault%2FPw9@10.0.0.5:554/Streaming/101"
TOKEN = "5556667778:AAH-vault-token-Zz"
HOOK_URL = "https://ops:HookVaultPw@hooks.example.com/x?key=VaultKey42"

YAML = f"""# the shop's cameras
version: 1
site: {{name: Vault shop}}
cameras:
  - id: door   # front door
    source: "{CAM_URL}"
  - id: file
    source: a.mp4
notifications:
  enabled: true
  telegram: {{token: "{TOKEN}", chat_id: "-1", events: ["*.alert"]}}
  webhooks:
    - {{id: ops, url: "{HOOK_URL}", events: ["*.*"]}}
"""


@pytest.fixture(autouse=True)
def file_vault(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "vault"
    monkeypatch.setenv("STORESIGHT_VAULT", "file")
    monkeypatch.setenv("STORESIGHT_VAULT_DIR", str(folder))
    monkeypatch.delenv("STORESIGHT_VAULT_PASSPHRASE", raising=False)
    return folder


def test_move_takes_every_secret_out_of_the_yaml_and_loading_puts_them_back(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, file_vault: Path
) -> None:
    cfg = tmp_path / "site.yaml"
    cfg.write_text(YAML, encoding="utf-8")
    before = load_config(cfg)
    code, out, err = run_cli(capsys, "secrets", "move", "--config", str(cfg))
    assert code == 0, err
    text = cfg.read_text(encoding="utf-8")
    for secret in ("Vault%2FPw9", TOKEN, "HookVaultPw", "VaultKey42"):
        assert secret not in text and secret not in out
    assert "# front door" in text and "${keyring:camera-door-source}" in text and "source: a.mp4" in text
    for f in file_vault.iterdir():  # the encrypted file holds no secret in clear
        assert b"AAH-vault" not in f.read_bytes() and b"HookVaultPw" not in f.read_bytes()
    assert stat.S_IMODE((file_vault / "secrets.key").stat().st_mode) == 0o600
    after = load_config(cfg)
    assert after.model_dump() == before.model_dump()
    assert "Vault%2FPw9" not in redact(f"cannot open {CAM_URL}")  # resolved secrets are redacted everywhere
    save_config(after, cfg)  # saving writes the references back, never the secrets
    saved = cfg.read_text(encoding="utf-8")
    assert TOKEN not in saved and "Vault%2FPw9" not in saved and "${keyring:telegram-token}" in saved
    code, out, _ = run_cli(capsys, "secrets", "list")
    assert code == 0 and "telegram-token" in out and "encrypted file" in out


def test_a_missing_secret_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    cfg = tmp_path / "site.yaml"
    cfg.write_text("site: {name: S}\ncameras: [{id: c, source: '${keyring:nope}'}]\n", encoding="utf-8")
    code, _, err = run_cli(capsys, "analyze", "c", "--config", str(cfg))
    assert code == 2 and "storesight secrets set nope" in one_error_line(err)


def test_set_from_stdin_and_a_wrong_passphrase(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, file_vault: Path
) -> None:
    monkeypatch.setenv("STORESIGHT_VAULT_PASSPHRASE", "correct horse")
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret-value\n"))
    code, _, err = run_cli(capsys, "secrets", "set", "cam-pw")
    assert code == 0, err
    assert not (file_vault / "secrets.key").exists()  # the key comes from the passphrase
    assert Vault().get("cam-pw") == "s3cret-value"
    monkeypatch.setenv("STORESIGHT_VAULT_PASSPHRASE", "wrong")
    with pytest.raises(VaultError, match="cannot decrypt"):
        Vault().get("cam-pw")


def test_the_os_keyring_is_used_where_there_is_one(monkeypatch: pytest.MonkeyPatch) -> None:
    kr, why = os_keyring()
    if kr is None:
        monkeypatch.setenv("STORESIGHT_VAULT", "keyring")
        with pytest.raises(VaultError, match="no OS keyring"):
            Vault()
        monkeypatch.delenv("STORESIGHT_VAULT")
        assert Vault().kind == "file" and "encrypted file instead" in Vault().reason
        pytest.skip(f"{why} on this machine: the encrypted-file fallback is what runs here")
    monkeypatch.delenv("STORESIGHT_VAULT")
    v = Vault()
    assert v.kind == "keyring"
    v.set("storesight-test", "value-1")
    try:
        assert v.get("storesight-test") == "value-1"
    finally:
        v.delete("storesight-test")


def test_a_password_typed_in_the_window_goes_to_the_vault_when_the_site_uses_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, file_vault: Path
) -> None:
    """A site that keeps its secrets in the vault: a camera added in the window with a password in
    its URL is saved with a reference, and the config still loads with the password."""
    from app.config import CameraConfig
    from app.gui.site_document import SiteDocument

    cfg = tmp_path / "site.yaml"
    cfg.write_text(YAML, encoding="utf-8")
    assert run_cli(capsys, "secrets", "move", "--config", str(cfg))[0] == 0
    doc = SiteDocument(cfg, load_config(cfg))
    typed = "rtsp://admin:Typed-In-Window-55@10.0.0.77/live"
    doc.add_camera(CameraConfig(id="till", source=typed))
    text = cfg.read_text(encoding="utf-8")
    assert "Typed-In-Window-55" not in text and "${keyring:camera-till-source}" in text
    assert "${keyring:camera-door-source}" in text  # the earlier references are kept
    assert next(c for c in load_config(cfg).cameras if c.id == "till").source == typed

    plain = tmp_path / "plain.yaml"  # a site that never used the vault: saved as typed, as before
    plain.write_text("version: 1\nsite: {name: Plain}\ncameras: []\n", encoding="utf-8")
    other = "rtsp://admin:Plain-Site-Pw-66@10.0.0.78/live"
    SiteDocument(plain, load_config(plain)).add_camera(CameraConfig(id="till", source=other))
    assert other in plain.read_text(encoding="utf-8")
