"""Pictures to label, taken from the site's own stored events (frames or crops), pre-labelled.

A frame is the event's whole camera picture as it was (a stored frame, else the frame read from the
video file the run analysed — see :func:`app.gui.event_data.scene_picture`); a crop is the event's
stored photo of the person or object. Each picture is pre-labelled with a detector's boxes (the
built-in one by default) so the labeller corrects boxes instead of drawing them all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2

from app.modelhub.labels import Labelled
from app.store.db import Store
from models.base import DetectorBackend


@dataclass(frozen=True, slots=True)
class Harvest:
    """What :func:`pictures_from_events` found.

    Attributes:
        items: the pictures written, with their pre-labels.
        events: events looked at.
        skipped: events without a usable picture (or a duplicate frame).
    """

    items: list[Labelled]
    events: int
    skipped: int


def pictures_from_events(
    store: Store,
    data_dir: Path,
    out: Path,
    *,
    kind: str = "frames",
    camera: str | None = None,
    module: str | None = None,
    type: str | None = None,
    since: float | None = None,
    until: float | None = None,
    limit: int = 200,
    detector: DetectorBackend | None = None,
    classes: Sequence[str] = ("person",),
    on_picture: Callable[[int], None] | None = None,
) -> Harvest:
    """Write up to ``limit`` pictures of matching events into ``out`` (JPEG) and pre-label them.

    Args:
        store: the site's database.
        data_dir: its data folder (photos, backgrounds).
        out: folder for the pictures.
        kind: ``frames`` (whole camera pictures) or ``crops`` (the events' photos).
        camera: only this camera's events (config id).
        module: only this module's events.
        type: only events of this type.
        since: events at or after (epoch seconds).
        until: events before (epoch seconds).
        limit: at most this many pictures.
        detector: pre-labels every picture with its boxes of ``classes`` (None: a frame gets the
            event's own box, labelled ``classes[0]``; a crop none).
        classes: class names kept from the detector.
        on_picture: called with the count written so far.

    Raises:
        ValueError: ``kind`` is not ``frames`` or ``crops``.
    """
    from app.gui.event_data import find_events, scene_picture

    if kind not in ("frames", "crops"):
        raise ValueError(f"kind {kind!r}: use frames or crops")
    out.mkdir(parents=True, exist_ok=True)
    events = find_events(store, camera=camera, module=module, type=type, since=since, until=until, limit=limit * 20)
    items: list[Labelled] = []
    seen: set[tuple[str, float]] = set()
    skipped = 0
    for ev in events:
        if len(items) >= limit:
            break
        box = None
        if kind == "frames":
            key = (ev.camera, round(ev.ts, 1))  # several events of one frame: one picture
            if key in seen:
                skipped += 1
                continue
            seen.add(key)
            image, box, _ = scene_picture(store, ev, data_dir)
        else:
            crop = next((p for p in ev.photos if p.kind == "crop"), None)
            image = cv2.imread(str(data_dir / crop.path)) if crop is not None else None
        if image is None:
            skipped += 1
            continue
        name = f"{ev.camera}-{ev.module}-{ev.id}.jpg"
        path = out / name
        cv2.imwrite(str(path), image, [cv2.IMWRITE_JPEG_QUALITY, 95])
        h, w = image.shape[:2]
        boxes: list[tuple[str, float, float, float, float]] = []
        if detector is not None:
            d = detector.predict(image)
            names = d.data.get("class_name") if len(d) else None
            for i in range(len(d)):
                label = str(names[i]) if names is not None else str(int(d.class_id[i]))
                if label in classes:
                    x1, y1, x2, y2 = (float(v) for v in d.xyxy[i])
                    boxes.append((label, x1, y1, x2, y2))
        elif box is not None and classes:
            boxes.append((classes[0], *(float(v) for v in box)))  # type: ignore[arg-type]
        items.append(Labelled(path, w, h, boxes))
        if on_picture is not None:
            on_picture(len(items))
    return Harvest(items, len(events), skipped)
