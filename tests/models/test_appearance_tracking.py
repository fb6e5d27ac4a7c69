"""The appearance cue: colour features tell the demo's people apart, and the tracker with it keeps
identities better than without on the hand-labelled demo frames (real detector, real video)."""

from pathlib import Path

import cv2
import numpy as np
import pytest

from analytics.mot_eval import evaluate, read_mot
from analytics.types import Detections
from models.appearance import FEATURE_DIM, body_colour_features
from models.tracking import Tracker, TrackerSettings

ROOT = Path(__file__).resolve().parents[2]
TRUTH = ROOT / "tests" / "data" / "tracking" / "vtest_gt.txt"
VIDEO = ROOT / "resources" / "demo" / "vtest.avi"


def _frame(n: int) -> np.ndarray:
    cap = cv2.VideoCapture(str(VIDEO))
    cap.set(cv2.CAP_PROP_POS_FRAMES, n - 1)
    ok, img = cap.read()
    cap.release()
    assert ok
    return img


def test_features_are_normalised_and_handle_tiny_boxes() -> None:
    img = _frame(161)
    f = body_colour_features(img, np.array([[0, 0, 2, 2], [100, 100, 140, 200], [-50, -50, -10, -10]]))
    assert f.shape == (3, FEATURE_DIM)
    assert not f[0].any() and not f[2].any()
    assert float(np.linalg.norm(f[1])) == pytest.approx(1.0, abs=1e-5)


def test_same_person_is_closer_than_other_people() -> None:
    """On labelled frames 150-180: a person's feature one frame later is nearer than anyone else's."""
    gt = read_mot(TRUTH)
    wins = total = 0
    for f in range(150, 180):
        a_ids, a_box = gt[f]
        b_ids, b_box = gt[f + 1]
        fa = body_colour_features(_frame(f), a_box)
        fb = body_colour_features(_frame(f + 1), b_box)
        sim = fa @ fb.T
        for i, pid in enumerate(a_ids.tolist()):
            if pid in b_ids.tolist():
                total += 1
                wins += int(b_ids[int(np.argmax(sim[i]))] == pid)
    assert total > 150
    assert wins / total >= 0.8


@pytest.mark.slow
def test_appearance_improves_identity_on_the_demo() -> None:
    """NanoDet on frames 100-260 (the crossings), tracked with and without the appearance cue."""
    from models.base import DetectorSettings
    from models.nanodet import NanoDetBackend

    det = NanoDetBackend(DetectorSettings(confidence=0.4, classes=(0,)))
    cap = cv2.VideoCapture(str(VIDEO))
    cap.set(cv2.CAP_PROP_POS_FRAMES, 99)
    frames = []
    for n in range(100, 261):
        ok, img = cap.read()
        assert ok
        frames.append((n, img, det.predict(img)))
    gt = {f: v for f, v in read_mot(TRUTH).items() if 100 <= f <= 260}

    def score(appearance: bool) -> float:
        t = Tracker(TrackerSettings(appearance=appearance, new_track_thresh=0.5), rate=10.0)
        hyp = {}
        for n, img, d in frames:
            out = t.update(Detections(d.xyxy, d.confidence, d.class_id), img)
            hyp[n] = (out.tracker_id, out.xyxy.astype(np.float64))
        return evaluate(gt, hyp).idf1

    with_app, without = score(True), score(False)
    assert with_app > without
