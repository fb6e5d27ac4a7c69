"""Helpers of the face tests: the real pictures (tests/data/faces) and a person frame built from one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np

FACES = Path(__file__).resolve().parent / "data" / "faces"


def picture(name: str) -> np.ndarray:
    """A test picture (BGR)."""
    img = cv2.imread(str(FACES / f"{name}.jpg"))
    assert img is not None, name
    return img


def person_frame(name: str, width: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """A tall frame with a portrait at the top (head and shoulders) over a grey "body", and its person box."""
    img = picture(name)
    h = round(img.shape[0] * width / img.shape[1])
    top = cv2.resize(img, (width, h), interpolation=cv2.INTER_AREA)
    frame = np.full((max(3 * h, 900), width + 200, 3), 90, np.uint8)
    frame[:h, 100 : 100 + width] = top
    return frame, np.array([100.0, 0.0, 100.0 + width, frame.shape[0] - 1.0], np.float32)


def random_deepface_weights(folder: Path, seed: int = 0) -> None:
    """Random-weight ONNX graphs under deepface's weight names (ArcFace, Age, Gender), for plumbing and speed only.

    Same inputs and outputs as deepface's own ONNX files (NHWC float images; 512-D embedding, 101 age
    probabilities, 2 gender probabilities), so deepface's real code runs end to end here, where its
    weights cannot be downloaded. What they compute is meaningless.
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)

    def graph(side: int, out: int, softmax: bool) -> onnx.ModelProto:
        conv = (rng.standard_normal((8, 3, 8, 8)) * 0.05).astype(np.float32)
        cells = 8 * (side // 8) ** 2
        w = (rng.standard_normal((cells, out)) * 0.01).astype(np.float32)
        nodes = [
            helper.make_node("Transpose", ["x"], ["nchw"], perm=[0, 3, 1, 2]),
            helper.make_node("Conv", ["nchw", "k"], ["c"], strides=[8, 8]),
            helper.make_node("Flatten", ["c"], ["f"]),
            helper.make_node("MatMul", ["f", "w"], ["z" if softmax else "y"]),
        ]
        if softmax:
            nodes.append(helper.make_node("Softmax", ["z"], ["y"], axis=1))
        g = helper.make_graph(
            nodes, "random", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", side, side, 3])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", out])],
            [numpy_helper.from_array(conv, "k"), numpy_helper.from_array(w, "w")],
        )  # fmt: skip
        return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)

    onnx.save(graph(112, 512, False), folder / "arcface_weights.onnx")
    onnx.save(graph(224, 101, True), folder / "age_model_weights.onnx")
    onnx.save(graph(224, 2, True), folder / "gender_model_weights.onnx")


def portrait_video(
    path: Path, names: tuple[str, ...] = ("obama2", "biden"), seconds: float = 4.0, fps: int = 10
) -> Path:
    """A short MJPG video of portraits (a door camera's close view): each person for ``seconds``, a gap between.

    Each portrait moves a few pixels per frame (the tracker sees a person, not a still picture).
    """
    import cv2

    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (640, 480))
    for name in names:
        img = picture(name)
        s = 440 / img.shape[0]
        p = cv2.resize(img, (round(img.shape[1] * s), 440), interpolation=cv2.INTER_AREA)
        for k in range(int(seconds * fps)):
            f = np.full((480, 640, 3), 120, np.uint8)
            x = (640 - p.shape[1]) // 2 + (k % 6) - 3
            f[20:460, x : x + p.shape[1]] = p
            out.write(f)
        for _ in range(int(fps)):  # an empty second: the track ends
            out.write(np.full((480, 640, 3), 120, np.uint8))
    out.release()
    return path


T0 = 1_750_000_000.0
FPS = 10


