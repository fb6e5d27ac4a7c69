"""The role stage in the pipeline: roles reach the modules, the track rows and the decision events."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from analytics.types import COCO_CLASSES, Detections, Frame
from app.config import SiteConfig
from app.engine.modules import CameraContext, TracksRecorder
from app.engine.pipeline import CameraPipeline
from app.engine.retail import RetailModule
from app.engine.roles import RoleSetup, RoleStage, classifier_path, load_role_setup
from app.engine.service import ServiceModule
from app.errors import UserError
from app.store.alerts import open_alerts
from app.store.db import open_store
from app.store.employees import add_employee
from app.store.records import EventRecord, HeatmapRecord, TrackRecord
from app.store.roles import add_uniform_example
from app.store.schema import RunStatus
from app.store.sync import sync_site
from app.store.writer import StoreWriter

T0 = 1_795_168_800.0
W, H = 640, 360
FPS = 10.0
RED, BLACK, GREY = (40, 40, 200), (25, 25, 25), (140, 140, 140)


def person(torso: tuple[int, int, int], h: int = 120) -> np.ndarray:
    w = h // 2
    img = np.full((h, w, 3), GREY, np.uint8)
    img[: h // 6, w // 3 : 2 * w // 3] = (120, 150, 200)
    img[h // 6 : h // 2] = torso
    img[h // 2 :, w // 5 : 4 * w // 5] = (110, 80, 60)
    return img


def site(uniform_dir: Path | None = None, **roles: Any) -> SiteConfig:
    cfg: dict[str, Any] = {
        "site": {"name": "Role shop"},
        "tracker": {"track_buffer": 1.0},
        "cameras": [
            {
                "id": "cam",
                "source": "a.mp4",
                "zones": [
                    {"id": "door", "type": "entrance_line", "points": [[0.5, 0.0], [0.5, 1.0]]},
                    {"id": "dept", "name": "Dairy", "type": "department", "points": [[0, 0], [1, 0], [1, 1], [0, 1]]},
                    {"id": "till", "type": "workstation", "points": [[0.0, 0.0], [0.2, 0.0], [0.2, 1.0], [0.0, 1.0]]},
                ],
                "modules": {"pose": {"enabled": False}, "service": {"unattended_seconds": 5}, "queue": {"enabled": False}},
            }
        ],
    }  # fmt: skip
    r = dict(roles)
    if uniform_dir is not None:
        r["uniform_dir"] = str(uniform_dir)
    if r:
        cfg["roles"] = r
    return SiteConfig.model_validate(cfg)


def uniform_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "uniform"
    folder.mkdir()
    cv2.imwrite(str(folder / "red1.png"), person(RED, 160))
    cv2.imwrite(str(folder / "red2.jpg"), person(RED, 90))
    (folder / "notes.txt").write_text("not a picture")
    return folder


def walk(n: int = 60) -> list[tuple[Frame, Detections]]:
    """A red-jacket person walking right to left across the door line, a black coat standing still."""
    out = []
    red, black = person(RED), person(BLACK)
    for i in range(n):
        img = np.full((H, W, 3), GREY, np.uint8)
        xr = max(int(560 - i * 8), 0)
        img[200:320, xr : xr + 60] = red
        img[200:320, 100:160] = black
        d = Detections(
            xyxy=[[xr, 200, xr + 60, 320], [100, 200, 160, 320]], confidence=[0.9, 0.9], class_id=[0, 0]
        )
        out.append((Frame("cam", i, T0 + i / FPS, img), d))
    return out


class ListSink:
    def __init__(self) -> None:
        self.events: list[EventRecord] = []
        self.tracks: list[TrackRecord] = []
        self.heat: list[HeatmapRecord] = []

    def put_event(self, run_id: int, event: EventRecord) -> None:
        self.events.append(event)

    def put_track(self, run_id: int, track: TrackRecord) -> None:
        self.tracks.append(track)

    def put_heatmap(self, run_id: int, heatmap: HeatmapRecord) -> None:
        self.heat.append(heatmap)

    def put_background(self, run_id: int, bg: Any) -> None:
        pass


class ScriptedDetector:
    """Returns the scripted detections of each frame (by frame index)."""

    description = "scripted"
    class_names = COCO_CLASSES

    def __init__(self, script: list[tuple[Frame, Detections]]) -> None:
        self.by_image = {id(f.image): d for f, d in script}

    def predict(self, image: np.ndarray) -> Detections:
        return self.by_image[id(image)]


class ListSource:
    live = False

    def __init__(self, frames: list[Frame]) -> None:
        self._frames = frames

    def frames(self, stop: threading.Event) -> Iterator[Frame]:
        yield from self._frames


def test_load_role_setup_reads_the_folder_and_complains_clearly(tmp_path: Path) -> None:
    setup = load_role_setup(site(uniform_folder(tmp_path)))
    assert setup.uniform is not None and len(setup.uniform) == 2 and setup.classifier is None
    assert setup.describe() == "uniform from 2 example(s), no trained classifier"
    with pytest.raises(UserError, match="folder not found") as e:
        load_role_setup(site(tmp_path / "nope"))
    assert e.value.exit_code == 2
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError, match="no pictures"):
        load_role_setup(site(tmp_path / "empty"))
    assert load_role_setup(site(enabled=False)).notes == ["roles: off"]


def test_load_role_setup_from_the_store_uniforms_workstations_and_classifier(tmp_path: Path) -> None:
    store = open_store("sqlite://")
    anna = add_employee(store, "Anna", workstations=["cam:till"])
    add_employee(store, "Boris", workstations=["cam:dept", "other:till"])
    add_employee(store, "Clara", workstations=["cam:dept"])  # shared with Boris: links nobody
    add_uniform_example(store, tmp_path, person(RED), employee_id=anna.id)
    from models.roles import RoleClassifier

    crops = [person(RED)] * 4 + [person(BLACK)] * 4
    clf, _ = RoleClassifier.train(crops, [1] * 4 + [0] * 4, epochs=2)
    clf.save(classifier_path(tmp_path, "Role shop"))
    setup = load_role_setup(site(), store=store, data_dir=tmp_path)
    assert setup.uniform is not None and setup.uniform.employee_ids == (anna.id,)
    assert [(w.camera, w.zone, w.employee_id) for w in setup.workstations] == [
        ("cam", "till", anna.id),
        ("other", "till", 2),
    ]
    assert setup.classifier is not None and "classifier: role-shop.pt" in setup.notes[-1]
    (classifier_path(tmp_path, "Role shop")).write_bytes(b"garbage")
    with pytest.raises(UserError, match="cannot read the role classifier"):
        load_role_setup(site(), store=store, data_dir=tmp_path)


def test_role_stage_decides_and_stores_the_decision_with_crops(tmp_path: Path) -> None:
    cfg = site(uniform_folder(tmp_path), crops_per_track=2)
    stage = RoleStage(cfg, cfg.cameras[0], load_role_setup(cfg), lost_after=1.0)
    events: list[EventRecord] = []
    for i, (frame, d) in enumerate(walk(90)):
        d.tracker_id = np.array([1, 2])
        if i >= 30:  # the red person is gone after 3 s
            d = d[np.array([False, True])]
        events += stage.process(frame, d)
        roles = d.metadata["roles"]
        if i == 30:
            assert dict(roles) == {1: "staff", 2: "customer"}  # still open, though not in the frame
    assert dict(roles) == {2: "customer"}
    assert d.data["role"].tolist() == ["customer"] and d.data["role_confidence"][0] > 0.5
    ((ev,),) = [[e for e in events if e.track_id == 1]]  # ended 5 s after last seen
    assert (ev.module, ev.type, ev.ts, ev.ts_end) == ("roles", "decision", T0, pytest.approx(T0 + 2.9))
    assert ev.payload["role"] == "staff" and ev.payload["confidence"] > 0.9
    assert ev.payload["uniform"]["samples"] == 6 and len(ev.photos) == 1  # 3 s of video, a crop every 3 s
    closed = stage.close(T0 + 4.0)
    assert [(e.track_id, e.payload["role"], len(e.photos)) for e in closed] == [(2, "customer", 2)]


def test_a_track_too_short_for_the_tracks_module_leaves_no_decision(tmp_path: Path) -> None:
    cfg = site(uniform_folder(tmp_path))
    stage = RoleStage(cfg, cfg.cameras[0], load_role_setup(cfg))
    frame, d = walk(1)[0]
    d.tracker_id = np.array([1, 2])
    stage.process(frame, d)
    stage.process(Frame("cam", 1, T0 + 0.1, frame.image), d)  # 2 frames < min_frames 3
    assert stage.close(T0 + 1) == []


def test_pipeline_passes_roles_to_tracks_footfall_heatmap_and_decisions(tmp_path: Path) -> None:
    cfg = site(uniform_folder(tmp_path))
    script = walk(60)
    sink = ListSink()
    pipe = CameraPipeline(
        cfg, cfg.cameras[0], ListSource([f for f, _ in script]), ScriptedDetector(script), sink, 1,
        nominal_fps=FPS, role_setup=load_role_setup(cfg),
    )  # fmt: skip
    seen_roles: list[dict[int, str]] = []
    pipe.on_frame = lambda r: seen_roles.append(dict(r.roles))
    assert pipe.run(threading.Event()).status == "complete"
    roles = {t.track_id: (t.role, t.role_confidence) for t in sink.tracks}
    assert sorted(r for r, _ in roles.values()) == ["customer", "staff"]
    assert all(c > 0.9 for _, c in roles.values())
    staff_id = next(t for t, (r, _) in roles.items() if r == "staff")
    assert seen_roles[-1][staff_id] == "staff"
    crossing = [e for e in sink.events if e.module == "footfall"]
    assert [(e.type, e.track_id, e.payload["role"]) for e in crossing] == [("in", staff_id, "staff")]
    decisions = {e.track_id: e.payload["role"] for e in sink.events if e.type == "decision"}
    assert decisions == {t: r for t, (r, _) in roles.items()}
    ends = {e.track_id: e.payload["role"] for e in sink.events if e.type == "track_end"}
    assert ends == decisions
    assert {h.role for h in sink.heat} == {"staff", "customer"}  # one heatmap per role
    assert "roles" in pipe.summary.stages


def test_tracks_recorder_without_roles_stores_unknown() -> None:
    cfg = site()
    cam = cfg.cameras[0]
    rec = TracksRecorder(CameraContext(cfg, cam, cfg.effective(cam)), cam.modules.tracks)
    for frame, d in walk(5):
        d.tracker_id = np.array([1, 2])
        rec.process(frame, d)
    tracks = [r for r in rec.close(T0 + 1) if isinstance(r, TrackRecord)]
    assert [(t.role, t.role_confidence, t.employee_id) for t in tracks] == [("unknown", 0.0, None)] * 2


def test_retail_heatmap_splits_by_role() -> None:
    cfg = site()
    cam = cfg.cameras[0]
    mod = RetailModule(CameraContext(cfg, cam, cfg.effective(cam)))
    for frame, d in walk(20):
        d.tracker_id = np.array([1, 2])
        d.metadata["roles"] = {1: "staff"}
        mod.process(frame, d)
    heat = {
        h.role: np.frombuffer(h.grid, np.float32).sum()
        for h in mod.close(T0 + 3)
        if isinstance(h, HeatmapRecord)
    }
    assert set(heat) == {"staff", "unknown"}
    assert heat["staff"] == pytest.approx(1.9, abs=0.01) and heat["unknown"] == pytest.approx(1.9, abs=0.01)


def test_service_module_alerts_through_the_alerts_api(tmp_path: Path) -> None:
    cfg = site()
    cam = cfg.cameras[0]
    mod = ServiceModule(CameraContext(cfg, cam, cfg.effective(cam), lost_after=1.0))
    records: list[Any] = []
    still = walk(1)[0]
    for i in range(80):  # the black coat (a customer) stands in the department; staff comes at 7 s
        frame = Frame("cam", i, T0 + i / FPS, still[0].image)
        if i < 70:
            d = Detections(xyxy=[[100, 200, 160, 320]], confidence=[0.9], class_id=[0], tracker_id=[2])
        else:
            d = Detections(xyxy=[[100, 200, 160, 320], [170, 200, 230, 320]], confidence=[0.9, 0.9],
                           class_id=[0, 0], tracker_id=[2, 5])  # fmt: skip
        d.metadata["roles"] = {2: "customer", 5: "staff"}
        records += mod.process(frame, d)
    records += mod.close(T0 + 8)
    kinds = [(r.type, r.track_id) for r in records]
    assert kinds == [("alert", 2), ("alert_end", 2), ("unattended", 2)]
    alert, end, fact = records
    assert alert.ts == pytest.approx(T0 + 5.0) and len(alert.photos) == 1
    assert alert.payload["message"] == "Dairy: a customer has waited 5 s with no staff near"
    assert end.payload["reason"] == "attended" and end.ts_end == pytest.approx(T0 + 7.0)
    assert fact.ts == T0 and fact.payload["waited"] == pytest.approx(7.0)
    store = open_store(f"sqlite:///{tmp_path / 's.db'}")
    cams = sync_site(store, cfg)
    with StoreWriter(store, tmp_path) as w:
        run = w.start_run(cams["cam"], "a.mp4")
        w.put_event(run, alert)
        w.flush()
        (row,) = open_alerts(store)
        assert (row.module, row.kind, row.zone, row.status) == ("service", "unattended", "dept", "open")
        w.put_event(run, end)
        w.finish_run(run, RunStatus.COMPLETE)
        w.flush()
    assert open_alerts(store) == []


def test_role_setup_describe() -> None:
    assert RoleSetup().describe() == "no uniform examples, no trained classifier"


def test_crops_are_spread_over_the_whole_track() -> None:
    cfg = site(crops_per_track=4)
    stage = RoleStage(cfg, cfg.cameras[0], RoleSetup(), lost_after=1.0)
    img = walk(1)[0][0].image
    d = Detections(xyxy=[[100, 200, 160, 320]], confidence=[0.9], class_id=[0], tracker_id=[1])
    for i in range(400):  # 40 s at 10 fps
        stage.process(Frame("cam", i, T0 + i / FPS, img), d)
    kept = [round(t - T0, 1) for t, _ in stage._seen[1].crops]
    assert kept == [0.2, 12.2, 24.2, 36.2]  # from the 3rd frame (min_frames on), then spread out
    (ev,) = stage.close(T0 + 40)
    assert len(ev.photos) == 4
