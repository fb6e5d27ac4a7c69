"""The OS keyring path of the vault, for real: GNOME Keyring as the Secret Service (issue 19).

A private D-Bus session (``dbus-run-session``) runs ``gnome-keyring-daemon``, unlocked with a
throw-away password, with its keyring files under the test's own HOME. Inside it the real
``storesight secrets move`` puts a camera password and a bot token into the keyring; the config
then loads with them; the keyring holds them (read back through SecretStorage, not through our
code); and no encrypted-file fallback was written. The same scenario, with no Secret Service,
falls back to the encrypted file (``tests/app/test_vault.py``).

Debian packages: gnome-keyring, dbus-daemon, dbus-bin (``scripts/setup.sh --test`` installs them).
Missing, the test FAILS with that line: it never skips.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PW = "Door-Pw-Keyring-771"
TOKEN = "123456789:AAH-keyring-token-XYZ"

SESSION_SCRIPT = """
set -e
echo -n "throw-away-unlock-pw" | gnome-keyring-daemon --unlock --components=secrets > /dev/null
"$PY" -m app.cli.main secrets move --config "$CFG"
"$PY" -m app.cli.main secrets list
"$PY" - <<'PYEOF'
import json, os
import secretstorage
from app.config import load_config
from app.vault import Vault
cfg = load_config(os.environ["CFG"])
conn = secretstorage.dbus_init()
items = list(secretstorage.get_default_collection(conn).search_items({"service": "StoreSight"}))
print("RESULT " + json.dumps({
    "kind": Vault().kind,
    "source": cfg.cameras[0].source,
    "token": cfg.notifications.telegram.token.get_secret_value(),
    "in_keyring": sorted(i.get_secret().decode() for i in items),
}))
PYEOF
"""


def test_secrets_move_into_the_real_os_keyring_and_load_from_it(tmp_path: Path) -> None:
    missing = [c for c in ("dbus-run-session", "gnome-keyring-daemon") if shutil.which(c) is None]
    if missing:
        pytest.fail(
            f"{', '.join(missing)} not found: apt-get install gnome-keyring dbus-daemon dbus-bin", pytrace=False
        )
    cfg = tmp_path / "site.yaml"
    cfg.write_text(
        "version: 1\nsite: {name: Keyring shop}\n"
        f"cameras: [{{id: door, source: 'rtsp://admin:{PW}@10.0.0.9/live'}}]\n"
        f"notifications: {{telegram: {{token: '{TOKEN}', chat_id: '42', events: ['*.alert']}}}}\n",
        encoding="utf-8",
    )
    home = tmp_path / "home"
    home.mkdir()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_RUNTIME_DIR": str(tmp_path / "run"),
        "STORESIGHT_VAULT_DIR": str(tmp_path / "vault"),
        "PYTHONPATH": str(ROOT),
        "PY": sys.executable,
        "CFG": str(cfg),
    }
    (tmp_path / "run").mkdir(mode=0o700)
    r = subprocess.run(
        ["dbus-run-session", "--", "bash", "-c", SESSION_SCRIPT],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert r.returncode == 0, r.stdout + r.stderr
    assert "into the OS keyring (service StoreSight)" in r.stdout, r.stdout
    (line,) = [ln for ln in r.stdout.splitlines() if ln.startswith("RESULT ")]
    got = json.loads(line.removeprefix("RESULT "))
    assert got["kind"] == "keyring"
    assert got["source"] == f"rtsp://admin:{PW}@10.0.0.9/live" and got["token"] == TOKEN  # loads with them
    assert TOKEN in got["in_keyring"]  # read back by SecretStorage itself, not by our code
    assert any(PW in v for v in got["in_keyring"])
    text = cfg.read_text(encoding="utf-8")
    assert PW not in text and TOKEN not in text and "${keyring:" in text
    assert not (tmp_path / "vault" / "secrets.enc").exists()  # no fallback file was used
    others = r.stdout.replace(line, "") + r.stderr  # the commands' own output, without the check's line
    assert PW not in others and TOKEN not in others
    # The keyring's own file is encrypted at rest (GNOME keyring format), not the secrets in clear.
    stored = b"".join(p.read_bytes() for p in (home / ".local" / "share" / "keyrings").glob("*.keyring"))
    assert stored and PW.encode() not in stored and TOKEN.encode() not in stored
