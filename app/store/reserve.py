"""Head-room for the end of a run: a small ballast file next to a SQLite database.

When the disk fills up, the writer stops; but the run's own row must still say how it ended,
or it would stay ``running`` until some later command guesses. :class:`SpaceReserve` writes
:data:`RESERVE_BYTES` of zeros next to the database when the run starts and deletes them right
before that last, small UPDATE — the space a full disk no longer had. Creating it is best effort:
on a disk that is already too full for it the run goes on without one.

Example:
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> r = SpaceReserve.for_sqlite(folder / "x.db")
    >>> r.held, (folder / "x.db.reserve").stat().st_size == RESERVE_BYTES
    (True, True)
    >>> r.release(); r.held, (folder / "x.db.reserve").exists()
    (False, False)
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

#: Bytes kept free for the run's final UPDATE (its WAL frames and the -shm index need a few pages).
RESERVE_BYTES = 256 * 1024


class SpaceReserve:
    """A ballast file that can be deleted when space is needed most.

    Args:
        path: the ballast file (``None``: no reserve, e.g. PostgreSQL).
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.held = False
        if path is None:
            return
        try:
            with open(path, "wb") as f:
                f.write(b"\0" * RESERVE_BYTES)
                f.flush()
                os.fsync(f.fileno())
            self.held = True
        except OSError as e:
            log.info("no space reserve for the end of the run (%s)", e.strerror or e)
            with contextlib.suppress(OSError):
                path.unlink()

    @classmethod
    def for_sqlite(cls, db_file: Path | None) -> SpaceReserve:
        """The reserve of a SQLite file (``<file>.reserve``); none for other databases."""
        return cls(Path(f"{db_file}.reserve") if db_file is not None else None)

    def release(self) -> None:
        """Delete the ballast (idempotent); its space is free again."""
        if self.path is not None:
            with contextlib.suppress(OSError):
                self.path.unlink()
        self.held = False
