"""The demo database gets queue series, waits and a length and a wait alert with photos (real video, real detector)."""

from __future__ import annotations

import pytest

from app.store import alerts, queue_stats
from app.store.db import open_store
from tests.fixtures_demo import DemoRun


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_demo_database_has_queue_series_and_alerts(demo_db: DemoRun) -> None:
    out = demo_db.folder  # the session's shared demo run (tests/fixtures_demo.py)
    store = open_store(demo_db.url)
    series = queue_stats.queue_series(store, camera="walkway", zone="checkout_queue")
    assert len(series) >= 15  # every 5 s of the 79 s clip, and one at the end
    assert series["length_raw"].max() >= 2 and series["forecast_5"].notna().all()
    w = queue_stats.waits(store)
    assert (w["outcome"] == "served").sum() >= 3 and (w["wait"] >= 0).all()
    raised = alerts.alerts(store)
    # the demo's low thresholds raise a queue-length and a wait alert (docs/screenshots/alerts.png
    # shows the two latest as cards)
    assert {"length", "wait"} <= {a.kind for a in raised}, [a.message for a in raised]
    first = raised[-1]
    assert first.kind in ("length", "wait", "forecast") and first.message.startswith("Checkout queue:")
    assert sorted(p.kind for p in first.photos) == ["crop", "frame"]
    for p in first.photos:
        assert (out / p.path).stat().st_size == p.bytes
    assert all(a.status == "resolved" for a in raised)  # the end of the video clears them
    store.close()
