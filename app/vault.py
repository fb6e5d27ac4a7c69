"""Secrets out of the YAML: camera URLs with passwords, bot tokens and webhook keys in a vault.

The site config names a secret as ``${keyring:NAME}`` anywhere inside a string value; loading the
config (:func:`app.config.load_config`) puts the secret in, saving it (:func:`app.config.save_config`)
puts the reference back, and every resolved secret is registered with :mod:`app.redaction`, so no
message ever shows it.

Where secrets live (:class:`Vault`):

* the **OS keyring** (Windows Credential Manager, macOS Keychain, Secret Service on a Linux
  desktop) through the ``keyring`` package, service ``StoreSight``, when one is usable;
* else an **encrypted file** ``secrets.enc`` (Fernet: AES-128-CBC + HMAC-SHA256) in the user's
  config folder; its key is ``secrets.key`` beside it (owner-only permissions), or derived with
  scrypt from ``STORESIGHT_VAULT_PASSPHRASE`` when that is set. The file keeps secrets out of
  the YAML, its backups and screenshots; it does not protect them from someone who can log in as
  the same user and read the key (use the passphrase, or the OS keyring, for that).

``STORESIGHT_VAULT=keyring|file`` forces one; ``STORESIGHT_VAULT_DIR`` moves the file's folder.

Example:
    >>> import tempfile
    >>> v = Vault(Path(tempfile.mkdtemp()), backend="file")
    >>> v.set("telegram-token", "123:ABC")
    >>> resolve_refs({"token": "${keyring:telegram-token}"}, v)
    {'token': '123:ABC'}
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
from pathlib import Path
from typing import Any

from app.errors import ConfigError, UserError
from app.redaction import register_secret

SERVICE = "StoreSight"
NAME = r"[A-Za-z0-9_.\-]{1,64}"
REF = re.compile(rf"\$\{{keyring:({NAME})\}}")
_NAME = re.compile(rf"^{NAME}$")
#: Secret value -> the reference text it came from (for putting references back on save).
_RESOLVED: dict[str, str] = {}


class VaultError(ConfigError):
    """The vault cannot be used (no keyring, wrong passphrase, unknown secret); exit code 2."""


def vault_dir() -> Path:
    """The encrypted file's folder: ``STORESIGHT_VAULT_DIR``, else the user's config folder."""
    env = os.environ.get("STORESIGHT_VAULT_DIR")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir("StoreSight", appauthor=False))


def os_keyring() -> tuple[Any | None, str]:
    """The usable OS keyring backend, or None with the reason."""
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return None, "the keyring package is not installed"
    try:
        kr = keyring.get_keyring()
    except Exception as e:  # a broken backend configuration
        return None, f"the OS keyring cannot be loaded ({type(e).__name__})"
    if isinstance(kr, fail.Keyring) or getattr(kr, "priority", 0) <= 0:
        return None, "no OS keyring here (no Secret Service / Credential Manager / Keychain)"
    return kr, f"the OS keyring ({type(kr).__module__.split('.')[-1]})"


class Vault:
    """Named secrets in the OS keyring or, where there is none, an encrypted file.

    Args:
        folder: the encrypted file's folder (default :func:`vault_dir`); the list of names lives
            there too (the OS keyring cannot list).
        backend: ``"keyring"``, ``"file"`` or None (``STORESIGHT_VAULT``, else the keyring when
            usable, else the file).

    Raises:
        VaultError: ``keyring`` was asked for and there is none.
    """

    def __init__(self, folder: Path | None = None, *, backend: str | None = None) -> None:
        self.folder = Path(folder) if folder is not None else vault_dir()
        choice = backend or os.environ.get("STORESIGHT_VAULT") or "auto"
        self._kr: Any | None = None
        if choice in ("auto", "keyring"):
            self._kr, why = os_keyring()
            if self._kr is None and choice == "keyring":
                raise VaultError(f"STORESIGHT_VAULT=keyring: {why}")
            self.reason = why if self._kr is not None else f"{why}: an encrypted file instead"
        elif choice == "file":
            self.reason = "the encrypted file was asked for"
        else:
            raise VaultError(f"STORESIGHT_VAULT: {choice!r} is not keyring or file")

    @property
    def kind(self) -> str:
        """``keyring`` or ``file``."""
        return "keyring" if self._kr is not None else "file"

    def describe(self) -> str:
        """Where the secrets are, in words."""
        if self._kr is not None:
            return f"OS keyring (service {SERVICE}): {self.reason}"
        return f"encrypted file {self.folder / 'secrets.enc'} ({self.reason})"

    # --- names (not secret) -------------------------------------------------------------------

    def names(self) -> list[str]:
        """The names of the stored secrets."""
        if self._kr is None:
            return sorted(self._load_file())
        try:
            return sorted(json.loads((self.folder / "secrets.names").read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return []

    def _save_names(self, names: set[str]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "secrets.names").write_text(json.dumps(sorted(names)), encoding="utf-8")

    # --- values -----------------------------------------------------------------------------

    def get(self, name: str) -> str | None:
        """The secret called ``name`` (None: not stored)."""
        if self._kr is not None:
            return self._kr.get_password(SERVICE, name)
        return self._load_file().get(name)

    def set(self, name: str, value: str) -> None:
        """Store (or replace) a secret.

        Raises:
            VaultError: a bad name or an empty value.
        """
        if not _NAME.match(name):
            raise VaultError(f"secret name {name!r}: use letters, digits, '.', '_' and '-' (at most 64)")
        if not value:
            raise VaultError(f"secret {name}: the value is empty")
        if self._kr is not None:
            self._kr.set_password(SERVICE, name, value)
            self._save_names({*self.names(), name})
            return
        data = self._load_file()
        data[name] = value
        self._save_file(data)

    def delete(self, name: str) -> bool:
        """Remove a secret; False when there was none."""
        if self._kr is not None:
            if self._kr.get_password(SERVICE, name) is None:
                return False
            self._kr.delete_password(SERVICE, name)
            self._save_names(set(self.names()) - {name})
            return True
        data = self._load_file()
        if data.pop(name, None) is None:
            return False
        self._save_file(data)
        return True

    # --- the encrypted file -----------------------------------------------------------------

    def _fernet(self, salt: bytes) -> Any:
        from cryptography.fernet import Fernet

        phrase = os.environ.get("STORESIGHT_VAULT_PASSPHRASE")
        if phrase:
            from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

            key = Scrypt(salt=salt, length=32, n=2**15, r=8, p=1).derive(phrase.encode("utf-8"))
            return Fernet(base64.urlsafe_b64encode(key))
        key_file = self.folder / "secrets.key"
        if not key_file.exists():
            self.folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(Fernet.generate_key())
        return Fernet(key_file.read_bytes().strip())

    def _load_file(self) -> dict[str, str]:
        path = self.folder / "secrets.enc"
        if not path.exists():
            return {}
        from cryptography.fernet import InvalidToken

        try:
            blob = json.loads(path.read_text(encoding="utf-8"))
            salt = base64.b64decode(blob["salt"])
            plain = self._fernet(salt).decrypt(blob["data"].encode("ascii"))
        except InvalidToken:
            raise VaultError(
                f"{path}: cannot decrypt the secrets (wrong STORESIGHT_VAULT_PASSPHRASE, or secrets.key replaced)"
            ) from None
        except (OSError, ValueError, KeyError) as e:
            raise VaultError(f"{path}: cannot read the secrets file ({type(e).__name__})") from None
        return dict(json.loads(plain.decode("utf-8")))

    def _save_file(self, data: dict[str, str]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / "secrets.enc"
        try:
            salt = base64.b64decode(json.loads(path.read_text(encoding="utf-8"))["salt"])
        except (OSError, ValueError, KeyError):
            salt = os.urandom(16)
        token = self._fernet(salt).encrypt(json.dumps(data).encode("utf-8")).decode("ascii")
        tmp = path.with_name(path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"version": 1, "salt": base64.b64encode(salt).decode("ascii"), "data": token}, f)
        tmp.replace(path)


def has_refs(data: Any) -> bool:
    """Whether any string inside ``data`` holds a ``${keyring:NAME}`` reference."""
    if isinstance(data, str):
        return REF.search(data) is not None
    if isinstance(data, dict):
        return any(has_refs(v) for v in data.values())
    if isinstance(data, list):
        return any(has_refs(v) for v in data)
    return False


def resolve_refs(data: Any, vault: Vault | None = None) -> Any:
    """``data`` with every ``${keyring:NAME}`` replaced by the secret (registered for redaction).

    Raises:
        VaultError: a secret that is not stored (one line naming it and the command to store it).
    """
    if isinstance(data, dict):
        return {k: resolve_refs(v, vault) for k, v in data.items()}
    if isinstance(data, list):
        return [resolve_refs(v, vault) for v in data]
    if not isinstance(data, str) or not REF.search(data):
        return data
    v = vault or Vault()

    def one(m: re.Match[str]) -> str:
        value = v.get(m.group(1))
        if value is None:
            raise VaultError(
                f"secret {m.group(1)!r} is not in the {v.kind} ({v.describe()}): "
                f"store it with: storesight secrets set {m.group(1)}"
            )
        register_secret(value)
        _RESOLVED[value] = m.group(0)
        return value

    out = REF.sub(one, data)
    if out != data:
        _RESOLVED[out] = data
    return out


def protect(data: Any) -> Any:
    """``data`` with every secret resolved by :func:`resolve_refs` put back as its reference."""
    if isinstance(data, dict):
        return {k: protect(v) for k, v in data.items()}
    if isinstance(data, list):
        return [protect(v) for v in data]
    if not isinstance(data, str) or not _RESOLVED:
        return data
    if data in _RESOLVED:
        return _RESOLVED[data]
    for value in sorted(_RESOLVED, key=len, reverse=True):
        if REF.fullmatch(_RESOLVED[value]) and value in data:
            data = data.replace(value, _RESOLVED[value])
    return data


def move_secrets(path: Path, vault: Any) -> list[str]:
    """Move the secrets of the config at ``path`` into ``vault``; returns the names stored.

    Raises:
        UserError: the file cannot be read or written.
    """
    from ruamel.yaml import YAML

    from app.redaction import url_secrets

    y = YAML()
    y.preserve_quotes = True
    try:
        tree = y.load(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise UserError(f"{path}: cannot read the config ({type(e).__name__})", 2) from None
    moved: list[str] = []

    def take(node: Any, key: str, name: str, *, only_credentials: bool = False) -> None:
        value = node.get(key) if hasattr(node, "get") else None
        if not isinstance(value, str) or not value or REF.search(value):
            return
        if only_credentials and not url_secrets(value):
            return
        vault.set(name, value)
        node[key] = f"${{keyring:{name}}}"
        moved.append(name)

    for cam in tree.get("cameras") or []:
        take(cam, "source", f"camera-{cam.get('id', 'x')}-source", only_credentials=True)
    notify = tree.get("notifications") or {}
    if notify.get("telegram"):
        take(notify["telegram"], "token", "telegram-token")
    for hook in notify.get("webhooks") or []:
        take(hook, "token", f"webhook-{hook.get('id', 'x')}-token")
        take(hook, "url", f"webhook-{hook.get('id', 'x')}-url", only_credentials=True)
    if moved:
        buf = io.StringIO()
        y.dump(tree, buf)
        tmp = path.with_name(path.name + ".tmp")
        try:
            tmp.write_text(buf.getvalue(), encoding="utf-8")
            tmp.replace(path)
        except OSError as e:
            raise UserError(f"{path}: cannot write the config ({e.strerror or e})", 1) from None
    return moved
