"""Housekeeping: runs left ``running`` by a crash become ``incomplete``; data older than the retention goes.

* :func:`mark_stale_runs` — at startup, before this process starts new runs.
* :func:`prune` — ``storage.retention_days``: deletes what ended before a cutoff (events with
  their photos — rows *and* JPEG files —, alert acknowledgements, finished notifications,
  heatmap hours, finished tracks, analysis runs), camera backgrounds no longer needed, and every
  background of a camera removed from the config. The engine runs it at start and then daily on
  a background thread (:class:`app.engine.housekeeping.RetentionWorker`); ``storesight prune``
  runs it by hand.

How :func:`prune` stays out of the engine's way: it works in batches of a few hundred rows, each
batch one short write transaction (on SQLite it takes the write lock at ``BEGIN`` and holds it
for tens of milliseconds), with a pause between batches so the engine's store writer — which
waits up to the busy timeout for the lock — gets its turn. It never touches anything of a run
that is still ``running`` and started after the cutoff (its events, tracks, photos, backgrounds,
the heatmap hours it may still add to: it may be a recorded file with old timestamps), nor events
whose notification is still waiting to be sent. A live session running since before the cutoff
loses what of it ended before the cutoff, like finished runs; its run row stays.

Files and rows: a photo's file is deleted only *after* the transaction that deleted its row has
committed. A crash in between leaves files no row points at (never a row pointing at a missing
file — the same order the store writer uses, which writes the file before committing its row);
such orphans in the photo day folders older than the cutoff are swept by the next :func:`prune`
(only files older than a day: a file younger than that may belong to a row being committed).

Example:
    >>> from app.store.db import open_store
    >>> mark_stale_runs(open_store("sqlite://"))
    0
    >>> import tempfile
    >>> res = prune(open_store("sqlite://"), tempfile.mkdtemp(), dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    >>> res.events, res.bytes_freed
    (0, 0)
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, and_, delete, func, or_, select, update
from sqlalchemy.orm import aliased

from app.store.db import Store
from app.store.schema import (
    Alert,
    AnalysisRun,
    Background,
    Camera,
    Event,
    EventPhoto,
    HeatmapHour,
    NotifyOutbox,
    RoleLabel,
    RunStatus,
    Site,
    Track,
)

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


# --- retention --------------------------------------------------------------------------------

HOUR = 3600.0
#: Outbox states a notification never leaves, and those of one still to be sent (the names of
#: :mod:`app.notify.outbox`, which builds on the store and so is not imported here).
OUTBOX_DONE = ("sent", "expired", "failed")
OUTBOX_WAITING = ("pending", "sending")
#: Unreferenced photo files younger than this are never swept (their row may be committing now).
ORPHAN_MIN_AGE_S = 86400.0
#: Rows per transaction.
BATCH = 500
_DAY_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class PruneResult:
    """What :func:`prune` deleted (or, with ``dry_run``, would delete).

    Attributes:
        cutoff: things that ended before this moment went.
        dry_run: nothing was changed; the numbers say what would go.
        events: event rows.
        photos: event photo rows (their files are in ``files``).
        alerts: alert acknowledgements (rows of deleted alert events).
        notifications: notification outbox rows (sent, failed or expired).
        heatmap_hours: heatmap hour rows.
        tracks: track rows.
        role_labels: the user's role labels of deleted tracks.
        runs: analysis run rows.
        backgrounds: camera background rows (old ones, and all of removed cameras).
        files: photo and background files deleted.
        bytes_freed: their size on disk.
        missing_files: rows whose file was already gone.
        orphan_files: files no row pointed at (left by a crash), swept; counted in ``files`` too.
        stopped: the run was asked to stop before it finished (it resumes next time).
        seconds: how long it took.
    """

    cutoff: dt.datetime
    dry_run: bool = False
    events: int = 0
    photos: int = 0
    alerts: int = 0
    notifications: int = 0
    heatmap_hours: int = 0
    tracks: int = 0
    role_labels: int = 0
    runs: int = 0
    backgrounds: int = 0
    files: int = 0
    bytes_freed: int = 0
    missing_files: int = 0
    orphan_files: int = 0
    stopped: bool = False
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        """Database rows in all."""
        return (
            self.events + self.photos + self.alerts + self.notifications + self.heatmap_hours
            + self.tracks + self.role_labels + self.runs + self.backgrounds
        )  # fmt: skip

    def lines(self) -> list[str]:
        """One line per kind, e.g. ``events            12,345`` (for the CLI and the log)."""
        kinds = [
            ("events", self.events),
            ("event photos", self.photos),
            ("alert acknowledgements", self.alerts),
            ("notifications (sent/failed/expired)", self.notifications),
            ("heatmap hours", self.heatmap_hours),
            ("tracks", self.tracks),
            ("role labels of those tracks", self.role_labels),
            ("analysis runs", self.runs),
            ("camera backgrounds", self.backgrounds),
        ]
        out = [f"  {name:<38} {n:>12,}" for name, n in kinds]
        out.append(f"  {'files (photos, backgrounds)':<38} {self.files:>12,}  ({_size(self.bytes_freed)})")
        if self.orphan_files:
            out.append(f"  {'  of them left by a crash (no row)':<38} {self.orphan_files:>12,}")
        if self.missing_files:
            out.append(f"  {'rows whose file was already gone':<38} {self.missing_files:>12,}")
        return out


def _size(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:,} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n} bytes"  # pragma: no cover


@dataclass
class _Pruner:
    """One :func:`prune` pass (state shared by its steps)."""

    store: Store
    root: Path
    cutoff: dt.datetime
    dry_run: bool
    batch: int
    pause: float
    stop: threading.Event | None
    res: PruneResult

    @property
    def cut(self) -> float:
        return self.cutoff.timestamp()

    def stopped(self) -> bool:
        if self.stop is not None and self.stop.is_set():
            self.res.stopped = True
        return self.res.stopped

    def tx(self) -> Any:
        """A short transaction; writing ones take SQLite's write lock at BEGIN (no upgrade failure)."""
        engine = self.store.engine
        if not self.dry_run:
            engine = engine.execution_options(sqlite_immediate=True)  # type: ignore[assignment]
        return engine.begin()

    def rest(self) -> None:
        """Between batches: let the engine's writer take the lock (a dry run takes none)."""
        if self.pause > 0 and not self.dry_run and not self.stopped():
            time.sleep(self.pause)

    # --- files ---

    def _path(self, rel: str) -> Path | None:
        parts = Path(rel).parts
        if not rel or Path(rel).is_absolute() or ".." in parts:
            log.warning("prune: not deleting %r: not a path inside the data folder", rel)
            return None
        return self.root.joinpath(*parts)

    def remove_files(self, rels: Iterable[str], *, orphans: bool = False) -> None:
        """Delete files (after their rows are committed); count them and their size."""
        for rel in rels:
            path = self._path(rel)
            if path is None:
                continue
            try:
                size = path.stat().st_size
                if not self.dry_run:
                    path.unlink()
            except FileNotFoundError:
                self.res.missing_files += 0 if orphans else 1
                continue
            except OSError as e:
                log.warning("prune: cannot delete %s: %s", path, e.strerror or e)
                continue
            self.res.files += 1
            self.res.bytes_freed += size
            self.res.orphan_files += 1 if orphans else 0

    # --- steps ---

    def events(self) -> None:
        """Events that ended before the cutoff, with photos, alert rows and finished notifications."""
        last: tuple[float, int] | None = None
        while not self.stopped():
            q = select(Event.id, Event.ts).where(_event_goes(Event, self.cut))
            if last is not None:  # keyset: (ts, id) after the last batch; ts >= uses the index
                q = q.where(Event.ts >= last[0], or_(Event.ts > last[0], Event.id > last[1]))
            q = q.order_by(Event.ts, Event.id).limit(self.batch)
            with self.tx() as conn:
                rows = conn.execute(q).all()
                if not rows:
                    return
                last = (rows[-1].ts, rows[-1].id)
                ids = [r.id for r in rows]
                photos = _in(conn, select(EventPhoto.path), EventPhoto.event_id, ids)
                self.res.alerts += _count(conn, Alert, Alert.event_id, ids)
                self.res.notifications += _count(conn, NotifyOutbox, NotifyOutbox.event_id, ids)
                if not self.dry_run:
                    for table, col in (
                        (EventPhoto, EventPhoto.event_id),
                        (Alert, Alert.event_id),
                        (NotifyOutbox, NotifyOutbox.event_id),
                        (Event, Event.id),
                    ):
                        _delete(conn, table, col, ids)
            self.res.events += len(ids)
            self.res.photos += len(photos)
            self.remove_files(photos)  # only now: the rows that pointed at them are gone for good
            self.rest()

    def notifications(self) -> None:
        """Sent, refused and expired notifications queued before the cutoff (not counted with their events)."""
        e = aliased(Event)
        self._by_id(
            NotifyOutbox,
            NotifyOutbox.id,
            lambda conn: [
                NotifyOutbox.status.in_(OUTBOX_DONE),
                NotifyOutbox.created_at < self.cutoff,
                ~select(e.id).where(e.id == NotifyOutbox.event_id, _event_goes(e, self.cut)).exists(),
            ],
            "notifications",
        )

    def heatmaps(self) -> None:
        """Heatmap hours that ended before the cutoff, except those a running run may still add to."""

        def conds(conn: Connection) -> list[Any]:
            out: list[Any] = [HeatmapHour.hour_ts + HOUR <= self.cut]
            for run_id, cam, started in conn.execute(
                select(AnalysisRun.id, AnalysisRun.camera_id, AnalysisRun.started_at).where(
                    AnalysisRun.id.in_(_protected_runs(self.cut))
                )
            ):
                first = conn.scalar(select(func.min(Track.first_ts)).where(Track.run_id == run_id))
                start = started.timestamp() if started is not None else -float("inf")
                # a file analysed with its recorded times writes hours long before started_at
                since = min(start, first if first is not None else start) - HOUR
                out.append(or_(HeatmapHour.camera_id != cam, HeatmapHour.hour_ts + HOUR <= since))
            return out

        self._by_id(HeatmapHour, HeatmapHour.id, conds, "heatmap_hours")

    def tracks(self) -> None:
        """Tracks that ended before the cutoff, of finished runs, no longer pointed at by an event."""
        fixed = [_track_goes(Track, self.cut)]

        def labels(conn: Connection, ids: list[int]) -> None:
            self.res.role_labels += _count(conn, RoleLabel, RoleLabel.track_id, ids)
            if not self.dry_run:
                _delete(conn, RoleLabel, RoleLabel.track_id, ids)

        self._by_id(Track, Track.id, lambda conn: fixed, "tracks", before=labels)

    def runs(self) -> None:
        """Finished runs that ended before the cutoff and have nothing left (events, tracks)."""
        r, e, t = AnalysisRun, aliased(Event), aliased(Track)
        conds = [
            r.status != RunStatus.RUNNING.value,
            or_(
                r.finished_at < self.cutoff,
                (r.finished_at.is_(None)) & (r.started_at < self.cutoff),  # stale, never finished
            ),
            or_(r.last_ts.is_(None), r.last_ts < self.cut),
            ~select(e.id).where(e.run_id == r.id, ~_event_goes(e, self.cut)).exists(),
            ~select(t.id).where(t.run_id == r.id, ~_track_goes(t, self.cut)).exists(),
        ]

        def unlink_backgrounds(conn: Connection, ids: list[int]) -> None:
            if not self.dry_run:  # the schema says SET NULL; said here too, whatever the database enforces
                conn.execute(update(Background).where(Background.run_id.in_(ids)).values(run_id=None))

        self._by_id(r, r.id, lambda conn: conds, "runs", before=unlink_backgrounds)

    def backgrounds(self, removed: set[int]) -> None:
        """Every background of a removed camera; other cameras' made before the cutoff but the newest of those.

        The newest one before the cutoff stays: it is the background of the first kept hours.
        """
        with self.tx() as conn:
            rows = conn.execute(
                select(Background.id, Background.camera_id, Background.ts, Background.path, Background.run_id)
            ).all()
        newest: dict[int, tuple[float, int]] = {}
        for b in rows:
            if b.ts < self.cut:
                newest[b.camera_id] = max(newest.get(b.camera_id, (b.ts, b.id)), (b.ts, b.id))
        gone = [
            b
            for b in rows
            if b.camera_id in removed or (b.ts < self.cut and newest[b.camera_id] != (b.ts, b.id))
        ]
        for i in range(0, len(gone), self.batch):
            if self.stopped():
                return
            with self.tx() as conn:
                running = set(conn.scalars(_protected_runs(self.cut)))
                chunk = [b for b in gone[i : i + self.batch] if b.run_id not in running]
                if not self.dry_run:
                    _delete(conn, Background, Background.id, [b.id for b in chunk])
            self.res.backgrounds += len(chunk)
            self.remove_files(b.path for b in chunk)
        folders = {Path(b.path).parent for b in gone if b.camera_id in removed}
        if not self.dry_run:
            for rel in folders:
                folder = self._path(rel.as_posix())
                if folder is not None and folder.parent.name == "backgrounds":
                    _rmdir_if_empty(folder)

    def orphans(self) -> None:
        """Photo files in day folders well before the cutoff that no row points at (a crash's leftovers)."""
        crops = self.root / "crops"
        if not crops.is_dir():
            return
        last_day = (self.cutoff - dt.timedelta(days=2)).date()  # day folders are in some local time
        too_new = time.time() - ORPHAN_MIN_AGE_S
        for cam_dir in sorted(p for p in crops.iterdir() if p.is_dir()):
            for day_dir in sorted(p for p in cam_dir.iterdir() if p.is_dir() and _DAY_FOLDER.match(p.name)):
                if self.stopped():
                    return
                try:
                    if dt.date.fromisoformat(day_dir.name) >= last_day:
                        continue
                except ValueError:
                    continue
                prefix = f"crops/{cam_dir.name}/{day_dir.name}/"
                with self.tx() as conn:
                    known = set(
                        conn.scalars(
                            select(EventPhoto.path).where(EventPhoto.path.startswith(prefix, autoescape=True))
                        )
                    )
                stray = []
                for f in day_dir.iterdir():
                    rel = prefix + f.name
                    try:
                        if f.is_file() and rel not in known and f.stat().st_mtime < too_new:
                            stray.append(rel)
                    except OSError:
                        continue
                self.remove_files(stray, orphans=True)
                if not self.dry_run:
                    _rmdir_if_empty(day_dir)
            if not self.dry_run:
                _rmdir_if_empty(cam_dir)

    def _by_id(
        self,
        table: Any,
        id_col: Any,
        conds: Callable[[Connection], Sequence[Any]],
        counter: str,
        *,
        before: Callable[[Connection, list[int]], None] | None = None,
    ) -> None:
        """Delete (or count) the rows matching ``conds(conn)`` (made in each batch's transaction) in id order."""
        last = 0
        while not self.stopped():
            with self.tx() as conn:
                q = select(id_col).where(*conds(conn), id_col > last).order_by(id_col).limit(self.batch)
                ids = list(conn.scalars(q))
                if not ids:
                    return
                last = ids[-1]
                if before is not None:
                    before(conn, ids)
                if not self.dry_run:
                    _delete(conn, table, id_col, ids)
            setattr(self.res, counter, getattr(self.res, counter) + len(ids))
            self.rest()