def door_track_store(tmp_path: Path, *, blurred_crop: bool) -> tuple[Any, Path, int, Path]:
    """A store with one run over a door clip (Obama, then Biden) and Obama's track with one crop.

    Returns the store, the data folder, the track's row id and the video file.
    """
    from app.config import SiteConfig
    from app.engine.faces_stage import blur_region
    from app.store.db import open_store
    from app.store.schema import AnalysisRun, Event, EventPhoto, RunStatus, Track
    from app.store.sync import sync_site

    video = portrait_video(tmp_path / "door.avi", names=("obama2", "biden"), seconds=3.0, fps=FPS)
    store = open_store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    site = SiteConfig.model_validate({"site": {"name": "Door"}, "cameras": [{"id": "door", "source": str(video)}]})
    cam = sync_site(store, site)["door"]
    cap = cv2.VideoCapture(str(video))
    cap.set(cv2.CAP_PROP_POS_FRAMES, 5)
    _ok, frame = cap.read()
    cap.release()
    cols = np.flatnonzero((np.abs(frame.astype(int) - 120).sum(axis=2) > 0).any(axis=0))
    box = [float(cols[0]), 20.0, float(cols[-1] + 1), 460.0]
    crop = frame[20:460, int(box[0]) : int(box[2])].copy()
    if blurred_crop:
        blur_region(crop, np.array([0, 0, crop.shape[1], crop.shape[0] * 0.6], np.float32))
    data = tmp_path / "data"
    rel = "crops/door/track1.jpg"
    (data / "crops/door").mkdir(parents=True)
    cv2.imwrite(str(data / rel), crop)
    cx = (box[0] + box[2]) / 2
    with store.session(write=True) as s:
        run = AnalysisRun(camera_id=cam, source_label=str(video), status=RunStatus.COMPLETE.value,
                          first_ts=T0, last_ts=T0 + 8.0)  # fmt: skip
        s.add(run)
        s.flush()
        t = Track(run_id=run.id, camera_id=cam, tracker_id=1, class_id=0, first_ts=T0, last_ts=T0 + 2.9,
                  frames=30, path=[[T0, cx, 460.0], [T0 + 2.9, cx, 460.0]])  # fmt: skip
        s.add(t)
        s.flush()
        ev = Event(ts=T0 + 0.5, camera_id=cam, module="tracks", type="start", track_id=t.id, run_id=run.id,
                   payload={})  # fmt: skip
        s.add(ev)
        s.flush()
        s.add(EventPhoto(event_id=ev.id, path=rel, bytes=(data / rel).stat().st_size, sha256="0", box=box))
        track_id = t.id
    return store, data, track_id, video


FACE_T0 = 1_764_921_600.0  # 2025-12-05 08:00 UTC
_SQUARE = [[0, 0], [0.5, 0], [0.5, 1], [0, 1]]
_FACE_SITE: dict[str, Any] = {
    "site": {"name": "Demo", "timezone": "UTC"},
    "cameras": [{"id": "floor", "name": "Sales floor", "source": "floor.mp4",
                 "zones": [{"id": "shoes", "name": "Shoes", "type": "department", "points": _SQUARE},
                           {"id": "toys", "name": "Toys", "type": "department",
                            "points": [[0.5, 0], [1, 0], [1, 1], [0.5, 1]]}]}],
}  # fmt: skip


def face_metrics_store(tmp_path: Path) -> Any:
    """A store where five people crossed a floor with two departments: ages, genders, two visitors, one employee."""
    from app.config import SiteConfig
    from app.modules.faces.events import FACES_DEMOGRAPHICS, FACES_IDENTIFIED, FACES_VISITOR
    from app.modules.retail.events import ZONE_DWELL
    from app.store.db import open_store
    from app.store.sync import sync_site
    from app.store.writer import StoreWriter

    site = SiteConfig.model_validate(_FACE_SITE)
    st = open_store(f"sqlite:///{tmp_path / 's.db'}")
    cams = sync_site(st, site)
    people = [  # track, minutes after T0, gender, band, departments
        (1, 0, "female", "25-34", ["shoes"]),
        (2, 10, "female", "25-34", ["shoes", "toys"]),
        (3, 20, "male", "35-44", ["toys"]),
        (4, 70, "male", "65+", []),
        (5, 75, "female", "<18", ["toys"]),
    ]
    recs = []
    for tid, minute, gender, band, depts in people:
        ts = FACE_T0 + 60 * minute
        recs.append(FACES_DEMOGRAPHICS.record("floor", ts, track_id=tid, ts_end=ts + 50,
                                              payload={"age_band": band, "gender": gender, "faces": 3}))  # fmt: skip
        for k, d in enumerate(depts):
            recs.append(ZONE_DWELL.record("floor", ts + 5 + k, track_id=tid, zone_id=d, ts_end=ts + 20 + k,
                                          payload={"duration": 15.0}))  # fmt: skip
    recs.append(FACES_VISITOR.record("floor", FACE_T0, track_id=1, payload={"visitor_id": 7, "new_visitor": True}))
    recs.append(FACES_VISITOR.record("floor", FACE_T0 + 600, track_id=2, payload={"visitor_id": 3, "new_visitor": False}))
    recs.append(FACES_IDENTIFIED.record("floor", FACE_T0 + 1800, track_id=9, payload={"employee_id": 1}))
    with StoreWriter(st, tmp_path) as w:
        run = w.start_run(cams["floor"], "floor.mp4")
        for r in recs:
            w.put_event(run, r)
        w.flush()
    return st
