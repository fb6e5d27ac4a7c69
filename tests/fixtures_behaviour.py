"""A store with hand-made behaviour events (reaches, postures, visits, consultations) for tests.

Site "Pose shop" in Europe/Berlin (UTC+1 in November); T0 = 2026-11-20 10:00 UTC = 11:00 local.
The expected numbers are worked out in tests/store/test_behaviour_stats.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.config import SiteConfig
from app.store.db import Store, open_store
from app.store.records import EventRecord
from app.store.schema import RunStatus
from app.store.sync import sync_site
from app.store.writer import StoreWriter

T0 = 1_795_168_800.0
SITE: dict[str, Any] = {
    "site": {"name": "Pose shop", "timezone": "Europe/Berlin"},
    "cameras": [
        {
            "id": "shop",
            "source": "shop.mp4",
            "zones": [
                {
                    "id": "shelf_a",
                    "name": "Coffee",
                    "type": "shelf",
                    "points": [[0, 0], [0.2, 0], [0.2, 0.5]],
                },
                {"id": "shelf_b", "name": "Tea", "type": "shelf", "points": [[0.3, 0], [0.5, 0], [0.5, 0.5]]},
                {"id": "queue", "type": "queue", "points": [[0.6, 0], [1, 0], [1, 0.5]]},
                {"id": "dept", "type": "department", "points": [[0, 0.5], [1, 0.5], [1, 1]]},
            ],
        }
    ],
}


def _ev(
    t: float,
    module: str,
    typ: str,
    track: int,
    *,
    end: float | None = None,
    zone: str | None = None,
    **payload: Any,
) -> EventRecord:
    return EventRecord(
        "shop", T0 + t, module, typ, track_id=track, zone_id=zone, payload=payload,
        ts_end=None if end is None else T0 + end,
    )  # fmt: skip


def _events() -> list[EventRecord]:
    return [
        # reaches: local 11:00 → Coffee: track 1 twice (2 s, 4 s), track 2 (3 s), staff 9 (5 s); Tea: track 2 (6 s)
        _ev(60, "shelf", "reach", 1, end=62, zone="shelf_a", role="customer", hand="right", duration=2),
        _ev(120, "shelf", "reach", 1, end=124, zone="shelf_a", role="customer", hand="left", duration=4),
        _ev(200, "shelf", "reach", 9, end=205, zone="shelf_a", role="staff", hand="right", duration=5),
        _ev(500, "shelf", "reach", 2, end=506, zone="shelf_b", role="unknown", hand="both", duration=6),
        _ev(3000, "shelf", "reach", 2, end=3003, zone="shelf_a", role="unknown", hand="right", duration=3),
        # local 12:00 → Coffee: track 3 (1 s)
        _ev(3700, "shelf", "reach", 3, end=3701, zone="shelf_a", role="customer", hand="right", duration=1),
        # postures
        _ev(0, "pose", "posture", 1, end=10, posture="standing", role="customer"),
        _ev(10, "pose", "posture", 1, end=40, posture="walking", role="customer"),
        _ev(100, "pose", "posture", 2, end=106, posture="bending", role="unknown"),
        _ev(0, "pose", "posture", 9, end=100, posture="sitting", role="staff"),
        # visits (customers unless said), their checkout entries and consultations
        _ev(0, "visits", "visit", 1, end=300, tracks=[1], zones=["dept", "queue"], role="customer"),
        _ev(50, "contact", "consultation", 1, end=80, staff_track=9, customer_track=1, role="customer"),
        _ev(100, "zones", "enter", 1, zone="queue", role="customer"),  # after the talk: converted
        _ev(400, "visits", "visit", 2, end=700, tracks=[2, 5], zones=["queue", "dept"], role="unknown"),
        _ev(450, "zones", "enter", 2, zone="queue", role="unknown"),  # before the talk: not converted by it
        _ev(600, "contact", "consultation", 5, end=640, staff_track=9, customer_track=5, role="customer"),
        _ev(800, "visits", "visit", 3, end=900, tracks=[3], zones=["queue"], role="customer"),
        _ev(850, "zones", "enter", 3, zone="queue", role="customer"),
        _ev(1000, "visits", "visit", 4, end=1100, tracks=[4], zones=["dept"], role="customer"),
        _ev(1050, "zones", "enter", 4, zone="dept", role="customer"),  # not a checkout zone
        _ev(1200, "visits", "visit", 6, end=1300, tracks=[6], zones=[], role="customer"),
        _ev(1400, "visits", "visit", 9, end=2000, tracks=[9], zones=["queue"], role="staff"),
        _ev(1500, "zones", "enter", 9, zone="queue", role="staff"),
    ]


def build_behaviour_store(url: str, data_dir: Path) -> Store:
    """Open ``url``, sync the site and write the events above through a :class:`StoreWriter`."""
    st = open_store(url)
    cams = sync_site(st, SiteConfig.model_validate(SITE))
    with StoreWriter(st, data_dir) as w:
        run = w.start_run(cams["shop"], "shop.mp4")
        for e in _events():
            w.put_event(run, e)
        w.finish_run(run, RunStatus.COMPLETE, frames=10, first_ts=T0, last_ts=T0 + 4000)
        w.flush()
        assert w.stats().dropped == 0
    return st
