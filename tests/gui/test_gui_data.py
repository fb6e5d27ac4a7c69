"""The GUI's read helpers on a store with hand-made numbers (see tests/fixtures_stats.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from app.gui import data, event_data
from app.store.db import Store
from tests.fixtures_stats import T0, build_store

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = build_store(f"sqlite:///{tmp_path / 's.db'}", tmp_path)
    yield s
    s.close()


def _series(series: list[data.ZoneSeries], zone: str) -> tuple[list[float], list[int]]:
    s = next(x for x in series if x.zone == zone)
    return [round(t - T0, 3) for t in s.times], s.counts.tolist()


def test_occupancy_steps_from_the_stays(store: Store) -> None:
    occ = data.occupancy_series(store, camera="door")
    # dept_a stays [0,10) [5,25) [10,40) [15,55) [20,120): at 10 one leaves and one enters
    assert _series(occ, "dept_a") == ([0, 5, 10, 15, 20, 25, 40, 55, 120], [1, 2, 2, 3, 4, 3, 2, 1, 0])
    # queue stays touch at 90 ([60,90) and [90,120)): never two at once
    assert _series(occ, "queue") == ([60, 90, 120], [1, 1, 0])
    assert next(s for s in occ if s.zone == "dept_a").peak == 4
    # dept_b has a staff stay only
    assert _series(occ, "dept_b") == ([], [])
    staff = data.occupancy_series(store, camera="door", role="staff")
    assert _series(staff, "dept_b") == ([30, 80], [1, 0])


def test_occupancy_is_clipped_to_the_period(store: Store) -> None:
    occ = data.occupancy_series(store, T0 + 30, T0 + 60, camera="door")
    assert _series(occ, "dept_a") == ([30, 40, 55, 60], [3, 2, 1, 0])
    assert _series(occ, "queue") == ([], [])  # the first queue stay begins at the end of the period


def test_dwell_samples_are_named_by_camera_and_zone(store: Store) -> None:
    one = data.dwell_samples(store, camera="door")
    assert sorted(one["Dairy"].tolist()) == [10, 20, 30, 40, 100]
    assert one["Bakery"].tolist() == []  # staff stays left out for customers
    both = data.dwell_samples(store)
    assert sorted(both["Front door · Dairy"].tolist()) == [10, 20, 30, 40, 100]
    assert both["Front door · Checkout queue"].tolist() == [30, 30]
    late = data.dwell_samples(store, T0 + 12, None, camera="door")
    assert sorted(late["Dairy"].tolist()) == [40, 100]  # stays that began in the period


def test_dashboard_numbers(store: Store) -> None:
    d = data.dashboard(store)
    # entrance line only (the back door is a counting line): in 3 customers + 1 unknown; staff left out
    assert (d.kpis["in"], d.kpis["out"]) == (4, 2)
    assert d.hourly["in"].tolist() == [3, 0, 1] and d.daily["in"].tolist() == [4]
    assert d.kpis["visits"] == 5 and d.kpis["peak"] == 4 and d.kpis["peak_zone"] == "Dairy"
    assert [q.zone for q in d.queues] == ["queue"]
    assert d.has_data and d.tz == "Europe/Berlin"
    staff = data.dashboard(store, role="staff")
    assert (staff.kpis["in"], staff.kpis["visits"]) == (1, 1)
    empty = data.dashboard(store, T0 - 86400, T0 - 3600)
    assert not empty.has_data and empty.hourly.empty


@pytest.mark.parametrize(
    ("filters", "count", "check"),
    [
        ({"zone": "dept_a"}, 10, lambda e: e.zone == "dept_a"),
        ({"module": "footfall", "type": "in"}, 6, lambda e: (e.module, e.type) == ("footfall", "in")),
        ({"camera": "back"}, 1, lambda e: e.camera == "back"),
        ({"since": T0 + 100, "until": T0 + 130}, 3, lambda e: T0 + 100 <= e.ts < T0 + 130),
        ({"module": "zones", "zone": "queue", "type": "dwell"}, 2, lambda e: e.type == "dwell"),
        ({"zone": "nowhere"}, 0, None),
    ],
)
def test_find_events_filters(store: Store, filters, count, check) -> None:  # type: ignore[no-untyped-def]
    rows = event_data.find_events(store, **filters)
    assert len(rows) == count
    assert all(check(e) for e in rows) if check else True
    assert [e.ts for e in rows] == sorted((e.ts for e in rows), reverse=True)


def test_site_from_store_and_default_period(store: Store) -> None:
    site = data.site_from_store(store)
    assert site is not None and site.site.name == "Stats shop" and site.site.timezone == "Europe/Berlin"
    door = site.camera("door")
    assert door.name == "Front door" and [z.id for z in door.zones] == [
        "entrance",
        "dept_a",
        "dept_b",
        "queue",
    ]
    first, last = data.default_period(store)
    # the newest event is a visit at T0 + 150 s: 2026-11-20 in Berlin
    assert (first, last) == (dt.date(2026, 11, 14), dt.date(2026, 11, 20))


def test_event_frame_without_any_picture_says_so(store: Store, tmp_path: Path) -> None:
    ev = event_data.find_events(store, zone="dept_a", limit=1)[0]
    frame = event_data.event_frame(store, ev, tmp_path)
    assert frame.image is None and "no picture" in frame.note


def test_day_bounds_cover_whole_local_days() -> None:
    from zoneinfo import ZoneInfo

    lo, hi = data.day_bounds(dt.date(2026, 11, 20), dt.date(2026, 11, 21), ZoneInfo("Europe/Berlin"))
    assert hi - lo == 2 * 86400 and lo == T0 - 11 * 3600  # midnight in Berlin = 23:00 UTC the day before
    assert np.isclose(dt.datetime.fromtimestamp(lo, ZoneInfo("Europe/Berlin")).hour, 0)


def test_queue_series_from_the_queue_modules_snapshots(tmp_path: Path) -> None:
    from app.config import SiteConfig
    from app.store.db import open_store
    from app.store.records import EventRecord
    from app.store.sync import sync_site
    from app.store.writer import StoreWriter

    site = SiteConfig.model_validate(
        {
            "site": {"name": "Q"},
            "cameras": [
                {
                    "id": "tills",
                    "source": "t.mp4",
                    "zones": [
                        {
                            "id": "q1",
                            "name": "Till queue",
                            "type": "queue",
                            "points": [[0, 0], [1, 0], [1, 1]],
                        }
                    ],
                }
            ],
        }
    )
    store = open_store(f"sqlite:///{tmp_path / 'q.db'}")
    ids = sync_site(store, site)
    with StoreWriter(store, tmp_path) as w:
        run = w.start_run(ids["tills"], "t.mp4")
        for i, (n, most) in enumerate([(1.0, None), (2.0, 5.0), (4.0, 4.0)]):  # 5 waited at once before 60 s
            fc = {str(h): {"length": n + h / 5, "median": n, "wait": 30.0} for h in (5, 10, 15)}
            payload = {"checkout": "Till 1", "length": n, "length_raw": n, "forecast": fc}
            if most is not None:
                payload["length_peak"] = most
            w.put_event(run, EventRecord("tills", T0 + 60 * i, "queue", "snapshot", None, "q1", payload))
        w.flush()
    (q,) = data.queue_series(store)
    assert (q.label, q.zone) == ("Till queue", "q1")
    assert q.length.tolist() == [1.0, 2.0, 4.0] and (q.times - T0).tolist() == [0, 60, 120]
    # the most at once between snapshots (an old snapshot without it: its own count), as "Longest queue"
    assert q.peak.tolist() == [1.0, 5.0, 4.0]
    from app.store.metrics import checkout_numbers

    assert checkout_numbers(store)["queue_length_max"].max() == q.peak.max()
    # each forecast is drawn at the time it was for: 10 minutes after its snapshot
    assert (q.forecast_times - T0).tolist() == [600, 660, 720] and q.forecast_length.tolist() == [
        3.0,
        4.0,
        6.0,
    ]
    assert [(round(t - T0), v) for t, v in q.latest] == [(420, 5.0), (720, 6.0), (1020, 7.0)]
    d = data.dashboard(store)
    assert [s.zone for s in d.queue_forecast] == ["q1"]
    assert data.queue_series(store, T0 + 3600, None) == []
    store.close()


def test_dashboard_occupancy_and_stays_are_the_stats_numbers(store: Store, tmp_path: Path) -> None:
    """The dashboard draws :func:`stats.zone_occupancy` and :func:`stats.stay_seconds`: same stays, same role."""
    from app.config import SiteConfig
    from app.store import stats
    from app.store.records import EventRecord, TrackRecord
    from app.store.sync import sync_site
    from app.store.writer import StoreWriter
    from tests.fixtures_stats import SITE

    cams = sync_site(store, SiteConfig.model_validate(SITE))
    with StoreWriter(store, tmp_path) as w:
        run = w.start_run(cams["door"], "later.mp4")
        # the events were stored as "customer" / "staff", the tracks were decided the other way later:
        # the track's final role counts (as in the stats), not the role at the time of the event
        for tracker, role, start, dur in ((7, "staff", 200, 60), (8, "customer", 300, 30)):
            w.put_track(run, TrackRecord("door", tracker, 0, T0 + start, T0 + start + dur, 9, role=role))
            w.put_event(
                run,
                EventRecord(
                    "door", T0 + start, "zones", "dwell", tracker, "dept_b",
                    {"role": "customer" if role == "staff" else "staff", "duration": dur},
                    ts_end=T0 + start + dur,
                ),
            )  # fmt: skip
        w.flush()
    bakery = next(s for s in data.occupancy_series(store, camera="door") if s.zone == "dept_b")
    assert (bakery.times.tolist(), bakery.counts.tolist()) == ([T0 + 300, T0 + 330], [1, 0])
    assert data.dwell_samples(store, camera="door")["Bakery"].tolist() == [30.0]

    for role in stats.ROLES:
        for since, until in ((None, None), (T0 + 22, T0 + 50), (T0 + 250, T0 + 320), (T0 + 500, T0 + 900)):
            d = data.dashboard(store, since, until, camera="door", role=role)
            peaks = stats.occupancy_peaks(store, since, until, camera="door", role=role)
            assert {s.zone: s.peak for s in d.occupancy} == dict(zip(peaks.zone, peaks.peak, strict=True))
            dwell = stats.dwell_by_zone(store, since, until, camera="door", role=role)
            assert {k: len(v) for k, v in d.dwell.items()} == dict(
                zip(dwell.zone_name, dwell.stays, strict=True)
            )
            assert d.kpis["stays"] == dwell.stays.sum() and d.kpis["peak"] == max(peaks.peak, default=0)
