"""Write the built-in NanoDet's person detections (score >= 0.2: the tracker also gets the boxes below the camera confidence 0.4, for its low-score pass) on frames 121-301 of the demo video to
vtest_nanodet_121_301.txt (``frame,x1,y1,x2,y2,score``; frames 1-based), the cached stretch the tracker's
regression test replays (tests/models/test_tracking_identity.py) so it needs no detector run.

Usage (from the repository root): python tests/data/tracking/make_nanodet_stretch.py
"""

import sys
from pathlib import Path

import cv2

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT))

from models.base import DetectorSettings  # noqa: E402
from models.nanodet import NanoDetBackend  # noqa: E402

FIRST, LAST = 121, 301


def main() -> None:
    det = NanoDetBackend(DetectorSettings(confidence=0.2, classes=(0,)))
    cap = cv2.VideoCapture(str(ROOT / "resources" / "demo" / "vtest.avi"))
    cap.set(cv2.CAP_PROP_POS_FRAMES, FIRST - 1)
    lines = []
    for f in range(FIRST, LAST + 1):
        ok, img = cap.read()
        if not ok:
            raise SystemExit(f"cannot read frame {f}")
        d = det.predict(img)
        for (x1, y1, x2, y2), s in zip(d.xyxy.tolist(), d.confidence.tolist(), strict=True):
            lines.append(f"{f},{x1:.2f},{y1:.2f},{x2:.2f},{y2:.2f},{s:.4f}")
    (HERE / f"vtest_nanodet_{FIRST}_{LAST}.txt").write_text("\n".join(lines) + "\n")
    print(len(lines), "detections")


if __name__ == "__main__":
    main()
