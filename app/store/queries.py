"""Read-only queries returning plain frozen rows (no ORM objects leak to the GUI or reports).

A ``camera`` argument is either the camera's row id (int) or its config id (str; with several
sites in one PostgreSQL database a config id may match a camera of each site).

Example:
    >>> from app.store.db import open_store
    >>> store = open_store("sqlite://")
    >>> events(store, module="footfall", limit=10)
    []
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.store.db import Store
from app.store.query import epoch, where_camera, where_events
from app.store.schema import AnalysisRun, Camera, Event, EventPhoto, HeatmapHour, Track, Zone


@dataclass(frozen=True, slots=True)
class CameraCounts:
    """How much a camera has recorded."""

    camera_id: int
    config_id: str
    name: str
    runs: int
    tracks: int
    events: int


@dataclass(frozen=True, slots=True)
class PhotoRow:
    """A stored photo; ``path`` is relative to the data folder."""

    kind: str
    path: str
    bytes: int
    sha256: str
    width: int | None
    height: int | None
    box: list[float] | None


@dataclass(frozen=True, slots=True)
class EventRow:
    """An event with its camera/zone config ids, tracker id and photos."""

    id: int
    ts: float
    ts_end: float | None
    camera_id: int
    camera: str
    zone: str | None
    module: str
    type: str
    track_id: int | None
    tracker_id: int | None
    run_id: int
    payload: dict[str, Any]
    photos: tuple[PhotoRow, ...]

    @property
    def time(self) -> dt.datetime:
        """``ts`` as an aware UTC datetime."""
        return dt.datetime.fromtimestamp(self.ts, dt.UTC)


@dataclass(frozen=True, slots=True)
class RunRow:
    """An analysis run."""

    id: int
    camera_id: int
    camera: str
    source_label: str
    status: str
    reason: str | None
    started_at: dt.datetime
    finished_at: dt.datetime | None
    frames: int
    first_ts: float | None
    last_ts: float | None
    backend: str


@dataclass(frozen=True, slots=True)
class HeatmapGrid:
    """Seconds per cell summed over hours; ``grid`` has shape (ceil(height/cell), ceil(width/cell))."""

    width: int
    height: int
    cell: int
    hours: int
    seconds: float
    grid: np.ndarray


def camera_counts(store: Store) -> list[CameraCounts]:
    """Runs, tracks and events per camera (every camera, also those with nothing yet)."""
    with store.session() as s:
        counts = {
            model: dict(s.execute(select(model.camera_id, func.count()).group_by(model.camera_id)).all())
            for model in (AnalysisRun, Track, Event)
        }
        cams = s.execute(select(Camera.id, Camera.config_id, Camera.name).order_by(Camera.id)).all()
    runs_n, tracks_n, events_n = counts[AnalysisRun], counts[Track], counts[Event]
    return [
        CameraCounts(cid, cfg_id, name, runs_n.get(cid, 0), tracks_n.get(cid, 0), events_n.get(cid, 0))
        for cid, cfg_id, name in cams
    ]


def events(
    store: Store,
    camera: int | str | None = None,
    module: str | None = None,
    type: str | None = None,
    since: float | dt.datetime | None = None,
    until: float | dt.datetime | None = None,
    limit: int | None = 1000,
    newest_first: bool = True,
) -> list[EventRow]:
    """Events matching the filters, with their photos.

    Args:
        store: the database.
        camera: row id or config id.
        module: e.g. ``"tracks"``.
        type: e.g. ``"track_start"``.
        since: inclusive lower bound (epoch seconds or datetime).
        until: exclusive upper bound.
        limit: at most this many (None: all).
        newest_first: order by time descending (else ascending).
    """
    q = (
        select(Event, Camera.config_id, Zone.config_id, Track.tracker_id)
        .join(Camera, Event.camera_id == Camera.id)
        .outerjoin(Zone, Event.zone_id == Zone.id)
        .outerjoin(Track, Event.track_id == Track.id)
    )
    q = where_events(q, camera=camera, module=module, type=type, since=since, until=until)
    q = q.order_by(Event.ts.desc(), Event.id.desc()) if newest_first else q.order_by(Event.ts, Event.id)
    if limit is not None:
        q = q.limit(limit)
    with store.session() as s:
        return event_rows(s, s.execute(q).all())


def event_photos(s: Session, ids: Sequence[int]) -> dict[int, list[PhotoRow]]:
    """The photos of these events (by event id, in the order they were stored), read in chunks of 500 ids."""
    photos: dict[int, list[PhotoRow]] = {}
    for i in range(0, len(ids), 500):
        pq = select(EventPhoto).where(EventPhoto.event_id.in_(ids[i : i + 500])).order_by(EventPhoto.id)
        for p in s.scalars(pq):
            photos.setdefault(p.event_id, []).append(
                PhotoRow(p.kind, p.path, p.bytes, p.sha256, p.width, p.height, p.box)
            )
    return photos


def event_rows(s: Session, rows: Sequence[Any]) -> list[EventRow]:
    """Turn ``(Event, camera config id, zone config id, tracker id)`` result rows into :class:`EventRow`.

    Loads the rows' photos in chunks of 500 ids within the same session.
    """
    photos = event_photos(s, [ev.id for ev, *_ in rows])
    return [
        EventRow(
            id=ev.id,
            ts=ev.ts,
            ts_end=ev.ts_end,
            camera_id=ev.camera_id,
            camera=cam,
            zone=zone,
            module=ev.module,
            type=ev.type,
            track_id=ev.track_id,
            tracker_id=tracker,
            run_id=ev.run_id,
            payload=ev.payload or {},
            photos=tuple(photos.get(ev.id, ())),
        )
        for ev, cam, zone, tracker in rows
    ]


def runs(store: Store, camera: int | str | None = None, limit: int | None = 100) -> list[RunRow]:
    """Analysis runs, newest first."""
    q = select(AnalysisRun, Camera.config_id).join(Camera, AnalysisRun.camera_id == Camera.id)
    q = where_camera(q, camera).order_by(AnalysisRun.started_at.desc(), AnalysisRun.id.desc())
    if limit is not None:
        q = q.limit(limit)
    with store.session() as s:
        rows = s.execute(q).all()
    return [
        RunRow(
            id=r.id,
            camera_id=r.camera_id,
            camera=cam,
            source_label=r.source_label,
            status=r.status,
            reason=r.reason,
            started_at=r.started_at,
            finished_at=r.finished_at,
            frames=r.frames,
            first_ts=r.first_ts,
            last_ts=r.last_ts,
            backend=r.backend,
        )
        for r, cam in rows
    ]


def last_run(store: Store, camera: int | str) -> RunRow | None:
    """The newest run of a camera, or None."""
    found = runs(store, camera, limit=1)
    return found[0] if found else None


def heatmap(
    store: Store,
    camera: int | str,
    since: float | dt.datetime | None = None,
    until: float | dt.datetime | None = None,
    roles: tuple[str, ...] | None = None,
) -> HeatmapGrid | None:
    """The camera's heatmap summed over the hours starting in [since, until), optionally per role.

    If the frame size or cell changed within the range, the geometry with the most seconds wins.
    Returns None when nothing was recorded.
    """
    q = where_camera(select(HeatmapHour).join(Camera, HeatmapHour.camera_id == Camera.id), camera)
    if since is not None:
        q = q.where(HeatmapHour.hour_ts >= epoch(since))
    if until is not None:
        q = q.where(HeatmapHour.hour_ts < epoch(until))
    if roles is not None:
        q = q.where(HeatmapHour.role.in_(roles))
    sums: dict[tuple[int, int, int], list[Any]] = {}
    with store.session() as s:
        for h in s.scalars(q):
            shape = (-(-h.height // h.cell), -(-h.width // h.cell))
            acc = sums.setdefault((h.width, h.height, h.cell), [np.zeros(shape, np.float64), 0, 0.0])
            acc[0] += np.frombuffer(h.grid, dtype=np.float32).reshape(shape)
            acc[1] += 1
            acc[2] += h.seconds
    if not sums:
        return None
    (w, h_, cell), (grid, hours, seconds) = max(sums.items(), key=lambda kv: kv[1][2])
    return HeatmapGrid(w, h_, cell, hours, seconds, grid.astype(np.float32))
