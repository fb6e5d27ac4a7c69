"""The behaviour module turns posture, reaches and contacts into store records with photos."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from analytics.types import Frame
from app.config import SiteConfig
from app.engine.behaviour import BehaviourModule
from app.engine.modules import CameraContext, build_modules
from app.store.records import EventRecord
from tests.fixtures_pose import bending, frame_dets, reaching, standing

T0 = 1_795_168_800.0
W, H = 640, 480
FPS = 10.0


def _site(modules: dict[str, Any] | None = None) -> SiteConfig:
    return SiteConfig.model_validate(
        {
            "site": {"name": "S"},
            "cameras": [
                {
                    "id": "cam",
                    "source": "a.mp4",
                    "zones": [
                        # a shelf unit at the left: x 0-100 px, y 100-330 px of a 640x480 frame
                        {"id": "s1", "name": "Snacks", "type": "shelf", "points": [[0, 100 / H], [100 / W, 100 / H], [100 / W, 330 / H], [0, 330 / H]]},
                    ],
                    "modules": modules if modules is not None else {"pose": {"enabled": True}},
                }
            ],
        }
    )  # fmt: skip


def _module(modules: dict[str, Any] | None = None) -> BehaviourModule:
    site = _site(modules)
    cam = site.cameras[0]
    return BehaviourModule(CameraContext(site=site, camera=cam, detection=site.effective(cam)))


def _frame(i: int) -> Frame:
    img = np.full((H, W, 3), 120, np.uint8)
    img[100:330, 0:100] = (40, 160, 40)  # the shelf
    return Frame("cam", i, T0 + i / FPS, img)


def _events(records: list[Any], module: str) -> list[EventRecord]:
    return [r for r in records if isinstance(r, EventRecord) and r.module == module]


def test_reach_event_with_plain_and_drawn_photo() -> None:
    mod = _module()
    out: list[Any] = []
    for i in range(40):  # 1 s idle, 2 s reaching into the shelf, 1 s idle
        person = reaching(160, 400, 200, (60, 240)) if 10 <= i < 30 else standing(160, 400, 200)
        out += mod.process(_frame(i), frame_dets([(1, person)]))
    out += mod.close(T0 + 4.0)
    (reach,) = _events(out, "shelf")
    assert (reach.type, reach.zone_id, reach.track_id) == ("reach", "s1", 1)
    assert reach.ts == T0 + 1.0 and reach.ts_end == T0 + 2.9
    assert reach.payload == {"hand": "right", "duration": 1.9, "role": "unknown", "shelf": "Snacks"}
    kinds = [p.kind for p in reach.photos]
    assert kinds == ["crop", "overlay"]
    plain, drawn = (cv2.imdecode(np.frombuffer(p.jpeg, np.uint8), cv2.IMREAD_COLOR) for p in reach.photos)
    assert plain.shape == drawn.shape
    assert np.abs(plain.astype(int) - drawn.astype(int)).max() > 100  # the skeleton and outline are drawn
    box = reach.photos[0].box
    assert box is not None and box[0] <= 60  # the crop includes the hand in the shelf


def test_posture_intervals_are_events() -> None:
    mod = _module()
    out: list[Any] = []
    for i in range(40):
        person = bending(300, 400, 200) if i >= 20 else standing(300, 400, 200)
        out += mod.process(_frame(i), frame_dets([(5, person)]))
    assert mod.postures() == {5: "bending"}
    out += mod.close(T0 + 4.0)
    got = [
        (e.payload["posture"], e.ts - T0, round(e.ts_end - T0, 1), e.track_id) for e in _events(out, "pose")
    ]
    assert got == [("standing", 0.0, 2.0, 5), ("bending", 2.0, 3.9, 5)]


def test_consultation_needs_roles() -> None:
    staff_and_customer = [(1, standing(300, 400, 200)), (2, standing(380, 400, 200))]
    for roles, expected in (({1: "staff"}, 1), (None, 0)):
        mod = _module({"pose": {"enabled": True}, "behaviour": {"contact": {"min_seconds": 3.0}}})
        out: list[Any] = []
        for i in range(50):
            d = frame_dets(staff_and_customer)
            if roles is not None:
                d.metadata["roles"] = roles  # what the role stage puts there
            out += mod.process(_frame(i), d)
        out += mod.close(T0 + 5.0)
        talks = _events(out, "contact")
        assert len(talks) == expected
        if talks:
            t = talks[0]
            assert t.type == "consultation" and t.track_id == 2
            assert t.payload["staff_track"] == 1 and t.payload["duration"] == 4.9
            assert [p.kind for p in t.photos] == ["crop"]


def test_short_postures_are_not_stored() -> None:
    mod = _module({"pose": {"enabled": True}, "behaviour": {"posture": {"min_interval": 5.0}}})
    out: list[Any] = []
    for i in range(30):
        out += mod.process(_frame(i), frame_dets([(5, standing(300, 400, 200))]))
    assert not _events(out + mod.close(T0 + 3.0), "pose")


def test_registered_with_the_pose_module() -> None:
    def names(modules: dict[str, Any]) -> list[str]:
        site = _site(modules)
        cam = site.cameras[0]
        return [
            m.name for m in build_modules(CameraContext(site=site, camera=cam, detection=site.effective(cam)))
        ]

    assert "behaviour" in names({"pose": {"enabled": True}})
    assert "behaviour" in names({})  # contacts need no keypoints
    assert "behaviour" not in names({"behaviour": {"enabled": False}})
    assert "behaviour" not in names({"behaviour": {"contact": {"enabled": False}}})
