"""Enrolling an employee from a tracked person (``storesight faces enrol --track``, the Staff page).

A manager sees a person in a run who is in fact a member of staff, not yet enrolled: instead of
asking for photos, the face is taken from the track itself. Where the pictures come from, best first:

1. **the video file the run analysed** (a file run whose file is still there): frames along the
   track, at the person's stored position (``tracks.path``: bottom centre over time) with the size of
   the box photographed on the track; the original frames, never blurred;
2. **the crops stored with the track's events** (``tracks``/``roles``/``footfall`` photos). With the
   faces module on, unknown people's heads are blurred in those (the privacy default), so they rarely
   hold a usable face — the message then says so and names the alternatives.

From every picture the largest face is found; faces smaller than ``min_face_px``, turned away, or
blurred are dropped; the ``shots`` best by quality (size × frontality × sharpness, as the face stage
scores them) are kept — and they must agree with each other (all within the backend's threshold of
their medoid), else the track may have switched people and nothing is enrolled. Consent is checked
by :func:`app.faces.gallery.enrol` as for photos. The track is then linked to the employee (its
``employee_id``, so the timesheet and the role follow).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from sqlalchemy import select

from analytics.faces import distances, face_quality, frontal_score, sharpness
from app.errors import UserError
from app.faces.gallery import EnrolResult, audit, enrol
from app.store.db import Store
from app.store.schema import AnalysisRun, Event, EventPhoto, Track

log = logging.getLogger(__name__)

EXIT_BAD_ARGS = 2
#: Event modules whose crops show the track's person alone.
CROP_MODULES = ("tracks", "roles", "footfall")
#: A whole-body box is taller than this × its width: its head is in the top part.
TALL = 1.8
#: Share of a whole-body box searched for the head.
HEAD_SHARE = 0.35
#: Pictures are shrunk to this longest side before detection (a close view's face stays > 100 px).
MAX_SIDE = 320


@dataclass(slots=True)
class TrackFaces:
    """The face pictures found on a track.

    Attributes:
        pictures: (name, BGR picture around the face) of the chosen shots, best first.
        looked: pictures looked at.
        with_face: pictures where a usable face was found.
        source: ``video file NAME`` or ``stored crops``.
        notes: why pictures were dropped (for the message).
    """

    pictures: list[tuple[str, np.ndarray]] = field(default_factory=list)
    looked: int = 0
    with_face: int = 0
    source: str = ""
    notes: list[str] = field(default_factory=list)


def _track_info(store: Store, track_id: int) -> tuple[Track, AnalysisRun, list[tuple[float, list[float], str]]]:
    with store.session() as s:
        t = s.get(Track, track_id)
        if t is None:
            raise UserError(f"no track with row id {track_id}", EXIT_BAD_ARGS)
        run = s.get(AnalysisRun, t.run_id)
        photos = s.execute(
            select(Event.ts, EventPhoto.box, EventPhoto.path)
            .join(Event, EventPhoto.event_id == Event.id)
            .where(Event.track_id == track_id, Event.module.in_(CROP_MODULES), EventPhoto.kind == "crop")
            .order_by(Event.ts)
        ).all()
        s.expunge(t)
        s.expunge(run)
    return t, run, [(float(ts), list(box) if box else [], path) for ts, box, path in photos]


def _head_region(box: np.ndarray, w: int, h: int) -> tuple[int, int, int, int]:
    """The part of a person box where the head is (a close view: all of it), a little enlarged."""
    x1, y1, x2, y2 = (float(v) for v in box)
    bw, bh = x2 - x1, y2 - y1
    share = HEAD_SHARE if bh > TALL * bw else 1.0
    return (max(0, int(x1 - 0.1 * bw)), max(0, int(y1 - 0.05 * bh)),
            min(w, int(x2 + 0.1 * bw) + 1), min(h, int(y1 + share * bh) + 1))  # fmt: skip


def _fit(img: np.ndarray) -> np.ndarray:
    """A copy no longer than :data:`MAX_SIDE` (detection cost grows with the area)."""
    s = MAX_SIDE / max(img.shape[:2])
    if s >= 1:
        return img.copy()
    return cv2.resize(img, (max(1, round(img.shape[1] * s)), max(1, round(img.shape[0] * s))),
                      interpolation=cv2.INTER_AREA)  # fmt: skip


def _video_pictures(
    run: AnalysisRun, track: Track, photos: list[tuple[float, list[float], str]], samples: int
) -> tuple[list[tuple[str, np.ndarray]], str]:
    """Head regions cut from the run's video file along the track; empty with a reason when impossible."""
    src = Path(run.source_label or "")
    if run.first_ts is None or not src.is_file():
        return [], "the run's source is not a video file that is still there"
    sized = [(ts, box) for ts, box, _p in photos if len(box) >= 4]
    pts = np.asarray(track.path or [], dtype=float)
    if not sized or pts.ndim != 2 or pts.shape[1] < 3 or len(pts) == 0:
        return [], "the track has no stored position or box size"
    cap = cv2.VideoCapture(str(src), cv2.CAP_FFMPEG)
    out: list[tuple[str, np.ndarray]] = []
    try:
        if not cap.isOpened():
            return [], f"the video file {src.name} cannot be opened"
        fps = cap.get(cv2.CAP_PROP_FPS) or 25.0
        times = np.linspace(track.first_ts, track.last_ts, num=max(1, samples))
        for ts in times:
            cap.set(cv2.CAP_PROP_POS_FRAMES, max(round((ts - run.first_ts) * fps), 0))
            ok, img = cap.read()
            if not ok:
                continue
            cx = float(np.interp(ts, pts[:, 0], pts[:, 1]))
            by = float(np.interp(ts, pts[:, 0], pts[:, 2]))
            _t, ref = min(sized, key=lambda p: abs(p[0] - ts))
            bw, bh = ref[2] - ref[0], ref[3] - ref[1]
            box = np.array([cx - bw / 2, by - bh, cx + bw / 2, by], np.float32)
            x1, y1, x2, y2 = _head_region(box, img.shape[1], img.shape[0])
            if x2 - x1 > 8 and y2 - y1 > 8:
                out.append((f"{src.name}@{ts - run.first_ts:.1f}s", _fit(img[y1:y2, x1:x2])))
    finally:
        cap.release()
    return out, ""


