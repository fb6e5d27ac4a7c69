"""Runs as first-class records: who runs them, which died, which a re-analysis replaces, which are partial.

* :func:`owner` / :func:`close_dead_runs` — a run carries the PID and host of the process that
  analyses it and a heartbeat the store writer refreshes every :data:`HEARTBEAT_S` seconds. Any
  command that opens the database (:func:`app.store.db.open_store`) marks ``incomplete`` every run
  still ``running`` whose process is gone (same host, PID not alive) or whose heartbeat stopped
  more than :data:`DEAD_AFTER_S` seconds ago (any host).
* :func:`previous_runs` / :func:`delete_runs` — ``storesight analyze`` of a file that a camera
  already analysed is refused by default; ``--replace-run`` deletes the old run's rows *and* its
  photo and background files (and the heatmap hours it added to), ``--append`` keeps both.
* :func:`partial_runs` — runs in a period that are running, incomplete or failed: every view warns
  about them (:func:`partial_warning`).

Example:
    >>> from app.store.db import open_store
    >>> store = open_store("sqlite://")
    >>> close_dead_runs(store), partial_runs(store, 0.0, 1e10)
    (0, [])
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, func, or_, select, update

from app.store.db import Store
from app.store.schema import (
    AnalysisRun,
    Background,
    Camera,
    Event,
    EventPhoto,
    HeatmapHour,
    RunStatus,
    utcnow,
)

log = logging.getLogger(__name__)

#: The store writer refreshes a running run's heartbeat this often (seconds).
HEARTBEAT_S = 30.0
#: A running run whose heartbeat is older than this is dead (its process froze, or its host died).
DEAD_AFTER_S = 300.0
HOUR = 3600.0


def owner() -> tuple[int, str]:
    """This process: (PID, host name)."""
    return os.getpid(), socket.gethostname()[:255]


def pid_alive(pid: int) -> bool:
    """Whether a process with this PID exists on this computer."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    except OSError:
        return False
    return True


def close_dead_runs(store: Store, now: dt.datetime | None = None) -> int:
    """Mark ``incomplete`` the running runs whose process is gone; returns how many.

    A run of this host whose PID is not alive (or is this process but not a run it knows: PIDs
    are reused), or of any host with a heartbeat older than :data:`DEAD_AFTER_S`. Runs stored
    before runs had owners (no PID) are left to :func:`app.store.maintenance.mark_stale_runs`.
    """
    now = now or utcnow()
    pid_self, host = owner()
    with store.session() as s:
        rows = s.execute(
            select(AnalysisRun.id, AnalysisRun.pid, AnalysisRun.host, AnalysisRun.heartbeat_at).where(
                AnalysisRun.status == RunStatus.RUNNING.value, AnalysisRun.pid.is_not(None)
            )
        ).all()
    dead: dict[int, str] = {}
    for run_id, pid, run_host, beat in rows:
        beat = beat.replace(tzinfo=dt.UTC) if beat is not None and beat.tzinfo is None else beat
        silent = beat is None or (now - beat).total_seconds() > DEAD_AFTER_S
        if run_host == host and pid != pid_self and not pid_alive(int(pid)):
            dead[run_id] = f"the analysing process (PID {pid}) ended without finishing the run"
        elif silent and not (run_host == host and pid == pid_self):
            dead[run_id] = (
                f"the analysing process (PID {pid} on {run_host}) stopped answering "
                f"(no heartbeat for {DEAD_AFTER_S / 60:.0f} min)"
            )
    if not dead:
        return 0
    with store.session(write=True) as s:
        for run_id, reason in dead.items():
            s.execute(
                update(AnalysisRun)
                .where(AnalysisRun.id == run_id, AnalysisRun.status == RunStatus.RUNNING.value)
                .values(status=RunStatus.INCOMPLETE.value, reason=reason)
            )
    log.warning("%d run(s) of processes that died marked incomplete", len(dead))
    return len(dead)


@dataclass(frozen=True, slots=True)
class RunInfo:
    """A stored run, as the CLI and the views describe it.

    Attributes:
        id: the run's id.
        camera: the camera's config id.
        source: what was analysed (no credentials).
        status: running, complete, incomplete or failed.
        reason: why it is not complete.
        started_at: wall-clock start (UTC).
        first_ts: video time of its first frame.
        last_ts: video time of its last frame.
    """

    id: int
    camera: str
    source: str
    status: str
    reason: str
    started_at: dt.datetime
    first_ts: float | None
    last_ts: float | None

    def describe(self) -> str:
        """``run 3 of cam1 (incomplete: stopped before the end of the source)``."""
        why = f": {self.reason}" if self.reason and self.status != RunStatus.COMPLETE.value else ""
        return f"run {self.id} of {self.camera} ({self.status}{why})"


