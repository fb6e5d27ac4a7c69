"""Identity in crowds: the occlusion order (bottom edge) and the end of tracks that left the picture
(hand-built boxes), and a regression check on a cached real stretch of the demo (NanoDet detections of
frames 121-301, replayed through the tracker with the real frames; hand-checked labels)."""

from pathlib import Path
from types import SimpleNamespace

import cv2
import numpy as np
import pytest

from analytics.mot_eval import evaluate, read_mot
from analytics.types import Detections
from models.tracking import Tracker, TrackerSettings, _occlusion_order

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "tracking"
VIDEO = ROOT / "resources" / "demo" / "vtest.avi"


def _box(x1: float, y1: float, x2: float, y2: float, crowded: bool = False) -> SimpleNamespace:
    return SimpleNamespace(
        xyxy=np.array([x1, y1, x2, y2], float),
        xywh=np.array([(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1], float),
        crowded=crowded,
    )


def test_occlusion_order_prefers_the_track_whose_feet_match() -> None:
    # A (behind: feet at y=160) and B (in front: feet at 180) overlap; one merged box reaches y=180.
    a, b = _box(100, 100, 130, 160), _box(108, 105, 140, 180)  # IoU 0.40: a crowd
    merged = _box(100, 100, 145, 180)
    cost = np.array([[0.60], [0.62]])  # IoU alone would give the merged box to A
    out = _occlusion_order(cost, [a, b], [merged], weight=0.5)
    assert out[1, 0] == pytest.approx(0.62)  # B's feet match: unchanged
    assert out[0, 0] == pytest.approx(0.60 + 0.5 * 20 / 60)  # A: 20 px off, per 60 px of height
    assert out[1, 0] < out[0, 0]


def test_occlusion_order_leaves_lone_people_and_ruled_out_pairs() -> None:
    far_a, far_b = _box(0, 0, 30, 60), _box(300, 0, 330, 60)
    det = _box(0, 10, 30, 75)  # 15 px lower, but nobody overlaps anybody: no crowd
    cost = np.array([[0.3], [1.0]])
    assert np.array_equal(_occlusion_order(cost, [far_a, far_b], [det], 0.5), cost)
    crowded_det = _box(0, 10, 30, 75, crowded=True)
    out = _occlusion_order(cost, [far_a, far_b], [crowded_det], 0.5)
    assert out[0, 0] == pytest.approx(0.3 + 0.5 * 15 / 60) and out[1, 0] == 1.0  # ruled out stays 1


def _walker_frames() -> list[tuple[np.ndarray, Detections]]:
    """A person in a red top walks right off a 320x240 picture; 1 s later someone dressed alike walks in
    at the same edge."""
    frames = []

    def person(x: float) -> tuple[np.ndarray, Detections]:
        img = np.full((240, 320, 3), 128, np.uint8)
        x1, x2 = int(x), int(x + 30)
        img[100:135, max(x1, 0) : min(x2, 320)] = (0, 0, 200)  # red top
        img[135:180, max(x1, 0) : min(x2, 320)] = (120, 60, 20)  # blue trousers
        box = [[max(x, 0.0), 90.0, min(x + 30, 320.0), 180.0]]
        return img, Detections(np.array(box), np.array([0.9]), np.array([0]))

    for i in range(20):  # walking right at 8 px per frame: leaves at x = 320
        frames.append(person(170 + 8 * i))
    for _ in range(10):
        frames.append((np.full((240, 320, 3), 128, np.uint8), Detections.empty()))
    for i in range(8):  # walks in from the right edge, leftwards
        frames.append(person(295 - 8 * i))
    return frames


@pytest.mark.parametrize("drop_exited", [True, False])
def test_a_track_that_left_the_picture_is_not_re_found(drop_exited: bool) -> None:
    t = Tracker(TrackerSettings(appearance=True, drop_exited=drop_exited), rate=10.0)
    ids = []
    for img, d in _walker_frames():
        out = t.update(d, img)
        ids.append(set(out.tracker_id.tolist()))
    first = ids[5]
    later = set().union(*ids[-5:])
    assert len(first) == 1 and len(later) == 1
    # the one who left is over; the newcomer at the same edge is someone new — unless the rule is off
    assert (first != later) is drop_exited


def _pair_frames(step: float = 0.0, solo: int = 3) -> list[tuple[np.ndarray, Detections]]:
    """A person in red stands still (``step`` 0) or walks right ``step`` px per frame; after ``solo`` frames
    the detector also gives a box half over theirs (IoU 0.5: someone in green mostly behind them), which 7
    frames later stands clear (IoU 0.09) for 6 frames."""

    def frame(i: int, offset: float | None) -> tuple[np.ndarray, Detections]:
        img = np.full((240, 320, 3), 128, np.uint8)
        x0 = 60 + step * i
        boxes = [[x0, 90.0, x0 + 30, 180.0]]
        if offset is not None:
            x = int(x0 + offset)
            img[100:135, x : x + 30] = (0, 180, 0)  # green top
            img[135:180, x : x + 30] = (40, 40, 40)
            boxes.append([x0 + offset, 90.0, x0 + 30 + offset, 180.0])
        xr = int(x0)
        img[100:135, xr : xr + 30] = (0, 0, 200)  # the red one in front
        img[135:180, xr : xr + 30] = (120, 60, 20)
        b = np.array(boxes)
        return img, Detections(b, np.full(len(b), 0.9), np.zeros(len(b), np.int64))

    offsets = [None] * solo + [10.0] * 7 + [25.0] * 6
    return [frame(i, o) for i, o in enumerate(offsets)]


def _ids_while_overlapping(settings: TrackerSettings, step: float, solo: int = 3) -> tuple[int, int]:
    """(ids seen while the second box overlaps the first, ids on the last frame)."""
    t = Tracker(settings, rate=10.0)
    ids = [set(t.update(d, img).tracker_id.tolist()) for img, d in _pair_frames(step, solo)]
    return len(set().union(*ids[solo : solo + 7])), len(ids[-1])


@pytest.mark.parametrize("new_clear", [0.3, 0.0])
def test_no_new_track_inside_the_box_of_a_person_being_followed(new_clear: float) -> None:
    # the rule next to everyone (new_clear_speed 0), as session 3 had it
    overlapping, clear = _ids_while_overlapping(
        TrackerSettings(appearance=True, new_clear=new_clear, new_clear_speed=0.0, new_clear_lost=0.0), step=0.0
    )
    assert clear == 2  # standing clear, the second person is followed either way
    # while half inside the followed person's box, the second box starts no track (with the rule)
    assert overlapping == (1 if new_clear else 2)


def test_the_new_track_rule_holds_next_to_walkers_only() -> None:
    """Someone standing next to a standing person (a queue) gets a track at once; next to a walker
    (0.5 body heights per second, well above new_clear_speed) the box they share starts none."""
    default = TrackerSettings(appearance=True)
    assert default.new_clear > 0 and default.new_clear_speed > 0
    assert _ids_while_overlapping(default, step=0.0) == (2, 2)  # standing: both tracked while overlapping
    assert _ids_while_overlapping(default, step=4.5, solo=6) == (1, 2)  # walking: counted once clear
    fast = TrackerSettings(appearance=True, new_clear_speed=1.0)  # 0.5 h/s is below 1.0: no rule
    assert _ids_while_overlapping(fast, step=4.5, solo=6) == (2, 2)


def test_the_new_track_rule_does_not_hold_in_queue_zones() -> None:
    """A queue zone (0–1 coordinates) around the feet: the box next to a walker starts its track; a zone
    elsewhere changes nothing; zones can be swapped on a running tracker."""
    queue = ((0.0, 0.5), (1.0, 0.5), (1.0, 1.0), (0.0, 1.0))  # the lower half: the feet at y=180 of 240
    elsewhere = ((0.0, 0.0), (1.0, 0.0), (1.0, 0.3), (0.0, 0.3))
    walk = {"step": 4.5, "solo": 6}
    assert _ids_while_overlapping(TrackerSettings(appearance=True, open_zones=(queue,)), **walk) == (2, 2)
    assert _ids_while_overlapping(TrackerSettings(appearance=True, open_zones=(elsewhere,)), **walk) == (1, 2)
    t = Tracker(TrackerSettings(appearance=True, open_zones=(elsewhere,)), rate=10.0)
    frames = _pair_frames(4.5, 6)
    for img, d in frames[:6]:
        t.update(d, img)
    t.set_open_zones((queue,))
    seen = set().union(*(set(t.update(d, img).tracker_id.tolist()) for img, d in frames[6:13]))
    assert len(seen) == 2


def test_the_new_track_rule_holds_for_people_only() -> None:
    """Two cars (class 2) overlapping like a walker and someone behind them — cars queueing at a barrier —
    each get a track at once when the rule holds for people (class 0) only; people still get the rule."""
    people = TrackerSettings(appearance=True, people_classes=(0,))
    walk = {"step": 4.5, "solo": 6}
    assert _ids_while_overlapping(people, **walk) == (1, 2)
    t = Tracker(people, rate=10.0)
    cars = [(img, Detections(d.xyxy, d.confidence, np.full(len(d), 2))) for img, d in _pair_frames(**walk)]
    ids = [set(t.update(d, img).tracker_id.tolist()) for img, d in cars]
    assert len(set().union(*ids[6:13])) == 2 and len(ids[-1]) == 2


def test_still_people_in_workstation_zones_stay_people() -> None:
    """A low-score person already standing at a workstation when the track began (start of the analysis)
    is not taken for a static false positive: workstation, staff-only and PPE zones are open zones."""
    from app.config import CameraConfig
    from app.engine.pipeline import open_zones

    square = [[0.0, 0.5], [1.0, 0.5], [1.0, 1.0], [0.0, 1.0]]
    zones = [{"id": k, "name": k, "type": k, "points": square} for k in ("workstation", "staff_only", "ppe")]
    cam = CameraConfig.model_validate({"id": "c", "source": "x.mp4", "zones": zones})
    opened = open_zones(cam)
    assert len(opened) == 3
    for z in opened:
        assert _ids(TrackerSettings(appearance=True, open_zones=(z,)), _sign_frames(0.45))[-1]
    dept = cam.model_copy(update={"zones": [cam.zones[0].model_copy(update={"type": "department"})]})
    assert open_zones(dept) == ()


def _stretch() -> tuple[dict, list[tuple[int, np.ndarray, Detections]]]:
    rows = np.loadtxt(DATA / "vtest_nanodet_121_301.txt", delimiter=",")
    cap = cv2.VideoCapture(str(VIDEO))
    cap.set(cv2.CAP_PROP_POS_FRAMES, 120)
    frames = []
    for f in range(121, 302):
        ok, img = cap.read()
        assert ok
        r = rows[rows[:, 0] == f]
        frames.append((f, img, Detections(r[:, 1:5], r[:, 5], np.zeros(len(r), np.int64))))
    cap.release()
    gt = {f: v for f, v in read_mot(DATA / "vtest_gt.txt").items() if 121 <= f <= 301}
    return gt, frames


def test_identity_regression_on_the_crossings_of_the_demo() -> None:
    """Frames 121-301: the crossings at the top right and by the sign (41 labelled frames). The session-1
    tracker (no occlusion order, lost tracks kept after leaving, new tracks inside followed boxes) made 17 ID
    switches and IDF1 0.856 here."""
    gt, frames = _stretch()

    def score(conf: float = 0.2, **kw: object) -> tuple[float, int]:
        t = Tracker(TrackerSettings(appearance=True, new_track_thresh=0.5, **kw), rate=10.0)
        hyp = {}
        for f, img, d in frames:
            out = t.update(d[d.confidence >= conf], img)
            hyp[f] = (out.tracker_id, out.xyxy.astype(np.float64))
        m = evaluate(gt, hyp)
        return m.idf1, m.id_switches

    # as the app runs it: boxes from 0.2 reach the tracker, below the camera's 0.4 only for its second association;
    # the new-track rule next to walkers (and walkers lost < 0.5 s), static false positives (the defaults, session 4)
    idf1, switches = score(track_high_thresh=0.4, track_low_thresh=0.2)
    assert idf1 >= 0.88 and switches <= 11, (idf1, switches)  # 0.887 / 10 (session 4)
    s3 = score(track_high_thresh=0.4, track_low_thresh=0.2, new_clear_speed=0.0, new_clear_lost=0.0, static_after=0.0)  # 0.869 / 14
    assert s3[0] < idf1 and s3[1] > switches, s3
    off = score(track_high_thresh=0.4, track_low_thresh=0.2, new_clear=0.0, static_after=0.0)  # 0.857 / 16
    assert off[0] < s3[0] and off[1] > s3[1], off  # session 3's end default (rule off): worse still
    high = score(conf=0.4, new_clear_speed=0.0, new_clear_lost=0.0, static_after=0.0)  # without the low-score pass: 0.880 / 12
    assert high[0] >= 0.87 and high[1] <= 13, high
    old_idf1, old_switches = score(conf=0.4, depth_weight=0.0, drop_exited=False, new_clear=0.0, static_after=0.0)
    assert old_idf1 < 0.86 and old_switches > 14, (old_idf1, old_switches)  # the threshold tells them apart


def _sign_frames(score: float, n: int = 30, walk_in: int = 0, then: list | None = None) -> list:
    """A box (a sign, or a person) at x 100-130 for ``n`` frames, optionally walking in from the left
    over ``walk_in`` frames first; then the frames ``then`` (boxes with score 0.9)."""
    def picture(x: int) -> np.ndarray:
        img = np.full((240, 320, 3), 128, np.uint8)
        img[100:180, x : x + 30] = (60, 60, 60)
        return img

    img = picture(100)
    out = []
    for i in range(walk_in):
        x = 100 - 6 * (walk_in - i)
        out.append((picture(x), Detections(np.array([[x, 90.0, x + 30, 180.0]]), np.array([score]), np.array([0]))))
    for _ in range(n):
        out.append((img, Detections(np.array([[100.0, 90.0, 130.0, 180.0]]), np.array([score]), np.array([0]))))
    for boxes in then or []:
        b = np.array(boxes, float)
        out.append((picture(int(b[0, 0])), Detections(b, np.full(len(b), 0.9), np.zeros(len(b), np.int64))))
    return out


def _ids(settings: TrackerSettings, frames: list) -> list[set[int]]:
    t = Tracker(settings, rate=10.0)
    return [set(t.update(d, img).tracker_id.tolist()) for img, d in frames]


def test_a_static_low_score_box_stops_being_a_person() -> None:
    """A box that never moves with a mean score 0.45 is reported for 2 s, then no more; the same box at 0.9
    (someone standing), one that walked in first, one in a queue zone, and the rule off: reported to the end."""
    on = TrackerSettings(appearance=True)
    assert on.static_after == pytest.approx(2.0)
    ids = _ids(on, _sign_frames(0.45))
    assert ids[10] and not ids[-1]  # reported at first, not after 2 s
    assert _ids(on, _sign_frames(0.9))[-1]  # a standing person scores higher
    assert _ids(on, _sign_frames(0.45, walk_in=8))[-1]  # moved since the track began
    queue = ((0.0, 0.5), (1.0, 0.5), (1.0, 1.0), (0.0, 1.0))  # the feet (y 180 of 240) are inside
    assert _ids(TrackerSettings(appearance=True, open_zones=(queue,)), _sign_frames(0.45))[-1]
    assert _ids(TrackerSettings(appearance=True, static_after=0.0), _sign_frames(0.45))[-1]


def test_the_static_rule_holds_for_people_only() -> None:
    """A parked car (class 2) that never moves and scores low stays reported when the rule holds for people
    (class 0) only; a person's box in the same place does not. The pipeline takes the classes from the
    detector's names (a parking camera's car lost its plate reads when the rule held for every class)."""
    people = TrackerSettings(appearance=True, people_classes=(0,))
    car = [(img, Detections(d.xyxy, d.confidence, np.full(len(d), 2))) for img, d in _sign_frames(0.45)]
    assert _ids(people, car)[-1]
    assert not _ids(people, _sign_frames(0.45))[-1]
    assert not _ids(TrackerSettings(appearance=True), car)[-1]  # None: every class
    from app.config import SiteConfig
    from app.engine.pipeline import tracker_settings

    site = SiteConfig.model_validate({"site": {"name": "s"}, "cameras": []})
    assert tracker_settings(site, class_names=("bicycle", "person", "car")).people_classes == (1,)
    assert tracker_settings(site, class_names=("plate",)).people_classes == ()  # no people: neither rule
    assert tracker_settings(site, class_names=()).people_classes == ()  # names unknown to the detector: off
    assert tracker_settings(site).people_classes is None  # replays of people detections


def test_a_static_track_does_not_take_the_box_of_someone_next_to_it() -> None:
    """Once the sign's track is static, a person (dressed in the sign's colours) whose box is beside it (IoU
    0.43 with the sign's place) starts a track of their own; with the rule off the sign's track takes it (an ID switch for that person)."""
    beside = [[[112.0, 90.0, 142.0, 180.0]]] * 6
    on = _ids(TrackerSettings(appearance=True), _sign_frames(0.45, then=beside))
    off_settings = TrackerSettings(appearance=True, static_after=0.0)
    off = _ids(off_settings, _sign_frames(0.45, then=beside))
    sign_id = next(iter(off[5]))
    assert off[-1] == {sign_id}  # rule off: the person is reported under the sign's id
    assert len(on[-1]) == 1 and sign_id not in on[-1]  # rule on: a track of their own


def _hidden_walker_frames() -> list[tuple[np.ndarray, Detections]]:
    """A person in red walks right 5 px per frame for 8 frames, then is hidden (no box) for 8 frames."""

    def frame(i: int, seen: bool) -> tuple[np.ndarray, Detections]:
        img = np.full((240, 320, 3), 128, np.uint8)
        if not seen:
            return img, Detections.empty()
        x = int(60 + 5 * i)
        img[100:135, x : x + 30] = (0, 0, 200)
        img[135:180, x : x + 30] = (120, 60, 20)
        return img, Detections(np.array([[x, 90.0, x + 30, 180.0]]), np.array([0.9]), np.array([0]))

    return [frame(i, i < 8) for i in range(16)]


@pytest.mark.parametrize("lost", [0.5, 0.0])
def test_the_new_track_rule_holds_where_a_walker_just_lost_will_reappear(lost: float) -> None:
    """For ``new_clear_lost`` seconds after a walker is lost, their predicted box blocks new tracks like a
    followed person's (someone hidden behind another for a moment is re-found, not given a new id where the
    merged box is left over); after that, or with 0, it does not."""
    t = Tracker(TrackerSettings(appearance=True, new_clear_lost=lost), rate=10.0)
    blocked = []
    for img, d in _hidden_walker_frames():
        t.update(d, img)
        blocked.append(len(t._impl._followed))
    assert blocked[7] == 1  # followed and walking
    # taken before each frame's association: on the first hidden frame the walker is still followed, then
    # lost; 0.5 s at 10 Hz blocks for 4 more frames
    hidden = blocked[8:]
    expected = [1] * 5 + [0] * 3 if lost else [1] + [0] * 7
    assert hidden == expected, blocked
