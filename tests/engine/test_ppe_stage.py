"""The PPE stage: votes, violations, alerts with photos, per-stay checks, compliance and the sheet.

A scripted backend drives the stage's logic on hand-built frames; the whole path (detector,
tracker, pose, the built-in classifier, the store, the report) runs through the real CLI on a
short clip of the demo video, where nobody wears PPE.
"""

from __future__ import annotations

import csv
from pathlib import Path

import cv2
import numpy as np
import pytest

from analytics.ppe import ppe_regions
from analytics.types import Detections, Frame
from app.config import SiteConfig
from app.engine.ppe_stage import PpeStage, make_ppe_stage, with_pose_for_ppe
from app.errors import UserError
from models.ppe.backend import PersonPpe, PpeBackend
from tests.cli_support import one_error_line, run_cli
from tests.fixtures_pipeline import vtest_clip


class Scripted(PpeBackend):
    """Gives each track id the probabilities of a script (helmet, vest) — the stage's logic only."""

    type_key = "scripted"

    def __init__(self) -> None:
        super().__init__()
        self.script: dict[int, tuple[float | None, float | None]] = {}
        self.ids: list[int] = []
        self.seen = 0

    def check(self, image, boxes, keypoints=None):
        self.seen += len(boxes)
        out = []
        for box, tid in zip(boxes, self.ids, strict=False):
            h, v = self.script.get(tid, (None, None))
            out.append(PersonPpe(h, v, ppe_regions(box)))
        return out


def _site(zone_items: list[str] | None = None, **ppe) -> SiteConfig:
    zone = {"id": "dock", "type": "ppe", "points": [[0, 0], [0.5, 0], [0.5, 1], [0, 1]]}
    if zone_items is not None:
        zone["ppe_items"] = zone_items
    return SiteConfig.model_validate({
        "version": 1, "site": {"name": "t"},
        "cameras": [{"id": "c", "source": "x.avi", "zones": [zone],
                     "modules": {"ppe": {"enabled": True, "after": 2.0, "window": 1.0, "min_votes": 2,
                                         "every": 1, "min_person_px": 40, **ppe}}}],
    })  # fmt: skip


def _run(stage: PpeStage, be: Scripted, people: dict[int, float], t0: float, t1: float) -> list:
    """Frames every 0.25 s from t0 to t1; ``people``: track id → box x (inside the zone: x < 200)."""
    recs = []
    for ts in np.arange(t0, t1, 0.25):
        img = np.full((400, 400, 3), 90, np.uint8)
        ids = sorted(people)
        boxes = [[people[t], 100, people[t] + 40, 300] for t in ids]
        dets = Detections(boxes or np.zeros((0, 4)), [0.9] * len(ids), [0] * len(ids), ids)
        inside = [t for t in ids if people[t] + 20 < 200]
        be.ids = inside
        recs += stage.process(Frame("c", int(ts * 4), float(ts), img), dets)
    return recs


def _by_type(recs: list) -> dict[str, list]:
    out: dict[str, list] = {}
    for r in recs:
        out.setdefault(r.type, []).append(r)
    return out


