"""A day of one shop's staff, written through the real writer (timesheet store and CLI tests).

Site "Time shop" in Europe/Berlin; Friday 2026-11-20. Anna (code A1, 09:00–18:00 mon-fri, works at the
till) is seen on two cameras with a 5-minute blind spot and two breaks; Boris is scheduled but never
seen; Clara works only on Saturdays; one member of staff nobody identified and one customer appear in
the afternoon. The expected numbers are worked out in the tests.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from app.config import SiteConfig
from app.store.db import Store, open_store
from app.store.employees import Schedule, add_employee
from app.store.records import EventRecord, TrackRecord
from app.store.schema import RunStatus
from app.store.sync import sync_site
from app.store.writer import StoreWriter

DAY = dt.date(2026, 11, 20)  # a Friday; Berlin is UTC+1
MIDNIGHT = dt.datetime(2026, 11, 20, tzinfo=dt.timezone(dt.timedelta(hours=1))).timestamp()
H, MIN = 3600.0, 60.0
SITE = SiteConfig.model_validate(
    {
        "site": {"name": "Time shop", "timezone": "Europe/Berlin"},
        "cameras": [
            {
                "id": "floor",
                "source": "f.mp4",
                "zones": [
                    {"id": "till", "type": "workstation", "points": [[0, 0], [0.3, 0], [0.3, 1], [0, 1]]},
                    {"id": "bench", "type": "workstation", "points": [[0.7, 0], [1, 0], [1, 1], [0.7, 1]]},
                ],
            },
            {"id": "back", "source": "b.mp4"},
        ],
    }
)


def at(hours: float) -> float:
    return MIDNIGHT + hours * H


def build(url: str, data_dir: Path) -> tuple[Store, int, int]:
    store = open_store(url)
    anna = add_employee(store, "Anna", code="A1", schedule=Schedule.parse("09:00", "18:00", "mon-fri"),
                        workstations=["floor:till"])  # fmt: skip
    boris = add_employee(store, "Boris", schedule=Schedule.parse("10:00", "14:00", "fri"))
    add_employee(store, "Clara", schedule=Schedule.parse("10:00", "14:00", "sat"))  # off on Fridays
    cams = sync_site(store, SITE)
    with StoreWriter(store, data_dir) as w:
        floor = w.start_run(cams["floor"], "f.mp4")
        back = w.start_run(cams["back"], "b.mp4")
        # Anna: 09:07 → 11:00 on the floor, a 5-minute blind spot, 11:05 → 12:30, lunch till 13:15,
        # 13:15 → 15:00 floor + 14:55 → 15:20 back room (overlap), coffee 15:20 → 15:40, 15:40 → 17:50.
        anna_tracks = [(1, floor, 9 + 7 / 60, 11.0), (2, floor, 11 + 5 / 60, 12.5), (3, floor, 13.25, 15.0),
                       (4, back, 14 + 55 / 60, 15 + 20 / 60), (5, floor, 15 + 40 / 60, 17 + 50 / 60)]  # fmt: skip
        for tid, run, a, b in anna_tracks:
            cam = "floor" if run == floor else "back"
            w.put_track(run, TrackRecord(cam, tid, 0, at(a), at(b), 100, "staff", 0.95, employee_id=anna.id))
        # a staff member nobody identified, 16:00 → 16:30 on the floor; and a customer
        w.put_track(floor, TrackRecord("floor", 20, 0, at(16), at(16.5), 50, "staff", 0.9))
        w.put_track(floor, TrackRecord("floor", 21, 0, at(16), at(16.2), 50, "customer", 0.9))
        # Anna at the till 09:10–10:00 and 10:30–11:00, at the bench (not hers) 13:30–14:00
        for tid, zone, a, b in (
            (1, "till", 9 + 10 / 60, 10.0),
            (1, "till", 10.5, 11.0),
            (3, "bench", 13.5, 14.0),
        ):
            w.put_event(floor, EventRecord("floor", at(a), "zones", "dwell", tid, zone, {"role": "staff"},
                                           ts_end=at(b)))  # fmt: skip
        # consultations: Anna (track 2) 4 min and 6 min overlapping 1 min; the unidentified one 2 min
        for a, b, staff in (
            (11.5, 11.5 + 4 / 60, 2),
            (11.5 + 3 / 60, 11.5 + 9 / 60, 2),
            (16.1, 16.1 + 2 / 60, 20),
        ):
            w.put_event(floor, EventRecord("floor", at(a), "contact", "consultation", 21, None,
                                           {"staff_track": staff, "customer_track": 21}, ts_end=at(b)))  # fmt: skip
        for run in (floor, back):
            w.finish_run(run, RunStatus.COMPLETE, frames=1, first_ts=at(8), last_ts=at(19))
        w.flush()
        assert w.stats().dropped == 0
    return store, anna.id, boris.id
