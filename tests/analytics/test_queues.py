"""QueueMonitor on hand-built tracks: waiting time, abandonment, service, open counters, smoothing."""

from __future__ import annotations

import math

import numpy as np
import pytest

from analytics.queues import QueueMonitor, QueueSnapshot
from analytics.types import Detections

# The queue is x in [0, 100), the counter x in [200, 300); between them a gap (100..200).
QUEUE = [(0, 0), (100, 0), (100, 100), (0, 100)]
COUNTER = [(200, 0), (300, 0), (300, 100), (200, 100)]
Q, GAP, C, AWAY = 50.0, 150.0, 250.0, 500.0
FPS = 10


def people(*objs: tuple[int, float]) -> Detections:
    """Detections from (track id, anchor x) at y = 50."""
    return Detections(
        xyxy=np.array([[x - 5, 10, x + 5, 50] for _, x in objs], dtype=np.float32).reshape(-1, 4),
        confidence=[0.9] * len(objs),
        class_id=[0] * len(objs),
        tracker_id=[t for t, _ in objs],
    )


def monitor(**kw: object) -> QueueMonitor:
    args: dict[str, object] = {"min_frames": 3, "handoff_seconds": 5.0, "min_wait": 5.0, "smoothing": 0.0}
    args.update(kw)
    return QueueMonitor(QUEUE, {"till": COUNTER}, **args)  # type: ignore[arg-type]


def walk(
    m: QueueMonitor, plan: list[tuple[float, float | None]], tid: int = 1, t0: float = 0.0
) -> list[QueueSnapshot]:
    """Feed one person: plan is [(seconds, x or None for not seen)], 10 frames a second."""
    snaps = []
    ts = t0
    for seconds, x in plan:
        for _ in range(round(seconds * FPS)):
            snaps.append(m.update(people((tid, x)) if x is not None else Detections.empty(), ts))
            ts = round(ts + 1 / FPS, 6)
    return snaps


def outcomes(snaps: list[QueueSnapshot]) -> list[tuple[str, float]]:
    return [(o.kind, round(o.wait, 3)) for s in snaps for o in s.outcomes]


CASES = [
    # name, plan of (seconds, x), expected outcomes (kind, wait seconds)
    ("waits 30 s, then steps up to the counter", [(30, Q), (10, C), (5, AWAY)], [("served", 30.0)]),
    ("crosses a gap of 3 s to the counter (handoff)", [(20, Q), (3, GAP), (10, C), (5, AWAY)], [("served", 23.0)]),
    ("waits 20 s, then walks away", [(20, Q), (10, AWAY)], [("abandoned", 20.0)]),
    ("dawdles 8 s in the gap, never reaching the counter in time", [(20, Q), (8, GAP), (5, C), (5, AWAY)],
     [("abandoned", 20.0)]),
    ("passes through the queue zone in 2 s", [(1, AWAY), (2, Q), (10, AWAY)], []),
    ("is lost by the tracker inside the queue", [(25, Q), (10, None)], [("lost", 24.9)]),
    ("walks straight to the counter (no queue)", [(2, AWAY), (10, C), (5, AWAY)], []),
]  # fmt: skip


@pytest.mark.parametrize(("name", "plan", "expected"), CASES, ids=[c[0] for c in CASES])
def test_waiting_time_and_abandonment(name: str, plan: list, expected: list) -> None:
    snaps = walk(monitor(), plan)
    assert outcomes(snaps) == expected
    last = snaps[-1]
    assert last.served == sum(1 for k, _ in expected if k == "served")
    assert last.abandoned == sum(1 for k, _ in expected if k == "abandoned")
    assert last.joined == len(expected)
    assert last.length_raw == 0


def test_length_counts_everyone_waiting_but_staff() -> None:
    m = monitor()
    for i in range(10):
        s = m.update(people((1, Q), (2, Q + 10), (3, Q + 20), (9, AWAY)), i / FPS, roles={3: "staff"})
    assert s.length_raw == 2
    assert s.wait_now == pytest.approx(0.9)


def test_service_rate_time_and_variability() -> None:
    m = monitor(service_window=600.0)
    snaps: list[QueueSnapshot] = []
    t = 0.0
    for tid, service in ((1, 40.0), (2, 60.0), (3, 80.0)):  # one after another, each queued 10 s
        snaps += walk(m, [(10, Q), (service, C), (2, AWAY)], tid=tid, t0=t)
        t = snaps[-1].ts + 1.0
    services = [(s.counter, s.queued, round(s.duration, 3)) for snap in snaps for s in snap.services]
    assert services == [("till", True, 40.0), ("till", True, 60.0), ("till", True, 80.0)]
    last = snaps[-1]
    assert last.service_time == pytest.approx(60.0)
    assert last.service_rate == pytest.approx(3 * 60.0 / last.ts, rel=1e-3)  # 3 served in the elapsed time
    assert last.wait_recent == pytest.approx(10.0)
    assert last.service_cv2 == 1.0  # fewer than 5 services: assumed exponential


def test_open_counters_configured_staff_activity() -> None:
    assert monitor(counters_open=2).update(Detections.empty(), 0.0).open_counters == 2
    m = monitor(open_window=60.0)
    assert m.update(Detections.empty(), 0.0).counters_source == "assumed"
    s = m.update(Detections.empty(), 61.0)
    assert (s.open_counters, s.counters_source) == (0, "activity")  # nobody served for a minute
    snaps = walk(m, [(1, C)], tid=5, t0=62.0)
    assert (snaps[-1].open_counters, snaps[-1].counters_source) == (1, "activity")
    staffed = monitor(open_window=60.0)
    for i in range(5):
        s = staffed.update(people((8, C)), i / FPS, roles={8: "staff"})
    assert (s.open_counters, s.counters_source, s.in_service) == (1, "staff", 0)
    s = staffed.update(Detections.empty(), 100.0)
    assert s.open_counters == 0  # the cashier left more than a minute ago


def test_length_is_smoothed_over_time() -> None:
    m = monitor(smoothing=10.0, min_frames=1)
    m.update(Detections.empty(), 0.0)
    s = m.update(people((1, Q), (2, Q), (3, Q)), 10.0)
    assert s.length_raw == 3
    assert s.length == pytest.approx(3 * (1 - math.exp(-1)))


def test_flush_closes_waits_as_lost_and_services() -> None:
    m = monitor()
    walk(m, [(12, Q)], tid=1)
    walk(m, [(8, C)], tid=2, t0=0.0)
    s = m.flush(20.0)
    assert [(o.kind, o.track_id) for o in s.outcomes] == [("lost", 1)]
    assert [(x.track_id, x.queued) for x in s.services] == [(2, False)]
