"""Events for the event browser: filtered search with photos, a person's photo, the full picture (no Qt).

Run these off the GUI thread.

Example:
    >>> from app.store.db import open_store
    >>> find_events(open_store("sqlite://"), module="footfall")
    []
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from sqlalchemy import func, select

from app.store import stats
from app.store.db import Store
from app.store.queries import EventRow, PhotoRow, event_rows, runs
from app.store.query import EventFilter
from app.store.schema import Camera, Event, EventPhoto, Track, Zone

Moment = float | None


def event_kinds(store: Store) -> list[tuple[str, str, int]]:
    """(module, type, count) of every kind of stored event, most frequent first."""
    q = select(Event.module, Event.type, func.count()).group_by(Event.module, Event.type)
    with store.session() as s:
        rows = s.execute(q).all()
    return sorted(((m, t, int(n)) for m, t, n in rows), key=lambda r: (-r[2], r[0], r[1]))


def find_events(
    store: Store,
    where: EventFilter | None = None,
    *,
    camera: str | None = None,
    module: str | None = None,
    type: str | None = None,
    zone: str | None = None,
    since: Moment = None,
    until: Moment = None,
    limit: int = 1000,
    exclude: tuple[tuple[str, str], ...] = (),
    before: tuple[float, int] | None = None,
) -> list[EventRow]:
    """Events matching every given filter, newest first, with their photos.

    Args:
        store: the database.
        where: period, cameras and zones as the query API's filter (:class:`app.store.query.EventFilter`,
            role ``all``: the browser lists everyone's events); or give them one by one:
        camera: camera config id.
        module: e.g. ``footfall``.
        type: e.g. ``in``.
        zone: zone or line config id.
        since: inclusive lower bound of ``ts``.
        until: exclusive upper bound of ``ts``.
        limit: at most this many.
        exclude: (module, type) kinds left out (the queue's periodic snapshots, by default in the GUI).
        before: only events older than this (ts, id) — the next page after the last one shown.

    Raises:
        ValueError: both ``where`` and one of camera/zone/since/until, or a filter with a role
            other than ``all``.
    """
    if where is None:
        where = EventFilter(since, until, camera, (zone,) if zone is not None else None)
    elif any(v is not None for v in (camera, zone, since, until)):
        raise ValueError("find_events: give a filter or camera/zone/since/until, not both")
    if where.role != "all":
        raise ValueError("find_events lists every role's events (the filter's role must be 'all')")
    q = (
        select(Event, Camera.config_id, Zone.config_id, Track.tracker_id)
        .join(Camera, Event.camera_id == Camera.id)
        .outerjoin(Zone, Event.zone_id == Zone.id)
        .outerjoin(Track, Event.track_id == Track.id)
    )
    q = where.restrict(q)
    if module is not None:
        q = q.where(Event.module == module)
    if type is not None:
        q = q.where(Event.type == type)
    for m, t in exclude:
        q = q.where(~((Event.module == m) & (Event.type == t)))
    if before is not None:
        ts, eid = before
        q = q.where((Event.ts < ts) | ((Event.ts == ts) & (Event.id < eid)))
    q = q.order_by(Event.ts.desc(), Event.id.desc()).limit(limit)
    with store.session() as s:
        return event_rows(s, s.execute(q).all())


def track_roles(store: Store, track_ids: list[int]) -> dict[int, str]:
    """The final role of each track (``customer`` / ``staff`` / ``unknown``), by track row id."""
    out: dict[int, str] = {}
    ids = sorted(set(track_ids))
    with store.session() as s:
        for i in range(0, len(ids), 500):
            for tid, role in s.execute(select(Track.id, Track.role).where(Track.id.in_(ids[i : i + 500]))):
                out[tid] = role
    return out


def track_photos(store: Store, track_ids: list[int]) -> dict[int, PhotoRow]:
    """The photo taken when each track started (``tracks`` / ``track_start``), by track row id.

    Events about a person that carry no photo of their own (zone stays, visits, track ends) show
    this one in the event browser.
    """
    out: dict[int, PhotoRow] = {}
    ids = sorted(set(track_ids))
    with store.session() as s:
        for i in range(0, len(ids), 500):
            q = (
                select(Event.track_id, EventPhoto)
                .join(EventPhoto, EventPhoto.event_id == Event.id)
                .where(
                    Event.track_id.in_(ids[i : i + 500]),
                    Event.module == "tracks",
                    Event.type == "track_start",
                )
                .order_by(EventPhoto.id)
            )
            for tid, p in s.execute(q):
                out.setdefault(tid, PhotoRow(p.kind, p.path, p.bytes, p.sha256, p.width, p.height, p.box))
    return out


def track_box(store: Store, track_id: int, ts: float) -> tuple[float, float, float, float] | None:
    """The person's box at ``ts`` (None when unknown).

    Their stored position then (bottom centre, interpolated along the track's path) with the size
    of the box photographed when the track started.
    """
    with store.session() as s:
        path = s.scalar(select(Track.path).where(Track.id == track_id))
    photo = track_photos(store, [track_id]).get(track_id)
    if not path or photo is None or not photo.box:
        return None
    pts = np.asarray(path, dtype=float)
    if pts.ndim != 2 or pts.shape[1] < 3:
        return None
    x = float(np.interp(ts, pts[:, 0], pts[:, 1]))
    y = float(np.interp(ts, pts[:, 0], pts[:, 2]))
    x1, y1, x2, y2 = (float(v) for v in photo.box[:4])
    w, h = x2 - x1, y2 - y1
    return (x - w / 2, y - h, x + w / 2, y)


@dataclass(frozen=True, slots=True)
class EventFrame:
    """The full picture of an event with its box drawn, and where the picture came from."""

    image: np.ndarray | None
    note: str


def _read_video_frame(
    path: Path,
    offset: float,
    *,
    crop: np.ndarray | None = None,
    box: list[float] | None = None,
    search: float = 0.6,
) -> np.ndarray | None:
    """The frame ``offset`` seconds into the video; with a crop and its box, the nearby frame it came from.

    An event's time and the frame its photo was cut from may differ by a few frames (a crossing
    is confirmed a frame or two after it happens), so the frames within ``search`` seconds are
    compared with the crop at its box and the best match wins.
    """
    cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    try:
        if not cap.isOpened():
            return None
        fps = cap.get(cv2.CAP_PROP_FPS) or 25.0
        count = cap.get(cv2.CAP_PROP_FRAME_COUNT)
        period = (count + 1) / fps if count > 0 else 0.0
        if period and offset > period:  # a file played in a loop (the GUI's live view)
            offset %= period
        if crop is None or box is None:
            cap.set(cv2.CAP_PROP_POS_FRAMES, max(round(offset * fps), 0))
            ok, img = cap.read()
            return img if ok else None
        first = max(round((offset - search) * fps), 0)
        cap.set(cv2.CAP_PROP_POS_FRAMES, first)
        x1, y1, x2, y2 = (round(v) for v in box)
        best: tuple[float, np.ndarray] | None = None
        for _ in range(round(2 * search * fps) + 1):
            ok, img = cap.read()
            if not ok:
                break
            piece = img[max(y1, 0) : y2, max(x1, 0) : x2]
            if piece.size == 0:
                continue
            ref = cv2.resize(crop, (piece.shape[1], piece.shape[0]), interpolation=cv2.INTER_AREA)
            diff = float(np.mean(cv2.absdiff(piece, ref)))
            if best is None or diff < best[0]:
                best = (diff, img)
        return best[1] if best is not None else None
    finally:
        cap.release()


def event_frame(store: Store, event: EventRow, data_dir: Path) -> EventFrame:
    """The whole camera picture at an event, with the event's box (call it on a worker thread).

    In order of preference: a full frame stored with the event; the frame read from the video
    file the run analysed (files only: the run's first frame time gives the offset); the camera's
    background with the crop put back where it was cut. Returns ``image=None`` when none exists.
    """
    image, box, note = scene_picture(store, event, data_dir)
    if image is None:
        return EventFrame(None, note)
    if box is not None:
        x1, y1, x2, y2 = (round(v) for v in box)
        cv2.rectangle(image, (x1, y1), (x2, y2), (0, 0, 0), 5, cv2.LINE_AA)
        cv2.rectangle(image, (x1, y1), (x2, y2), (32, 176, 255), 2, cv2.LINE_AA)
    return EventFrame(image, note)


def scene_picture(
    store: Store, event: EventRow, data_dir: Path
) -> tuple[np.ndarray | None, list[float] | None, str]:
    """The whole camera picture at an event as it was (nothing drawn), the event's box, and a note.

    As :func:`event_frame` finds it (also for the dataset builder: frames to label). The note says
    where the picture came from, or why there is none.
    """
    photo = next((p for p in event.photos if p.kind == "frame"), None)
    crop = next((p for p in event.photos if p.kind == "crop"), None)
    box = crop.box if crop is not None else None
    image: np.ndarray | None = None
    note = ""
    where_note = ""
    if box is None and event.track_id is not None:  # an event without its own photo (a stay, an end…)
        box = track_box(store, event.track_id, event.ts)
        if box is not None:
            where_note = " · box: where the person stood then, sized as when first seen"
    if photo is not None:
        image = cv2.imread(str(data_dir / photo.path))
        note = "stored frame"
    if image is None:
        run = next((r for r in runs(store, event.camera, limit=None) if r.id == event.run_id), None)
        src = Path(run.source_label) if run is not None else None
        if run is not None and run.first_ts is not None and src is not None and src.is_file():
            piece = cv2.imread(str(data_dir / crop.path)) if crop is not None else None
            image = _read_video_frame(src, event.ts - run.first_ts, crop=piece, box=box)
            if image is not None:
                note = f"frame from the video file {src.name}"
    if image is None and crop is not None and box is not None:
        bg = stats.background_for(store, event.camera, event.ts + 1)
        if bg is not None:
            image = cv2.imread(str(data_dir / bg.path))
            piece = cv2.imread(str(data_dir / crop.path))
            if image is not None:
                if (image.shape[1], image.shape[0]) != (bg.width, bg.height):
                    image = cv2.resize(image, (bg.width, bg.height))
                if piece is not None:
                    x1, y1, x2, y2 = (round(v) for v in box)
                    x1, y1 = max(x1, 0), max(y1, 0)
                    x2, y2 = min(x2, image.shape[1]), min(y2, image.shape[0])
                    if x2 > x1 and y2 > y1:
                        image[y1:y2, x1:x2] = cv2.resize(piece, (x2 - x1, y2 - y1))
                note = "camera background with the person's photo put back (no full frame is stored for live cameras)"
    if image is None:
        return None, box, "no picture of the whole scene is stored for this event"
    return image, box, note + where_note
