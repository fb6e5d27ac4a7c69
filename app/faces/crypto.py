"""Face embeddings encrypted at rest: AES-256-GCM with a key kept beside the data, not in the database.

The key is ``$STORESIGHT_FACE_KEY`` (64 hex digits) when set, else ``<data folder>/keys/faces.key``
(made on first use, readable by its owner only). A database copied without the key holds no usable
biometric data; losing the key makes the stored embeddings useless (enrol again).

Example:
    >>> import tempfile
    >>> box = FaceCipher.for_data_dir(tempfile.mkdtemp())
    >>> v = np.arange(4, dtype=np.float32)
    >>> blob = box.seal(v)
    >>> len(blob) > v.nbytes, box.open(blob).tolist()
    (True, [0.0, 1.0, 2.0, 3.0])
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import numpy as np

from app.errors import UserError

KEY_ENV = "STORESIGHT_FACE_KEY"
NONCE = 12
MAGIC = b"SSF1"


def _key(hex_digits: str, error: str) -> bytes:
    """A 256-bit key from its 64 hex digits; anything else is a bad-config error with these words."""
    try:
        key = bytes.fromhex(hex_digits)
    except ValueError:
        key = b""
    if len(key) != 32:
        raise UserError(error, 2)
    return key


class FaceCipher:
    """Seals and opens embedding vectors (float32) with one AES-GCM key.

    Args:
        key: 32 bytes.

    Raises:
        UserError: the ``cryptography`` package is missing (it comes with the faces extra).
    """

    def __init__(self, key: bytes) -> None:
        try:
            from cryptography.hazmat.primitives.ciphers.aead import AESGCM
        except ImportError:
            raise UserError(
                "faces: the cryptography package is missing (pip install 'storesight[faces]'): "
                "embeddings are never stored unencrypted",
                1,
            ) from None
        self._aes = AESGCM(key)

    @classmethod
    def for_data_dir(cls, data_dir: str | Path) -> FaceCipher:
        """The cipher of a data folder (its key file is created when missing)."""
        env = os.environ.get(KEY_ENV, "").strip()
        if env:
            return cls(_key(env, f"{KEY_ENV}: must be 64 hex digits (a 256-bit key)"))
        path = Path(data_dir) / "keys" / "faces.key"
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
        damaged = f"faces: key file {path} is damaged (64 hex digits expected)"
        return cls(_key(path.read_text().strip(), damaged))

    def seal(self, vector: np.ndarray) -> bytes:
        """Encrypt one embedding (stored as float32)."""
        nonce = secrets.token_bytes(NONCE)
        data = np.asarray(vector, np.float32).tobytes()
        return MAGIC + nonce + self._aes.encrypt(nonce, data, MAGIC)

    def open(self, blob: bytes) -> np.ndarray:
        """Decrypt one embedding.

        Raises:
            UserError: the blob was sealed with another key or is damaged.
        """
        from cryptography.exceptions import InvalidTag

        if not blob.startswith(MAGIC):
            raise UserError("faces: a stored embedding is not in StoreSight's encrypted format", 1)
        nonce, body = blob[len(MAGIC) : len(MAGIC) + NONCE], blob[len(MAGIC) + NONCE :]
        try:
            return np.frombuffer(self._aes.decrypt(nonce, body, MAGIC), np.float32).copy()
        except InvalidTag:
            raise UserError(
                "faces: stored embeddings cannot be decrypted with this data folder's key "
                f"(keys/faces.key or {KEY_ENV}); enrol the employees again",
                1,
            ) from None