def _infos(store: Store, where: Sequence[object]) -> list[RunInfo]:
    q = (
        select(
            AnalysisRun.id,
            Camera.config_id,
            AnalysisRun.source_label,
            AnalysisRun.status,
            AnalysisRun.reason,
            AnalysisRun.started_at,
            AnalysisRun.first_ts,
            AnalysisRun.last_ts,
        )
        .join(Camera, Camera.id == AnalysisRun.camera_id)
        .where(*where)
        .order_by(AnalysisRun.id)
    )
    with store.session() as s:
        return [RunInfo(r[0], r[1], r[2], r[3], r[4] or "", r[5], r[6], r[7]) for r in s.execute(q)]


def previous_runs(store: Store, camera_row_id: int, source_label: str) -> list[RunInfo]:
    """The runs of this camera over the same source (a re-analysis would count its data twice)."""
    return _infos(store, [AnalysisRun.camera_id == camera_row_id, AnalysisRun.source_label == source_label])


def partial_runs(
    store: Store, since: float | None, until: float | None, camera_ids: Iterable[str] | None = None
) -> list[RunInfo]:
    """Runs overlapping the period (video time) that are running, incomplete or failed.

    Args:
        store: the database.
        since: start of the period (epoch seconds), None for open.
        until: end of the period (exclusive), None for open.
        camera_ids: only these cameras (config ids); None for all.
    """
    where: list[object] = [AnalysisRun.status != RunStatus.COMPLETE.value]
    if until is not None:
        where.append(or_(AnalysisRun.first_ts.is_(None), AnalysisRun.first_ts < until))
    if since is not None:
        where.append(or_(AnalysisRun.last_ts.is_(None), AnalysisRun.last_ts >= since))
    if camera_ids is not None:
        where.append(Camera.config_id.in_(list(camera_ids)))
    return _infos(store, where)


def partial_warning(runs: Sequence[RunInfo], limit: int = 3) -> str:
    """One warning line about partial runs ("" when there are none).

    Example:
        >>> import datetime as dt
        >>> r = RunInfo(3, "cam1", "a.mp4", "incomplete", "stopped", dt.datetime(2026, 1, 1), 0.0, 9.0)
        >>> partial_warning([r])
        'warning: the period holds 1 run that is not complete — numbers may be low: run 3 of cam1 (incomplete: stopped)'
    """
    if not runs:
        return ""
    shown = "; ".join(r.describe() for r in runs[:limit]) + (
        f"; … {len(runs) - limit} more" if len(runs) > limit else ""
    )
    n = len(runs)
    return (
        f"warning: the period holds {n} run{'s' if n != 1 else ''} that {'is' if n == 1 else 'are'} not "
        f"complete — numbers may be low: {shown}"
    )


@dataclass
class DeletedRuns:
    """What :func:`delete_runs` removed.

    Attributes:
        runs: run rows.
        events: event rows (with their photos, alerts and notifications).
        heatmap_hours: heatmap hour rows of the runs' hours.
        files: photo and background files deleted.
    """

    runs: int = 0
    events: int = 0
    heatmap_hours: int = 0
    files: int = 0


def delete_runs(store: Store, data_dir: Path, run_ids: Sequence[int]) -> DeletedRuns:
    """Delete runs with everything they stored, rows first, then the photo and background files.

    Rows: the runs, their events (with photos, alerts, notifications), tracks, backgrounds, and the
    heatmap hours of their camera in the hours they covered.

    Files are deleted only after the rows are committed (a crash in between leaves orphan files,
    never rows pointing at missing files).
    """
    out = DeletedRuns()
    if not run_ids:
        return out
    ids = list(run_ids)
    with store.session(write=True) as s:
        files = list(
            s.scalars(
                select(EventPhoto.path)
                .join(Event, Event.id == EventPhoto.event_id)
                .where(Event.run_id.in_(ids))
            )
        )
        files += list(s.scalars(select(Background.path).where(Background.run_id.in_(ids))))
        out.events = int(s.scalar(select(func.count()).select_from(Event).where(Event.run_id.in_(ids))) or 0)
        spans = s.execute(
            select(AnalysisRun.camera_id, AnalysisRun.first_ts, AnalysisRun.last_ts).where(
                AnalysisRun.id.in_(ids)
            )
        ).all()
        for cam, first, last in spans:
            if first is None or last is None:
                continue
            lo = (first // HOUR) * HOUR
            res = s.execute(
                delete(HeatmapHour).where(
                    HeatmapHour.camera_id == cam, HeatmapHour.hour_ts >= lo, HeatmapHour.hour_ts <= last
                )
            )
            out.heatmap_hours += int(res.rowcount or 0)
        s.execute(delete(Background).where(Background.run_id.in_(ids)))
        out.runs = int(s.execute(delete(AnalysisRun).where(AnalysisRun.id.in_(ids))).rowcount or 0)
    root = Path(data_dir).resolve()
    for rel in files:
        path = (root / rel).resolve()
        if root not in path.parents:
            log.warning("not deleting %r: not inside the data folder", rel)
            continue
        try:
            path.unlink()
            out.files += 1
        except FileNotFoundError:
            pass
        except OSError as e:
            log.warning("cannot delete %s: %s", path, e.strerror or e)
    return out
