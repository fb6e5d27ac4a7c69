"""Staff–customer contact (consultations): table-driven synthetic sequences of two people."""

from __future__ import annotations

import numpy as np
import pytest

from analytics.contact import ContactDetector
from analytics.types import Detections

FPS = 10.0


def _two(gap_heights: float, h: float = 100.0, *, second: bool = True) -> Detections:
    """Person 1 at x 200 and person 2 ``gap_heights`` box heights to the right (feet at y 400)."""
    xs = [200.0, 200.0 + gap_heights * h] if second else [200.0]
    boxes = [[x - 0.2 * h, 400 - h, x + 0.2 * h, 400] for x in xs]
    return Detections(boxes, [0.9] * len(xs), [0] * len(xs), [1, 2][: len(xs)])


def _run(
    script: list[tuple[float, float]], roles: dict[int, str] | None, h: float = 100.0, **kw: float
) -> list[tuple[str, int, int, float, float]]:
    cd = ContactDetector(**kw)
    out = []
    t = 0.0
    for seconds, gap in script:
        for _ in range(round(seconds * FPS)):
            d = _two(gap, h) if gap >= 0 else _two(0, h, second=False)  # gap < 0: person 2 unseen
            out += cd.update(d, round(t, 3), roles=roles)
            t += 1 / FPS
    out += cd.flush(t)
    return [(e.kind, e.staff_id, e.customer_id, round(e.start_ts, 2), round(e.ts, 2)) for e in out]


STAFF_1 = {1: "staff", 2: "customer"}


@pytest.mark.parametrize(
    ("script", "roles", "kw", "expected"),
    [
        ([(6.0, 0.5)], STAFF_1, {}, [("start", 1, 2, 0.0, 5.0), ("end", 1, 2, 0.0, 5.9)]),
        ([(4.0, 0.5), (2.0, 3.0)], STAFF_1, {}, []),  # too short
        ([(6.0, 0.5)], None, {}, []),  # no roles: nobody is staff
        ([(6.0, 0.5)], {1: "staff", 2: "staff"}, {}, []),  # colleagues
        (
            [(6.0, 0.5)],
            {1: "staff"},
            {},
            [("start", 1, 2, 0.0, 5.0), ("end", 1, 2, 0.0, 5.9)],
        ),  # unknown = customer
        ([(6.0, 0.5)], {2: "staff"}, {}, [("start", 2, 1, 0.0, 5.0), ("end", 2, 1, 0.0, 5.9)]),
        ([(6.0, 1.2)], STAFF_1, {}, []),  # more than one box height apart
        ([(6.0, 1.2)], STAFF_1, {"distance": 1.5}, [("start", 1, 2, 0.0, 5.0), ("end", 1, 2, 0.0, 5.9)]),
        # a 1 s break (apart, then out of sight) inside the allowed gap: one contact
        (
            [(3.0, 0.5), (0.5, 3.0), (0.5, -1), (3.0, 0.5)],
            STAFF_1,
            {},
            [("start", 1, 2, 0.0, 5.0), ("end", 1, 2, 0.0, 6.9)],
        ),
        ([(3.0, 0.5), (2.0, 3.0), (3.0, 0.5)], STAFF_1, {}, []),  # a 2 s break: two short ones
        ([(3.0, 0.5)], STAFF_1, {"min_seconds": 2.0}, [("start", 1, 2, 0.0, 2.0), ("end", 1, 2, 0.0, 2.9)]),
    ],
)
def test_contacts(
    script: list[tuple[float, float]],
    roles: dict[int, str] | None,
    kw: dict[str, float],
    expected: list[tuple],
) -> None:
    assert _run(script, roles, **kw) == expected


@pytest.mark.parametrize("h", [40.0, 100.0, 300.0])
def test_distance_is_in_box_heights(h: float) -> None:
    """Far from the camera or near it, half a body height apart is close and two are not."""
    assert _run([(6.0, 0.5)], STAFF_1, h=h)
    assert not _run([(6.0, 2.0)], STAFF_1, h=h)


def test_report_carries_min_distance_and_both_boxes() -> None:
    cd = ContactDetector(min_seconds=1.0)
    events = []
    for i, gap in enumerate([0.8] * 5 + [0.3] * 10):
        events += cd.update(_two(gap), i / FPS, roles=STAFF_1)
    (start,) = events
    assert start.min_distance == pytest.approx(0.3)
    assert start.box == pytest.approx((180.0, 300.0, 250.0, 400.0))
    assert np.isfinite(start.duration)