def _crop_pictures(data_dir: Path, photos: list[tuple[float, list[float], str]]) -> list[tuple[str, np.ndarray]]:
    out = []
    for _ts, box, rel in photos:
        img = cv2.imread(str(data_dir / rel))
        if img is None:
            continue
        h, w = img.shape[:2]
        # the crop is the person box itself: its head part in its own coordinates
        x1, y1, x2, y2 = _head_region(np.array([0, 0, w, h], np.float32), w, h) if box else (0, 0, w, h)
        out.append((Path(rel).name, _fit(img[y1:y2, x1:x2])))
    return out


def track_face_pictures(
    store: Store,
    data_dir: str | Path,
    backend: Any,
    track_id: int,
    *,
    shots: int = 5,
    samples: int = 16,
    min_face_px: int = 40,
    min_frontal: float = 0.5,
) -> TrackFaces:
    """The best face pictures of a track (see the module doc for where they come from).

    Args:
        store: the database.
        data_dir: the data folder (the stored crops).
        backend: a :class:`models.faces.base.FaceBackend`.
        track_id: the track's row id.
        shots: how many pictures to keep at most.
        samples: frames read from the video along the track.
        min_face_px: smallest face width used.
        min_frontal: smallest frontality (0 profile .. 1 frontal).

    Raises:
        UserError: no such track.
    """
    track, run, photos = _track_info(store, track_id)
    res = TrackFaces()
    pictures, why = _video_pictures(run, track, photos, samples)
    res.source = f"video file {Path(run.source_label).name}" if pictures else "stored crops"
    if not pictures:
        if why:
            res.notes.append(why)
        pictures = _crop_pictures(Path(data_dir), photos)
        if not photos:
            res.notes.append("the track has no stored crops")
    scored: list[tuple[float, str, np.ndarray, np.ndarray]] = []
    small = turned = blurred = none = 0
    for name, img in pictures:
        res.looked += 1
        faces = backend.detect(img)
        if not faces:
            none += 1
            continue
        f = faces[0]
        if f.width < min_face_px:
            small += 1
            continue
        frontal = frontal_score(f.landmarks)
        if frontal < min_frontal:
            turned += 1
            continue
        x1, y1, x2, y2 = (int(v) for v in f.box)
        gray = cv2.cvtColor(img[max(y1, 0) : y2, max(x1, 0) : x2], cv2.COLOR_BGR2GRAY)
        sharp = sharpness(gray)
        if sharp < 5.0:  # a pixelated / blurred head (the faces module's privacy blur)
            blurred += 1
            continue
        q = face_quality(f.width, frontal, sharp, min_px=min_face_px)
        emb = backend.embed(img, [f])[0]
        scored.append((q, name, img, emb))
    res.with_face = len(scored)
    for n, text in ((none, "no face found"), (small, f"face under {min_face_px} px"),
                    (turned, "face turned away"), (blurred, "face blurred")):  # fmt: skip
        if n:
            res.notes.append(f"{n} picture(s): {text}")
    if not scored:
        return res
    scored.sort(key=lambda s: -s[0])
    best = scored[: max(1, shots)]
    vecs = np.stack([s[3] for s in best])
    if len(best) > 1:
        d = distances(vecs, vecs, backend.metric)
        medoid = int(np.argmin(d.sum(axis=1)))
        agree = d[medoid] <= backend.threshold
        if agree.sum() < max(2, (len(best) + 1) // 2):
            res.notes.append("the track's faces do not agree with each other (the track may have switched people)")
            return res
        best = [b for b, a in zip(best, agree, strict=True) if a]
    res.pictures = [(name, img) for _q, name, img, _e in best]
    return res


def enrol_from_track(
    store: Store,
    data_dir: str | Path,
    backend: Any,
    employee_id: int,
    track_id: int,
    *,
    link: bool = True,
    keep_crops: bool = True,
    shots: int = 5,
    samples: int = 16,
) -> tuple[EnrolResult, TrackFaces]:
    """Enrol an employee (who has consented) from a track's best face pictures, and link the track.

    Raises:
        UserError: no such track or employee, no consent, or no usable face on the track (the
            message says why and what else to do).
    """
    found = track_face_pictures(store, data_dir, backend, track_id, shots=shots, samples=samples)
    if not found.pictures:
        why = "; ".join(found.notes) or "no usable face"
        raise UserError(
            f"no usable face on track #{track_id} ({found.looked} picture(s) from the {found.source}: {why}). "
            "Enrol from photos instead, or analyse a video file of the person with the faces module's "
            "blur set to none", EXIT_BAD_ARGS)  # fmt: skip
    named = [(f"track{track_id}-{name}", img) for name, img in found.pictures]
    res = enrol(store, data_dir, backend, employee_id, named, keep_crops=keep_crops, source="track")
    if link:
        with store.session(write=True) as s:
            t = s.get(Track, track_id)
            if t is not None:
                t.employee_id = employee_id
        audit(store, "link", f"employee:{employee_id}", f"track #{track_id} (enrolled from it)")
    return res, found
