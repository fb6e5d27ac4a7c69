"""One writer batch as one transaction (used by :class:`app.store.writer.StoreWriter` only).

Core statements with executemany / RETURNING: fast on SQLite and PostgreSQL alike, and no
dialect-specific upsert — the writer is the only writer, so "does (run, tracker id) exist?"
is answered by its cache or one indexed SELECT per run.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
from sqlalchemy import Connection, Engine, Table, bindparam, insert, select, update

from app.store.photos import SavedPhoto
from app.store.records import BackgroundRecord, EventRecord, HeatmapRecord, PhotoRecord, TrackRecord
from app.store.runs import owner
from app.store.schema import (
    AnalysisRun,
    Background,
    Camera,
    Event,
    EventPhoto,
    HeatmapHour,
    Track,
    Zone,
    utcnow,
)

log = logging.getLogger(__name__)

RUNS = cast(Table, AnalysisRun.__table__)
TRACKS = cast(Table, Track.__table__)
EVENTS = cast(Table, Event.__table__)
PHOTOS = cast(Table, EventPhoto.__table__)
HEAT = cast(Table, HeatmapHour.__table__)
BACKGROUNDS = cast(Table, Background.__table__)

TrackKey = tuple[int, int]  # (run id, tracker id)


@dataclass(slots=True)
class WriteItem:
    """Something queued for the writer.

    Attributes:
        kind: ``"start"``, ``"event"``, ``"track"``, ``"heatmap"``, ``"background"`` or ``"finish"``.
        t: ``time.monotonic()`` when queued.
        run_id: the run (None for ``start``).
        data: EventRecord, TrackRecord, HeatmapRecord, BackgroundRecord, or a tuple for start/finish.
        future: resolved with the run id for ``start``.
        photos: files already written for an event, with their records (for a background: its
            file with None; empty when the file could not be written).
    """

    kind: str
    t: float
    run_id: int | None
    data: Any
    future: Future[Any] | None = None
    photos: list[tuple[SavedPhoto, Any]] | None = None


@dataclass(slots=True)
class BatchResult:
    """What a committed batch did, and cache entries to remember only after the commit."""

    events: int = 0
    tracks: int = 0
    heatmaps: int = 0
    photos: int = 0
    backgrounds: int = 0
    finished: int = 0
    dropped: int = 0
    started: list[tuple[Future[Any], int]] = field(default_factory=list)
    track_ids: dict[TrackKey, int] = field(default_factory=dict)
    run_cameras: dict[int, int] = field(default_factory=dict)


def write_batch(
    engine: Engine,
    items: list[WriteItem],
    track_ids: dict[TrackKey, int],
    run_cameras: dict[int, int],
    zones: dict[int, dict[str, int]],
) -> BatchResult:
    """Write ``items`` in one transaction and commit.

    Args:
        engine: the database.
        items: queued items in order.
        track_ids: cache (run, tracker id) -> track row id; read only here.
        run_cameras: cache run id -> camera id; read only here.
        zones: cache camera id -> {zone config id: zone row id}; refreshed on a miss.

    Returns:
        Counts and the new cache entries.
    """
    res = BatchResult()
    with engine.connect().execution_options(sqlite_immediate=True) as conn, conn.begin():
        for it in items:
            if it.kind == "start":
                cam, label, backend, started_at = it.data
                cam = _camera_row_id(conn, cam)
                pid, host = owner()
                row = {"camera_id": cam, "source_label": label, "backend": backend, "started_at": started_at,
                       "status": "running", "frames": 0, "pid": pid, "host": host,
                       "heartbeat_at": started_at}  # fmt: skip
                run_id = conn.execute(insert(RUNS).returning(RUNS.c.id), row).scalar_one()
                res.started.append((cast(Future, it.future), run_id))
                res.run_cameras[run_id] = cam
        cams = _known_runs(conn, items, run_cameras, res)
        ok = [it for it in items if it.kind != "start" and it.run_id in cams]
        res.dropped = sum(1 for it in items if it.kind != "start") - len(ok)
        keys = _write_tracks(conn, ok, cams, track_ids, res)
        _write_events(conn, ok, cams, keys, zones, res)
        _write_heatmaps(conn, ok, cams, res)
        _write_backgrounds(conn, ok, cams, res)
        for it in ok:
            if it.kind == "finish":
                _finish(conn, cast(int, it.run_id), it.data)
                res.finished += 1
    return res


def _camera_row_id(conn: Connection, camera: int | str) -> int:
    """A camera row id from a row id or a config id (unique among active cameras)."""
    if isinstance(camera, int):
        return camera
    rows = conn.execute(select(Camera.id, Camera.active).where(Camera.config_id == camera)).all()
    active = [r.id for r in rows if r.active] or [r.id for r in rows]
    if len(active) != 1:
        why = "is not in the database (run sync_site first)" if not active else "exists in several sites"
        raise ValueError(f"camera {camera!r} {why}; pass the camera row id from sync_site")
    return int(active[0])


def _known_runs(
    conn: Connection, items: list[WriteItem], cache: dict[int, int], res: BatchResult
) -> dict[int, int]:
    """Run id -> camera id for every run the items mention; unknown runs are logged and left out."""
    wanted = {it.run_id for it in items if it.run_id is not None}
    out = {r: c for r, c in (cache | res.run_cameras).items() if r in wanted}
    missing = wanted - out.keys()
    if missing:
        for run_id, cam in conn.execute(select(RUNS.c.id, RUNS.c.camera_id).where(RUNS.c.id.in_(missing))):
            out[run_id] = cam
            res.run_cameras[run_id] = cam
        for run_id in missing - out.keys():
            log.error("store writer: run %s does not exist; its items are dropped", run_id)
    return out


def _track_row(rec: TrackRecord) -> dict[str, Any]:
    return {
        "class_id": int(rec.class_id),
        "first_ts": float(rec.first_ts),
        "last_ts": float(rec.last_ts),
        "frames": int(rec.frames),
        "role": str(rec.role),
        "role_confidence": float(rec.role_confidence),
        "employee_id": None if rec.employee_id is None else int(rec.employee_id),
        "path": [[float(v) for v in p] for p in rec.path],
    }


def _write_tracks(
    conn: Connection,
    items: list[WriteItem],
    cams: dict[int, int],
    cache: dict[TrackKey, int],
    res: BatchResult,
) -> dict[TrackKey, int]:
    """Insert or update track rows; create stub rows for tracks that events mention first."""
    latest: dict[TrackKey, TrackRecord] = {}
    stub_ts: dict[TrackKey, list[float]] = {}
    for it in items:
        run = cast(int, it.run_id)
        if it.kind == "track":
            latest[(run, int(it.data.track_id))] = it.data  # the newest summary wins
        elif it.kind == "event" and it.data.track_id is not None:
            stub_ts.setdefault((run, int(it.data.track_id)), []).append(float(it.data.ts))
    needed = latest.keys() | stub_ts.keys()
    ids = {k: cache[k] for k in needed if k in cache}
    by_run: dict[int, list[int]] = defaultdict(list)
    for run, tid in needed - ids.keys():
        by_run[run].append(tid)
    for run, tids in by_run.items():
        q = select(TRACKS.c.tracker_id, TRACKS.c.id)
        q = q.where(TRACKS.c.run_id == run, TRACKS.c.tracker_id.in_(tids))
        ids.update({(run, tid): row_id for tid, row_id in conn.execute(q)})
    new_rows = []
    for key in needed - ids.keys():
        run, tid = key
        if key in latest:
            row = _track_row(latest[key])
        else:
            ts = stub_ts[key]
            row = {"class_id": None, "first_ts": min(ts), "last_ts": max(ts), "frames": 0, "role": "unknown",
                   "role_confidence": 0.0, "employee_id": None, "path": []}  # fmt: skip
        new_rows.append({"run_id": run, "camera_id": cams[run], "tracker_id": tid, **row})
    if new_rows:
        stmt = insert(TRACKS).returning(TRACKS.c.id, TRACKS.c.run_id, TRACKS.c.tracker_id)
        for row_id, run, tid in conn.execute(stmt, new_rows):
            ids[(run, tid)] = row_id
    inserted = {(r["run_id"], r["tracker_id"]) for r in new_rows}
    updates = [{"_id": ids[k], **_track_row(rec)} for k, rec in latest.items() if k not in inserted]
    if updates:
        conn.execute(update(TRACKS).where(TRACKS.c.id == bindparam("_id")), updates)
    res.tracks += sum(1 for it in items if it.kind == "track")
    res.track_ids.update({k: v for k, v in ids.items() if k not in cache})
    return ids


def _zone_id(
    conn: Connection, zones: dict[int, dict[str, int]], cam: int, zone: str, fresh: set[int]
) -> int | None:
    if zone not in zones.get(cam, {}) and cam not in fresh:
        rows = conn.execute(select(Zone.config_id, Zone.id).where(Zone.camera_id == cam))
        zones[cam] = {cfg_id: row_id for cfg_id, row_id in rows}
        fresh.add(cam)
    return zones.get(cam, {}).get(zone)


def _write_events(
    conn: Connection,
    items: list[WriteItem],
    cams: dict[int, int],
    track_ids: dict[TrackKey, int],
    zones: dict[int, dict[str, int]],
    res: BatchResult,
) -> None:
    plain: list[dict[str, Any]] = []
    with_photos: list[tuple[dict[str, Any], list[tuple[SavedPhoto, PhotoRecord]]]] = []
    fresh: set[int] = set()
    for it in items:
        if it.kind != "event":
            continue
        ev: EventRecord = it.data
        run = cast(int, it.run_id)
        cam = cams[run]
        payload = dict(ev.payload)
        zone_id = None
        if ev.zone_id is not None:
            zone_id = _zone_id(conn, zones, cam, ev.zone_id, fresh)
            if zone_id is None:  # not synced: keep the name in the payload rather than lose it
                payload.setdefault("zone", ev.zone_id)
        row = {
            "ts": float(ev.ts),
            "ts_end": None if ev.ts_end is None else float(ev.ts_end),
            "camera_id": cam,
            "zone_id": zone_id,
            "module": ev.module,
            "type": ev.type,
            "track_id": None if ev.track_id is None else track_ids[(run, int(ev.track_id))],
            "run_id": run,
            "payload": payload,
        }
        if it.photos:
            with_photos.append((row, it.photos))
        else:
            plain.append(row)
    if plain:
        conn.execute(insert(EVENTS), plain)
    if with_photos:
        stmt = insert(EVENTS).returning(EVENTS.c.id, sort_by_parameter_order=True)
        event_ids = conn.execute(stmt, [r for r, _ in with_photos]).scalars().all()
        photo_rows = [
            {
                "event_id": eid,
                "kind": rec.kind,
                "path": saved.path,
                "bytes": saved.bytes,
                "sha256": saved.sha256,
                "width": saved.width,
                "height": saved.height,
                "box": None if rec.box is None else [float(v) for v in rec.box],
            }
            for eid, (_, photos) in zip(event_ids, with_photos, strict=True)
            for saved, rec in photos
        ]
        conn.execute(insert(PHOTOS), photo_rows)
        res.photos += len(photo_rows)
    res.events += len(plain) + len(with_photos)


def _finish(conn: Connection, run_id: int, data: tuple[Any, ...]) -> None:
    status, reason, frames, first_ts, last_ts, finished_at = data
    values: dict[str, Any] = {"status": status, "reason": reason, "finished_at": finished_at}
    for key, val in (("frames", frames), ("first_ts", first_ts), ("last_ts", last_ts)):
        if val is not None:
            values[key] = val
    conn.execute(update(RUNS).where(RUNS.c.id == run_id).values(**values))


def _write_heatmaps(conn: Connection, items: list[WriteItem], cams: dict[int, int], res: BatchResult) -> None:
    """Add heatmap hours to the stored grids (read-modify-write: the writer is the only writer)."""
    acc: dict[tuple[int, float, str, int, int, int], np.ndarray] = {}
    for it in items:
        if it.kind != "heatmap":
            continue
        h: HeatmapRecord = it.data
        key = (cams[cast(int, it.run_id)], float(h.hour_ts), h.role, int(h.width), int(h.height), int(h.cell))
        grid = np.frombuffer(h.grid, dtype=np.float32).astype(np.float64)
        acc[key] = acc[key] + grid if key in acc else grid
        res.heatmaps += 1
    names = ("camera_id", "hour_ts", "role", "width", "height", "cell")
    for key, grid in acc.items():
        ident = dict(zip(names, key, strict=True))
        q = select(HEAT.c.id, HEAT.c.grid).where(*(HEAT.c[k] == v for k, v in ident.items()))
        old = conn.execute(q).first()
        if old is not None:
            grid = grid + np.frombuffer(old.grid, dtype=np.float32)
        values = {"grid": grid.astype(np.float32).tobytes(), "seconds": float(grid.sum())}
        if old is None:
            conn.execute(insert(HEAT).values(**ident, **values))
        else:
            conn.execute(update(HEAT).where(HEAT.c.id == old.id).values(**values))


def _write_backgrounds(
    conn: Connection, items: list[WriteItem], cams: dict[int, int], res: BatchResult
) -> None:
    """Insert a row for every background whose file was written (see ``StoreWriter._prepare_photos``)."""
    rows = []
    for it in items:
        if it.kind != "background":
            continue
        if not it.photos:
            res.dropped += 1
            continue
        bg: BackgroundRecord = it.data
        saved: SavedPhoto = it.photos[0][0]
        rows.append(
            {
                "camera_id": cams[cast(int, it.run_id)],
                "run_id": it.run_id,
                "ts": float(bg.ts),
                "first_ts": None if bg.first_ts is None else float(bg.first_ts),
                "samples": int(bg.samples),
                "width": int(bg.width),
                "height": int(bg.height),
                "path": saved.path,
                "bytes": saved.bytes,
                "sha256": saved.sha256,
                "created_at": utcnow(),
            }
        )
    if rows:
        conn.execute(insert(BACKGROUNDS), rows)
        res.backgrounds += len(rows)
