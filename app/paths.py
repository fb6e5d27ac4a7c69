r"""Where StoreSight keeps its files: the per-user data folder, the default database, crops, models.

The data folder is the platform's per-user data directory for the app name ``StoreSight``
(``~/.local/share/StoreSight`` on Linux, ``%LOCALAPPDATA%\\StoreSight`` on Windows). It can be
overridden by the config's ``storage.data_dir`` or by the ``STORESIGHT_DATA_DIR`` environment
variable (portable installs, tests). Nothing here creates folders unless asked to.

Example:
    >>> from pathlib import Path
    >>> default_db_path(Path("/srv/ss")).as_posix()
    '/srv/ss/storesight.db'
"""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import site_data_path, user_data_path

APP_NAME = "StoreSight"
DATA_DIR_ENV = "STORESIGHT_DATA_DIR"
DB_FILE_NAME = "storesight.db"


def data_dir(override: str | Path | None = None, *, create: bool = False) -> Path:
    """The data folder: ``override``, else ``$STORESIGHT_DATA_DIR``, else the per-user data dir.

    Args:
        override: a folder chosen by the user (e.g. ``storage.data_dir`` of the site config).
        create: create the folder (and parents) if missing.

    Returns:
        An absolute path.
    """
    if override:
        path = Path(override).expanduser()
    elif os.environ.get(DATA_DIR_ENV):
        path = Path(os.environ[DATA_DIR_ENV]).expanduser()
    else:
        path = user_data_path(APP_NAME, appauthor=False)
    path = path.absolute()
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path


def default_db_path(base: str | Path | None = None) -> Path:
    """The default SQLite database file inside the data folder."""
    return data_dir(base) / DB_FILE_NAME


def default_db_url(base: str | Path | None = None) -> str:
    """The SQLAlchemy URL of the default SQLite database (``sqlite:///<data dir>/storesight.db``)."""
    return f"sqlite:///{default_db_path(base).as_posix()}"


def crops_dir(base: str | Path | None = None) -> Path:
    """Folder for event photos (``<data dir>/crops``)."""
    return data_dir(base) / "crops"


def model_dir(base: str | Path | None = None) -> Path:
    """Folder for model weights (``<data dir>/models``)."""
    return data_dir(base) / "models"


def machine_data_dir() -> Path:
    r"""The data folder for all users of this computer (a service's): ``%ProgramData%\StoreSight`` on Windows.

    The Windows installer makes it the window's data folder too when it registers the service (it
    sets ``STORESIGHT_DATA_DIR`` machine-wide), so the service and the window share one site.
    """
    return site_data_path(APP_NAME, appauthor=False)