def _protected_runs(cut: float) -> Any:
    """Ids of running runs whose data is left alone (a subquery: read in the transaction that uses it).

    A run still running that *started* after the cutoff may be analysing a recorded file with old
    timestamps: what it writes can lie before the cutoff, so none of it is touched. A run that has
    been running since before the cutoff is a long live session (live cameras are stamped with the
    wall clock): what of it ended before the cutoff was written long ago and goes like any other
    data — else a camera that runs for months would never be pruned.
    """
    since = dt.datetime.fromtimestamp(cut, dt.UTC)
    r = AnalysisRun
    return select(r.id).where(
        r.status == RunStatus.RUNNING.value, or_(r.started_at.is_(None), r.started_at >= since)
    )


# What goes, as SQL conditions on an (aliased) event or track. Each step also counts on what the
# earlier steps delete, so a dry run (which deletes nothing) gives the same numbers as a real one.


def _event_goes(e: Any, cut: float) -> Any:
    """The event ended before ``cut``, is not of a protected running run (:func:`_protected_runs`), and has no notification still to send."""
    waiting = (
        select(NotifyOutbox.id)
        .where(NotifyOutbox.event_id == e.id, NotifyOutbox.status.in_(OUTBOX_WAITING))
        .exists()
    )
    return and_(
        e.ts < cut,
        or_(e.ts_end.is_(None), e.ts_end < cut),
        e.run_id.not_in(_protected_runs(cut)),  # read in the transaction that uses it
        ~waiting,
    )