def test_a_person_without_a_helmet_raises_a_violation_after_t_seconds_with_a_photo() -> None:
    be = Scripted()
    be.script = {1: (0.1, 0.9), 2: (0.9, 0.9), 3: (0.1, 0.1)}
    stage = PpeStage(_site(["helmet", "vest"]).cameras[0], be, lost_after=1.0)
    recs = _run(stage, be, {1: 50.0, 2: 120.0, 3: 300.0}, 0.0, 1.9)
    assert not _by_type(recs).get("alert")  # not yet 2 s (the vote needs 2 frames first)
    recs = _run(stage, be, {1: 50.0, 2: 120.0, 3: 300.0}, 2.0, 3.0)
    alerts = _by_type(recs)["alert"]
    assert [a.track_id for a in alerts] == [1]  # 2 wears both; 3 is outside the zone (never checked)
    a = alerts[0]
    assert a.module == "ppe" and a.zone_id == "dock" and a.payload["kind"] == "violation"
    assert a.payload["missing"] == ["helmet"] and a.payload["helmet"] == "no" and a.payload["vest"] == "yes"
    assert "No helmet in PPE zone dock" in a.payload["message"]
    photo = cv2.imdecode(np.frombuffer(a.photos[0].jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert photo is not None and photo.shape[0] >= 200  # small people are enlarged to show the outlines
    # person 1 puts a helmet on: the violation ends after the calm period
    be.script[1] = (0.95, 0.9)
    recs = _run(stage, be, {1: 50.0, 2: 120.0}, 3.0, 6.5)
    got = _by_type(recs)
    assert [r.track_id for r in got["alert_end"]] == [1]
    v = got["violation"][0]
    assert v.ts == a.ts and v.ts_end > v.ts and v.payload["missing"] == ["helmet"] and v.photos
    # both leave (lost for longer than lost_after): one check per stay
    recs = _run(stage, be, {}, 6.5, 8.0)
    checks = {r.track_id: r.payload for r in _by_type(recs)["check"]}
    assert checks[1]["compliant"] is False and checks[1]["violation"] is True
    assert checks[2]["compliant"] is True and checks[2]["helmet"] == "yes" and checks[2]["vest"] == "yes"
    assert 3 not in checks


def test_zone_items_decide_unknown_is_no_violation_and_close_flushes() -> None:
    be = Scripted()
    be.script = {1: (0.1, 0.9), 2: (None, None)}
    stage = PpeStage(_site(["vest"]).cameras[0], be, lost_after=1.0)
    recs = _run(stage, be, {1: 50.0, 2: 120.0}, 0.0, 5.0)
    assert not _by_type(recs).get("alert")  # only a vest is required here; 2 is never seen well
    recs = stage.close(5.0)
    checks = {r.track_id: r.payload for r in recs}
    assert checks[1]["compliant"] is True and checks[1]["required"] == ["vest"]
    assert checks[2]["compliant"] is None and checks[2]["helmet"] == "unknown"


def test_the_stage_is_built_only_when_on_and_pose_is_turned_on_for_it(tmp_path: Path) -> None:
    site = _site()
    cam = site.cameras[0]
    assert not cam.modules.pose.enabled
    posed = with_pose_for_ppe(cam)
    assert posed.modules.pose.enabled and [t.value for t in posed.modules.pose.zone_types] == ["ppe"]
    off = cam.model_copy(update={"modules": cam.modules.model_copy(update={
        "ppe": cam.modules.ppe.model_copy(update={"enabled": False})})})  # fmt: skip
    assert make_ppe_stage(site, off) is None and not with_pose_for_ppe(off).modules.pose.enabled
    site.detector.model_dir = str(tmp_path)
    stage = make_ppe_stage(site, cam)
    assert stage is not None and "built-in colour classifier" in stage.reason
    bad = _site(backend="yolo")
    bad.detector.model_dir = str(tmp_path)
    with pytest.raises(UserError, match="no YOLO PPE model"):
        make_ppe_stage(bad, bad.cameras[0])
    missing = _site(vest_examples=str(tmp_path / "nope"))
    with pytest.raises(UserError, match="vest pictures folder"):
        make_ppe_stage(missing, missing.cameras[0])


@pytest.mark.slow  # end to end: the demo clip through `analyze` and `report`
@pytest.mark.timeout(400)
def test_demo_clip_through_the_cli_gives_violations_checks_compliance_and_the_sheet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clip = vtest_clip(tmp_path / "clip.avi", 60)
    cfg = tmp_path / "site.yaml"
    cfg.write_text(f"""version: 1
site: {{name: Warehouse}}
detector: {{backend: nanodet, threads: 1, classes: [person]}}
roles: {{enabled: false}}
cameras:
  - id: dock
    source: {clip}
    start_time: "2026-11-20T10:00:00+00:00"
    zones:
      - {{id: yard, name: Loading yard, type: ppe, ppe_items: [helmet, vest],
          points: [[0, 0], [1, 0], [1, 1], [0, 1]]}}
    modules:
      ppe: {{enabled: true, after: 1.0, window: 1.0, min_votes: 2, every: 1}}
""")  # fmt: skip
    db = f"sqlite:///{tmp_path / 'ppe.db'}"
    from app.notify.message import Rule
    from app.notify.outbox import Feeder, counts
    from app.store.db import open_store

    store = open_store(db)
    feeder = Feeder(store, [Rule("webhook:safety", ("ppe.alert",), None)], tz=None)
    feeder.feed(now=0.0)  # the channel's cursor starts at the (empty) database's newest event
    store.close()
    code, _out, err = run_cli(capsys, "analyze", "dock", "--config", str(cfg), "--db", db, "--out",
                             str(tmp_path / "out"), "--no-progress")  # fmt: skip
    assert code == 0, err
    from app.modules.ppe.events import PPE_ALERT, PPE_CHECK, PPE_VIOLATION
    from app.store.metrics import ppe_numbers
    from app.store.query import events

    store = open_store(db)
    try:
        ev = events(store, [PPE_ALERT, PPE_VIOLATION, PPE_CHECK])
        nums = ppe_numbers(store)
        feeder.store = store
        queued = feeder.feed(now=1.0)  # the alerts go to the safety officer's webhook through the outbox
        outbox = counts(store)
    finally:
        store.close()
    types = ev["type"].tolist()
    # nobody in the demo wears PPE: people who stay long enough are violations, with photos
    assert types.count("alert") >= 1 and types.count("violation") == types.count("alert")
    assert types.count("check") >= 3
    assert queued == types.count("alert") and outbox == {"webhook:safety": {"pending": queued}}
    viol = ev[ev["type"] == "violation"].iloc[0]
    assert viol["zone"] == "yard" and set(viol["payload"]["missing"]) <= {"helmet", "vest"}
    row = nums.iloc[0]
    assert row["zone"] == "yard" and row["ppe_checked"] == types.count("check")
    assert row["ppe_violations"] == types.count("violation") and row["ppe_compliance"] < 0.5
    photos = list((tmp_path / "out").rglob("*.jpg"))
    assert photos  # the crops (tracks and PPE) are stored as files
    code, _out, err = run_cli(capsys, "report", "--db", db, "--from", "2026-11-20", "--to", "2026-11-20",
                             "--csv", str(tmp_path / "csv"))  # fmt: skip
    assert code == 0, err
    with open(tmp_path / "csv" / "ppe.csv", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f, delimiter=";"))
    assert rows[0][:4] == ["Row", "Camera", "Zone", "People checked for PPE"]
    assert rows[1][0] == "zone" and rows[1][2] == "yard"
    assert sum(1 for r in rows if r[0] == "violation") == types.count("violation")


def test_bad_zone_items_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "site.yaml"
    cfg.write_text("""version: 1
site: {name: W}
cameras:
  - id: dock
    source: x.avi
    zones: [{id: yard, type: ppe, ppe_items: [gloves], points: [[0, 0], [1, 0], [1, 1]]}]
""")
    code, _, err = run_cli(capsys, "analyze", "dock", "--config", str(cfg), "--out", str(tmp_path / "o"))
    assert code == 2
    assert "ppe_items" in one_error_line(err)


def test_ppe_items_on_another_zone_type_are_refused() -> None:
    with pytest.raises(ValueError, match="ppe_items is for zones of type ppe"):
        SiteConfig.model_validate({"version": 1, "site": {"name": "t"}, "cameras": [{
            "id": "c", "source": "x.avi", "zones": [{"id": "a", "type": "department", "ppe_items": ["vest"],
                                                     "points": [[0, 0], [1, 0], [1, 1]]}]}]})  # fmt: skip
