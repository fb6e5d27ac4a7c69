"""Queue data in the store: alerts (open, acknowledge, snooze, resolved), series for charts, backtest."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from analytics.queue_backtest import CheckoutHistory, backtest, default_prior
from analytics.store_sim import SimConfig, simulate_store
from app.config import SiteConfig
from app.engine.queue_replay import SIM_EPOCH, write_simulation
from app.errors import UserError
from app.store import alerts, queue_stats
from app.store.db import open_store
from app.store.records import EventRecord, PhotoRecord
from app.store.sync import sync_site
from app.store.writer import StoreWriter

pytestmark = pytest.mark.timeout(300)

SITE = SiteConfig.model_validate(
    {
        "site": {"name": "Shop", "timezone": "Europe/Moscow"},
        "cameras": [
            {
                "id": "till",
                "source": "a.mp4",
                "zones": [{"id": "q", "type": "queue", "points": [[0, 0], [0.5, 0], [0.5, 1]]}],
            }
        ],
    }
)
JPEG = b"\xff\xd8\xff\xe0fakejpeg"


def alert(ts: float, kind: str, *, photos: bool = True) -> EventRecord:
    aid = f"till:q:{kind}:{round(ts * 1000)}"
    ph = (PhotoRecord(JPEG, "frame"), PhotoRecord(JPEG, "crop", (1.0, 2.0, 3.0, 4.0))) if photos else ()
    return EventRecord(
        "till", ts, "queue", "alert", None, "q", {"alert_id": aid, "kind": kind, "message": f"{kind}!"}, ph
    )


def alert_end(ts: float, kind: str, end: float) -> EventRecord:
    aid = f"till:q:{kind}:{round(ts * 1000)}"
    return EventRecord(
        "till", ts, "queue", "alert_end", None, "q", {"alert_id": aid, "kind": kind}, ts_end=end
    )


def test_alert_lifecycle(db_url: str, tmp_path: Path) -> None:
    store = open_store(db_url)
    cam = sync_site(store, SITE)["till"]
    with StoreWriter(store, tmp_path) as w:
        run = w.start_run(cam, "a.mp4")
        # the length and the wait alert are raised in the same frame; the length one clears later
        for ev in (alert(100.0, "length"), alert(100.0, "wait"), alert(200.0, "forecast", photos=False)):
            w.put_event(run, ev)
        w.put_event(run, alert_end(100.0, "length", 160.0))
        w.flush()
    rows = alerts.alerts(store)
    assert [(a.kind, a.status, a.ts_end) for a in rows] == [
        ("forecast", "open", None),
        ("wait", "open", None),
        ("length", "resolved", 160.0),
    ]
    assert [p.kind for p in rows[1].photos] == ["frame", "crop"] and rows[1].zone == "q"
    assert [a.kind for a in alerts.open_alerts(store)] == ["forecast", "wait"]
    wait_id = rows[1].event_id
    now = dt.datetime(2030, 1, 1, 12, 0, tzinfo=dt.UTC)
    until = alerts.snooze(store, wait_id, minutes=10, now=now)
    assert until == now + dt.timedelta(minutes=10)
    assert [a.kind for a in alerts.open_alerts(store, now=now + dt.timedelta(minutes=5))] == ["forecast"]
    assert [a.kind for a in alerts.open_alerts(store, now=now + dt.timedelta(minutes=11))] == [
        "forecast",
        "wait",
    ]
    alerts.acknowledge(store, rows[0].event_id, by="manager")
    (acked,) = alerts.alerts(store, status="acknowledged")
    assert acked.acknowledged_by == "manager" and acked.acknowledged_at is not None
    assert [a.kind for a in alerts.open_alerts(store, now=now + dt.timedelta(minutes=11))] == ["wait"]
    assert alerts.open_alerts(store, since=150.0, now=now) == []  # only alerts raised since then
    with pytest.raises(UserError, match="no alert with id"):
        alerts.acknowledge(store, 999_999)
    with store.engine.connect() as conn:
        end_id = conn.exec_driver_sql("select id from events where type = 'alert_end'").scalar()
    with pytest.raises(UserError, match="not an alert"):
        alerts.snooze(store, int(end_id), minutes=5)  # type: ignore[arg-type]
    store.close()


@pytest.fixture(scope="module")
def sim_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, object]:
    """Two simulated days written as the queue module would (SQLite)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('simdb') / 'sim.db'}"
    sim = simulate_store(SimConfig(), days=2, seed=4)
    store = open_store(url)
    counts = write_simulation(store, sim, alert_length=5)
    store.close()
    assert counts.alerts >= 1
    return url, sim