def _track_goes(t: Any, cut: float) -> Any:
    """The track ended before ``cut``, is not of a protected running run, and no event that stays points at it."""
    e = aliased(Event)
    return and_(
        t.last_ts < cut,
        t.run_id.not_in(_protected_runs(cut)),
        ~select(e.id).where(e.track_id == t.id, ~_event_goes(e, cut)).exists(),
    )


def _in(conn: Connection, q: Any, col: Any, ids: list[int]) -> list[Any]:
    return list(conn.scalars(q.where(col.in_(ids)))) if ids else []


def _count(conn: Connection, table: Any, col: Any, ids: list[int]) -> int:
    return int(conn.scalar(select(func.count()).select_from(table).where(col.in_(ids))) or 0) if ids else 0


def _delete(conn: Connection, table: Any, col: Any, ids: list[int]) -> None:
    if ids:
        conn.execute(delete(table).where(col.in_(ids)).execution_options(synchronize_session=False))


def _rmdir_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()  # fails (and keeps it) unless empty
    except OSError:
        pass


def removed_cameras(store: Store, site: Any | None = None) -> set[int]:
    """Row ids of cameras deleted from the config.

    Args:
        store: the database.
        site: the site config (:class:`app.config.SiteConfig`): its site's cameras whose id is not
            in it are removed (other sites of a shared database are left alone). None: the
            cameras marked inactive when the config was last synced (:func:`app.store.sync.sync_site`).
    """
    with store.engine.connect() as conn:
        if site is None:
            return set(conn.scalars(select(Camera.id).where(Camera.active.is_(False))))
        ids = {c.id for c in site.cameras}
        rows = conn.execute(
            select(Camera.id, Camera.config_id)
            .join(Site, Camera.site_id == Site.id)
            .where(Site.name == site.site.name)
        ).all()
    return {cid for cid, config_id in rows if config_id not in ids}


