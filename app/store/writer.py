"""The single writer: one thread owns all database writes and commits them in batches.

Camera workers call :meth:`StoreWriter.put_event` / :meth:`~StoreWriter.put_track` (cheap, never
touch the database); the writer thread collects up to ``max_batch`` items or ``max_delay``
seconds, writes the photos to disk, then commits the batch in one transaction. A locked or
unreachable database makes it retry the batch with backoff (nothing is dropped); a bad item
(e.g. an unknown run) is isolated and dropped alone, with an error in the log.

Example:
    >>> import tempfile
    >>> from app.config import SiteConfig
    >>> from app.store.db import open_store
    >>> from app.store.records import EventRecord
    >>> from app.store.schema import RunStatus
    >>> from app.store.sync import sync_site
    >>> store = open_store("sqlite://")
    >>> cfg = SiteConfig.model_validate(
    ...     {"site": {"name": "Demo"}, "cameras": [{"id": "cam1", "source": "a.mp4"}]})
    >>> cam = sync_site(store, cfg)["cam1"]
    >>> with StoreWriter(store, tempfile.mkdtemp()) as w:
    ...     run = w.start_run(cam, "a.mp4", "nanodet")
    ...     w.put_event(run, EventRecord("cam1", 1.0, "footfall", "enter"))
    ...     w.finish_run(run, RunStatus.COMPLETE, frames=10, first_ts=0.0, last_ts=2.0)
    ...     w.flush()
    ...     w.stats().events
    1
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from sqlalchemy import update
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from app.store.batch import BatchResult, WriteItem, write_batch
from app.store.db import Store
from app.store.photos import SavedPhoto, save_background, save_photo
from app.store.records import BackgroundRecord, EventRecord, HeatmapRecord, TrackRecord
from app.store.runs import HEARTBEAT_S
from app.store.schema import AnalysisRun, RunStatus, utcnow

log = logging.getLogger(__name__)

_FLUSH = "flush"
_STOP = "stop"


@dataclass(frozen=True, slots=True)
class WriterStats:
    """Counters of a :class:`StoreWriter` (a snapshot).

    Attributes:
        events: events committed.
        tracks: track summaries applied (several of one track in a batch become one UPDATE).
        heatmaps: heatmap hours added.
        photos: photo files written and committed.
        runs_started: runs created.
        runs_finished: runs finished.
        batches: transactions committed.
        retries: failed attempts that were retried.
        dropped: items given up on (bad data, or the database stayed down at close).
        mean_batch_ms: mean time to write + commit one batch.
        max_batch_ms: slowest batch.
        mean_latency_ms: mean time from ``put_*`` to commit.
        queued: items waiting right now.
        backgrounds: camera background pictures written and committed.
    """

    events: int
    tracks: int
    heatmaps: int
    photos: int
    runs_started: int
    runs_finished: int
    batches: int
    retries: int
    dropped: int
    mean_batch_ms: float
    max_batch_ms: float
    mean_latency_ms: float
    queued: int
    backgrounds: int = 0


@dataclass(slots=True)
class _Counters:
    events: int = 0
    tracks: int = 0
    heatmaps: int = 0
    photos: int = 0
    runs_started: int = 0
    runs_finished: int = 0
    batches: int = 0
    retries: int = 0
    dropped: int = 0
    batch_s: float = 0.0
    max_batch_s: float = 0.0
    latency_s: float = 0.0
    latency_n: int = 0
    backgrounds: int = 0


@dataclass(slots=True)
class _Control:
    kind: str
    future: Future[None] = field(default_factory=Future)


#: Errors that waiting cannot cure (SQLite's texts; PostgreSQL's disk full is SQLSTATE 53100).
_PERMANENT_TEXT = (
    "database or disk is full",
    "disk i/o error",
    "readonly database",
    "read-only",
    "no such table",
    "no such column",
    "file is not a database",
    "database disk image is malformed",
    "no space left on device",
    "could not extend file",
    "disk quota exceeded",
)
_PERMANENT_ERRNO = {errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EIO}


def permanent_reason(err: BaseException) -> str | None:
    """One line when ``err`` is permanent (disk full, read-only, broken or foreign schema), else None.

    Example:
        >>> permanent_reason(OSError(28, "No space left on device"))
        'No space left on device'
    """
    if isinstance(err, OSError) and err.errno in _PERMANENT_ERRNO:
        return err.strerror or str(err)
    orig = getattr(err, "orig", None) or err
    text = _first_line(orig if isinstance(orig, BaseException) else err)
    if getattr(orig, "sqlstate", None) in ("53100", "53200", "25006") or any(
        t in text.lower() for t in _PERMANENT_TEXT
    ):
        return text
    return None


def _is_transient(err: BaseException) -> bool:
    """Errors worth retrying: locks, lost connections, a server restarting, pool exhaustion."""
    if permanent_reason(err) is not None:
        return False
    if isinstance(err, DBAPIError) and err.connection_invalidated:
        return True
    return isinstance(err, OperationalError | InterfaceError | PoolTimeoutError)


class StoreWriter:
    """Owns all database writes; batches them in its own thread.

    Args:
        store: the open database.
        data_dir: the data folder; photos go under ``<data_dir>/crops``, camera backgrounds under
            ``<data_dir>/backgrounds``.
        max_batch: items per transaction at most.
        max_delay: seconds an item may wait for its batch to fill.
        queue_size: items buffered before ``put_*`` blocks (back-pressure instead of loss).
        tz: time zone of the photo day folders (None: the computer's).
        retry_deadline: seconds a temporary database error (locked, server restarting) is retried
            before it counts as permanent.
        on_fatal: called once (on the writer thread) with one line when writing became impossible
            (disk full, read-only, the database gone for longer than ``retry_deadline``); the
            engine stops the analysis then. Everything queued afterwards is dropped at once.

    The thread starts with :meth:`start`, or by itself on first use.

    Example:
        >>> # see the module docstring
    """

    def __init__(
        self,
        store: Store,
        data_dir: str | Path,
        *,
        max_batch: int = 500,
        max_delay: float = 0.2,
        queue_size: int = 20_000,
        tz: dt.tzinfo | None = None,
        retry_deadline: float = 600.0,
        on_fatal: Callable[[str], None] | None = None,
    ) -> None:
        self._store = store
        self._data_dir = Path(data_dir)
        self._max_batch = max_batch
        self._max_delay = max_delay
        self._tz = tz
        self._q: queue.Queue[WriteItem | _Control] = queue.Queue(maxsize=queue_size)
        self._n = _Counters()
        self._lock = threading.Lock()
        self._closed = False
        self._close_deadline: float | None = None
        self._track_ids: dict[tuple[int, int], int] = {}
        self._run_cameras: dict[int, int] = {}
        self._zones: dict[int, dict[str, int]] = {}
        self._thread = threading.Thread(target=self._loop, name="store-writer", daemon=True)
        self._started = False
        self._retry_deadline = retry_deadline
        self._on_fatal = on_fatal
        #: Why writing became impossible (one line), or None.
        self.fatal: str | None = None
        self._open_runs: set[int] = set()
        self._last_beat = time.monotonic()

    @property
    def data_dir(self) -> Path:
        """The data folder photos and backgrounds go to."""
        return self._data_dir

    # --- API used by the engine -------------------------------------------------------------

    def start(self) -> StoreWriter:
        """Start the writer thread (idempotent; ``put_*`` and ``start_run`` also start it)."""
        with self._lock:
            if not self._started:
                self._started = True
                self._thread.start()
        return self

    def start_run(
        self, camera_id: int | str, source_label: str, backend: str = "", timeout: float = 60.0
    ) -> int:
        """Create an analysis run (status ``running``) and return its id once committed.

        Args:
            camera_id: the camera's row id (from :func:`app.store.sync.sync_site`), or its config
                id (must then be unique among the database's active cameras).
            source_label: what was analysed, without credentials (file name, camera URL).
            backend: detector backend description.
            timeout: seconds to wait for the commit.

        Raises:
            TimeoutError: the database did not accept the run in time.
            ValueError: no such camera (or a config id found in several sites).
            sqlalchemy.exc.SQLAlchemyError: the run could not be created (e.g. unknown row id).
        """
        fut: Future[int] = Future()
        data = (camera_id, source_label, backend, utcnow())
        self._put(WriteItem("start", time.monotonic(), None, data, fut))
        return fut.result(timeout)

    def put_event(self, run_id: int, event: EventRecord) -> None:
        """Queue an event (with its photos) of a run."""
        self._put(WriteItem("event", time.monotonic(), run_id, event))

    def put_track(self, run_id: int, track: TrackRecord) -> None:
        """Queue a track summary; the row of (run, tracker id) is created or updated."""
        self._put(WriteItem("track", time.monotonic(), run_id, track))

    def put_heatmap(self, run_id: int, heatmap: HeatmapRecord) -> None:
        """Queue an hour of heatmap; it is added to what the store has for that camera, hour and role.

        Raises:
            ValueError: the grid's size does not match width/height/cell.
        """
        rows, cols = -(-heatmap.height // heatmap.cell), -(-heatmap.width // heatmap.cell)
        if len(heatmap.grid) != rows * cols * 4:
            raise ValueError(f"heatmap grid has {len(heatmap.grid)} bytes, expected {rows}x{cols} float32")
        self._put(WriteItem("heatmap", time.monotonic(), run_id, heatmap))

    def put_background(self, run_id: int, background: BackgroundRecord) -> None:
        """Queue a camera background picture; the JPEG goes to ``<data_dir>/backgrounds/<camera>/``."""
        self._put(WriteItem("background", time.monotonic(), run_id, background))

    def finish_run(
        self,
        run_id: int,
        status: RunStatus | str,
        reason: str | None = None,
        frames: int | None = None,
        first_ts: float | None = None,
        last_ts: float | None = None,
    ) -> None:
        """Queue the end of a run (after everything queued for it before)."""
        status = RunStatus(status)
        data = (status.value, reason, frames, first_ts, last_ts, utcnow())
        self._put(WriteItem("finish", time.monotonic(), run_id, data))

    def flush(self, timeout: float | None = None) -> None:
        """Block until everything queued so far is committed (or given up on).

        Raises:
            TimeoutError: not done within ``timeout`` seconds.
        """
        if self._closed or not self._started:
            return
        ctl = _Control(_FLUSH)
        self._put(ctl)
        ctl.future.result(timeout)

    def close(self, timeout: float = 30.0) -> None:
        """Write everything queued, then stop the thread. Idempotent.

        Args:
            timeout: how long to keep retrying if the database is down before dropping
                what is left (logged as an error).
        """
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._close_deadline = time.monotonic() + timeout
            if not self._started:
                return
        try:
            self._q.put(_Control(_STOP), timeout=timeout)
        except queue.Full:
            log.error("store writer: still busy at close; %d item(s) not written", self._q.qsize())
        self._thread.join(timeout + 5.0)
        if self._thread.is_alive():
            log.error("store writer: did not stop within %.0f s; what is queued is lost", timeout + 5.0)

    def __enter__(self) -> StoreWriter:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def stats(self) -> WriterStats:
        """A snapshot of the counters."""
        n = self._n
        return WriterStats(
            events=n.events,
            tracks=n.tracks,
            heatmaps=n.heatmaps,
            photos=n.photos,
            runs_started=n.runs_started,
            runs_finished=n.runs_finished,
            batches=n.batches,
            retries=n.retries,
            dropped=n.dropped,
            mean_batch_ms=1000.0 * n.batch_s / n.batches if n.batches else 0.0,
            max_batch_ms=1000.0 * n.max_batch_s,
            mean_latency_ms=1000.0 * n.latency_s / n.latency_n if n.latency_n else 0.0,
            queued=self._q.qsize(),
            backgrounds=n.backgrounds,
        )

    # --- the writer thread ------------------------------------------------------------------

    def _put(self, item: WriteItem | _Control) -> None:
        if self._closed:
            raise RuntimeError("the store writer is closed")
        if not self._started:
            self.start()
        if not self._thread.is_alive():
            raise RuntimeError("the store writer thread has stopped")
        if self.fatal is not None and isinstance(item, WriteItem):
            self._give_up([item], self.fatal)  # writing is impossible: the engine is stopping
            return
        self._q.put(item)

    def _loop(self) -> None:
        while True:
            try:
                first = self._q.get(timeout=max(1.0, HEARTBEAT_S - (time.monotonic() - self._last_beat)))
            except queue.Empty:
                self._beat()
                continue
            batch: list[WriteItem | _Control] = [first]
            if isinstance(first, WriteItem) and first.kind != "start":
                deadline = first.t + self._max_delay
                while len(batch) < self._max_batch:
                    wait = deadline - time.monotonic()
                    try:
                        nxt = self._q.get(timeout=wait) if wait > 0 else self._q.get_nowait()
                    except queue.Empty:
                        break
                    batch.append(nxt)
                    if isinstance(nxt, _Control) or nxt.kind == "start":
                        break
            items = [b for b in batch if isinstance(b, WriteItem)]
            try:
                if items and self.fatal is not None:
                    self._give_up(items, self.fatal)
                elif items:
                    self._prepare_photos(items)
                    self._commit(items)
            except Exception:  # never let the thread die; a bug here must not stop recording
                log.exception("store writer: unexpected error, %d item(s) lost", len(items))
                self._n.dropped += len(items)
            if time.monotonic() - self._last_beat >= HEARTBEAT_S:
                self._beat()
            stop = False
            for b in batch:
                if isinstance(b, _Control):
                    b.future.set_result(None)
                    stop = stop or b.kind == _STOP
            if stop:
                return

    def _fail(self, reason: str) -> None:
        """Writing became impossible: remember why (once), tell the engine."""
        if self.fatal is not None:
            return
        self.fatal = reason
        log.error("store writer: cannot write any more: %s", reason)
        if self._on_fatal is not None:
            try:
                self._on_fatal(reason)
            except Exception:  # the callback must not kill the writer
                log.exception("store writer: on_fatal failed")

    def _beat(self) -> None:
        """Tell other processes the open runs are alive (see :mod:`app.store.runs`)."""
        self._last_beat = time.monotonic()
        if not self._open_runs or self.fatal is not None:
            return
        try:
            with self._store.session(write=True) as s:
                s.execute(
                    update(AnalysisRun)
                    .where(AnalysisRun.id.in_(sorted(self._open_runs)))
                    .values(heartbeat_at=utcnow())
                )
        except Exception as e:  # a missed heartbeat is harmless; the next batch retries
            log.debug("store writer: heartbeat not written: %s", _first_line(e))

    def _prepare_photos(self, items: list[WriteItem]) -> None:
        """Write photo files (once, before any commit attempt) and remember them on the item."""
        for it in items:
            if it.kind == "background":
                bg: BackgroundRecord = it.data
                try:
                    saved_bg = save_background(self._data_dir, bg.camera_id, bg.ts, bg.jpeg, self._tz)
                    it.photos = [(saved_bg, None)]
                except OSError as e:
                    where = self._data_dir
                    log.error("cannot write the background of camera %s in %s: %s", bg.camera_id, where, e)
                    it.photos = []
                    if permanent_reason(e):
                        self._fail(f"cannot write pictures in {where}: {permanent_reason(e)}")
                continue
            if it.kind != "event" or not it.data.photos:
                continue
            ev: EventRecord = it.data
            saved: list[tuple[SavedPhoto, Any]] = []
            for ph in ev.photos:
                try:
                    saved.append((save_photo(self._data_dir, ev.camera_id, ev.ts, ph.jpeg, self._tz), ph))
                except OSError as e:
                    log.error("cannot write a photo of camera %s in %s: %s", ev.camera_id, self._data_dir, e)
                    if permanent_reason(e):
                        self._fail(f"cannot write pictures in {self._data_dir}: {permanent_reason(e)}")
            it.photos = saved

    def _commit(self, items: list[WriteItem]) -> None:
        """Commit ``items`` in one transaction, retrying transient errors; isolate bad items."""
        attempt = 0
        first_failure = time.monotonic()
        while True:
            t0 = time.monotonic()
            try:
                engine = self._store.engine
                result = write_batch(engine, items, self._track_ids, self._run_cameras, self._zones)
            except Exception as e:  # bad data (e.g. a TypeError from JSON) is isolated below
                permanent = permanent_reason(e)
                if permanent is not None:
                    self._fail(f"cannot write to the database: {permanent}")
                    self._give_up(items, permanent, e)
                    return
                if _is_transient(e):
                    attempt += 1
                    self._n.retries += 1
                    if attempt == 1:
                        first_failure = time.monotonic()
                    if self._close_deadline is not None and time.monotonic() > self._close_deadline:
                        self._give_up(items, f"database still unavailable at close ({e.__class__.__name__})")
                        return
                    if time.monotonic() - first_failure > self._retry_deadline:
                        why = f"the database stayed unavailable for {self._retry_deadline:.0f} s: {_first_line(e)}"
                        self._fail(why)
                        self._give_up(items, why, e)
                        return
                    if attempt == 1 or attempt % 20 == 0:
                        why = _first_line(e)
                        log.warning("database busy or unavailable, retrying (attempt %d): %s", attempt, why)
                    time.sleep(min(0.05 * 2 ** min(attempt, 7), 5.0))
                    continue
                if len(items) > 1:
                    for it in items:  # find the bad one(s); the rest is written
                        self._commit([it])
                else:
                    self._give_up(items, _first_line(e), e)
                return
            self._account(items, result, time.monotonic() - t0)
            return

    def _account(self, items: list[WriteItem], result: BatchResult, took: float) -> None:
        self._track_ids.update(result.track_ids)
        self._run_cameras.update(result.run_cameras)
        n = self._n
        n.events += result.events
        n.tracks += result.tracks
        n.heatmaps += result.heatmaps
        n.photos += result.photos
        n.backgrounds += result.backgrounds
        n.runs_started += len(result.started)
        n.runs_finished += result.finished
        n.dropped += result.dropped
        n.batches += 1
        n.batch_s += took
        n.max_batch_s = max(n.max_batch_s, took)
        now = time.monotonic()
        for it in items:
            n.latency_s += now - it.t
            n.latency_n += 1
        for fut, run_id in result.started:
            self._open_runs.add(run_id)
            fut.set_result(run_id)
        for it in items:
            if it.kind == "finish":
                self._open_runs.discard(cast(int, it.run_id))

    def _give_up(self, items: list[WriteItem], why: str, exc: BaseException | None = None) -> None:
        log.error("store writer: dropping %d item(s) (%s): %s", len(items), items[0].kind, why)
        self._n.dropped += len(items)
        for it in items:
            if it.future is not None and not it.future.done():
                it.future.set_exception(exc or RuntimeError(f"could not write to the database: {why}"))
            for saved, _ in it.photos or ():  # their rows were not written: no photo without its row
                with contextlib.suppress(OSError):
                    (self._data_dir / saved.path).unlink()
            it.photos = []


def _first_line(err: BaseException) -> str:
    orig = getattr(err, "orig", None) or err
    text = str(orig).strip()
    return text.splitlines()[0] if text else type(orig).__name__