def test_series_waits_and_summary_for_the_dashboard(sim_db: tuple[str, object]) -> None:
    url, sim = sim_db
    store = open_store(url)
    s = queue_stats.queue_series(store, camera="checkout")
    assert len(s) > 1000 and s.attrs["timezone"] == "UTC"
    assert s["ts"].is_monotonic_increasing
    noon = SIM_EPOCH + 12 * 3600.0
    row = s[s["ts"] == noon].iloc[0]
    waiting, busy, open_n = sim.state_at(np.array([12 * 3600.0]))  # type: ignore[attr-defined]
    assert (row["length_raw"], row["in_service"], row["open_counters"]) == (waiting[0], busy[0], open_n[0])
    assert row["time"] == dt.datetime(2026, 11, 16, 12, 0)
    assert not np.isnan(row["forecast_15"]) and row["forecast_source"] == "entries"
    f10 = queue_stats.forecast_series(s, 10)
    assert f10["ts"].iloc[0] == s["ts"].iloc[0] + 600 and f10["forecast"].iloc[0] == s["forecast_10"].iloc[0]
    w = queue_stats.waits(store)
    assert len(w) == len(sim.join_ts)  # type: ignore[attr-defined]
    assert (w["outcome"] == "abandoned").sum() == sim.abandoned_count  # type: ignore[attr-defined]
    served = w[w["outcome"] == "served"]["wait"].to_numpy()
    assert served.mean() == pytest.approx(np.nanmean(sim.waits[~sim.abandoned]), rel=1e-3)  # type: ignore[attr-defined]
    (summary,) = queue_stats.queue_summary(store).itertuples()
    assert summary.queue_customers == len(sim.join_ts) and summary.queue_alerts >= 1  # type: ignore[attr-defined]
    assert summary.service_time_s == pytest.approx(75.0, rel=0.1)
    one_hour = queue_stats.queue_series(store, since=noon, until=noon + 3600)
    assert len(one_hour) == 60
    store.close()


def test_backtest_from_the_database_matches_the_simulation(sim_db: tuple[str, object]) -> None:
    url, sim = sim_db
    store = open_store(url)
    assert queue_stats.checkouts(store) == [("checkout", "queue")]
    h = queue_stats.checkout_history(store, "checkout", "queue")
    store.close()
    assert len(h.entries) == len(sim.entries) and len(h.joins) == len(sim.join_ts)  # type: ignore[attr-defined]
    from_db = backtest(h, prior=default_prior(), origin_step=300.0)
    direct = backtest(CheckoutHistory.from_sim(sim), prior=default_prior(), origin_step=300.0)  # type: ignore[arg-type]
    assert np.all(from_db.points > 100)
    np.testing.assert_allclose(from_db.mae["naive"], direct.mae["naive"], rtol=0.1)
    np.testing.assert_allclose(from_db.mae["forecast"], direct.mae["forecast"], rtol=0.15)
    assert from_db.beats_naive()


def test_learnt_arrival_model_from_the_database(sim_db: tuple[str, object]) -> None:
    url, _ = sim_db
    store = open_store(url)
    model = queue_stats.learn_arrival_model(store, site="Simulated store", until=SIM_EPOCH + 2 * 86400)
    store.close()
    assert model.arrivals > 1000 and model.overall is not None
    assert model.overall.share == pytest.approx(SimConfig().checkout_share, abs=0.08)
    assert model.source(13) == "hour" and model.kernel(13).mean_minutes < model.kernel(18).mean_minutes