def prune(
    store: Store,
    data_dir: str | Path,
    older_than: dt.datetime,
    *,
    dry_run: bool = False,
    site: Any | None = None,
    batch: int = BATCH,
    pause: float = 0.05,
    stop: threading.Event | None = None,
) -> PruneResult:
    """Delete what ended before ``older_than`` (see the module docstring), in short batches.

    Goes: events that ended before the cutoff (``ts`` and ``ts_end``, video time) with their photo
    rows and files, alert acknowledgements and finished notifications — except events of a run
    still running and events whose notification is still waiting to be sent; sent, refused and
    expired notifications queued before it; heatmap hours that ended before it (not those a
    running run may still add to); tracks that ended before it (not of a running run, not still
    pointed at by an event) with their role labels; finished runs that ended before it and have
    no events or tracks left; camera backgrounds made before it but the newest of each camera,
    and every background of a camera removed from the config; photo files a crash left behind.

    Args:
        store: the database (SQLite or PostgreSQL).
        data_dir: the data folder the photo and background paths are relative to.
        older_than: the cutoff, an aware datetime (e.g. now − ``storage.retention_days``).
        dry_run: change nothing; count what would go (files and their size included).
        site: the site config, to find cameras removed from it (None: those marked inactive).
        batch: rows per transaction.
        pause: seconds to wait between transactions (the engine's writer gets the lock).
        stop: set it to end early (between two batches); the rest goes next time.

    Returns:
        What was (or would be) deleted.

    Raises:
        ValueError: ``older_than`` is naive, or ``batch`` < 1.
        sqlalchemy.exc.SQLAlchemyError: the database failed (what was committed stays deleted).
    """
    if older_than.tzinfo is None:
        raise ValueError("older_than must be an aware datetime")
    if batch < 1:
        raise ValueError("batch must be at least 1")
    t0 = time.monotonic()
    res = PruneResult(cutoff=older_than.astimezone(dt.UTC), dry_run=dry_run)
    p = _Pruner(store, Path(data_dir), res.cutoff, dry_run, batch, pause, stop, res)
    removed = removed_cameras(store, site)
    for step in (
        p.events,
        p.notifications,
        p.heatmaps,
        p.tracks,
        p.runs,
        lambda: p.backgrounds(removed),
        p.orphans,
    ):
        if p.stopped():
            break
        step()
    res.seconds = time.monotonic() - t0
    log.info(
        "prune before %s%s: %d rows, %d files (%d bytes) in %.1f s%s",
        res.cutoff.isoformat(timespec="seconds"),
        " (dry run)" if dry_run else "",
        res.rows,
        res.files,
        res.bytes_freed,
        res.seconds,
        " — stopped early" if res.stopped else "",
    )
    return res


def retention_cutoff(days: int, now: dt.datetime | None = None) -> dt.datetime:
    """The cutoff for keeping ``days`` days: ``now − days`` (aware UTC).

    Raises:
        ValueError: ``days`` < 1.
    """
    if days < 1:
        raise ValueError("the retention must be at least 1 day")
    return (now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=days)
