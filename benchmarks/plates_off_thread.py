"""Camera-thread cost of the plate stage inline vs off-thread on a generated 30-frame clip at 10 fps (issue 14)."""

import time

import numpy as np

from analytics.types import Detections, Frame
from app.engine.plates_stage import PlateStage
from app.engine.stages import OffThreadStage
from app.modules.plates.settings import PlatesSettings
from models.plates.reader import PlateReader
from models.plates.synth import render_clip

clip = render_clip(np.random.default_rng(2027), 30)
reader = PlateReader("haar")
for name, make in (
    ("inline", lambda: PlateStage("g", PlatesSettings(enabled=True, settle_after=0), reader)),
    (
        "off-thread",
        lambda: OffThreadStage(PlateStage("g", PlatesSettings(enabled=True, settle_after=0), reader)),
    ),
):
    st = make()
    ms = []
    ev = []
    for i, s in enumerate(clip):
        d = Detections([s.car_box], [0.9], [2], [7])
        t = time.perf_counter()
        ev += st.process(Frame("g", i, 100 + 0.1 * i, s.image), d)
        ms.append((time.perf_counter() - t) * 1e3)
        time.sleep(0.1)  # a 10 fps camera
    ev += st.close(200)
    r = next(e for e in ev if e.type == "read").payload
    print(
        f"{name:10s} camera-thread ms/frame median {np.median(ms):6.2f} p90 {np.percentile(ms, 90):6.2f}  text {r['text']} reads {r['reads']} votes {r['votes']} skipped {getattr(st, 'skipped', 0)}"
    )
