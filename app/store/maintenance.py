"""Housekeeping at startup: runs left ``running`` by a crash or a kill become ``incomplete``.

Example:
    >>> from app.store.db import open_store
    >>> mark_stale_runs(open_store("sqlite://"))
    0
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from sqlalchemy import update

from app.store.db import Store
from app.store.schema import AnalysisRun, RunStatus

log = logging.getLogger(__name__)

STALE_REASON = "the application stopped before the run finished"


def mark_stale_runs(
    store: Store,
    camera_ids: Iterable[int] | None = None,
    started_before: dt.datetime | None = None,
    reason: str = STALE_REASON,
) -> int:
    """Turn runs still marked ``running`` into ``incomplete``.

    Call at startup, before this process starts new runs. With several workstations on one
    PostgreSQL database, pass this site's cameras so other sites' live runs are left alone.

    Args:
        store: the database.
        camera_ids: only runs of these cameras (row ids); None for all.
        started_before: only runs started before this time (aware datetime).
        reason: stored in the run's ``reason``.

    Returns:
        How many runs were changed.
    """
    stmt = update(AnalysisRun).where(AnalysisRun.status == RunStatus.RUNNING.value)
    if camera_ids is not None:
        stmt = stmt.where(AnalysisRun.camera_id.in_(list(camera_ids)))
    if started_before is not None:
        stmt = stmt.where(AnalysisRun.started_at < started_before)
    with store.session() as s:
        stmt = stmt.values(status=RunStatus.INCOMPLETE.value, reason=reason)
        n = s.execute(stmt.execution_options(synchronize_session=False)).rowcount
    if n:
        log.warning("%d unfinished run(s) marked incomplete", n)
    return int(n or 0)
