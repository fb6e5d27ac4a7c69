"""The face key: from $STORESIGHT_FACE_KEY or the data folder's key file, one-line errors when bad."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from app.errors import UserError
from app.faces.crypto import KEY_ENV, FaceCipher


def test_the_key_file_is_made_once_private_and_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    blob = FaceCipher.for_data_dir(tmp_path).seal(np.arange(3, dtype=np.float32))
    key = tmp_path / "keys" / "faces.key"
    assert len(key.read_text().strip()) == 64 and (os.stat(key).st_mode & 0o777) == 0o600
    assert FaceCipher.for_data_dir(tmp_path).open(blob).tolist() == [0.0, 1.0, 2.0]


def test_a_damaged_key_file_is_a_bad_config_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "faces.key").write_text("not hex")
    with pytest.raises(UserError) as err:
        FaceCipher.for_data_dir(tmp_path)
    assert str(err.value) == f"faces: key file {tmp_path / 'keys' / 'faces.key'} is damaged (64 hex digits expected)"
    assert err.value.exit_code == 2


@pytest.mark.parametrize("value", ["zz" * 32, "ab" * 16])
def test_a_bad_key_in_the_environment_is_a_bad_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv(KEY_ENV, value)
    with pytest.raises(UserError) as err:
        FaceCipher.for_data_dir(tmp_path)
    assert str(err.value) == f"{KEY_ENV}: must be 64 hex digits (a 256-bit key)" and err.value.exit_code == 2
    assert not (tmp_path / "keys").exists()


def test_the_key_in_the_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, "ab" * 32)
    blob = FaceCipher.for_data_dir(tmp_path).seal(np.ones(2, dtype=np.float32))
    assert FaceCipher.for_data_dir(tmp_path / "other").open(blob).tolist() == [1.0, 1.0]
    assert not (tmp_path / "keys").exists()
