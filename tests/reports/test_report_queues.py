"""Queue sheets from stored queue events (the queue module's snapshots, waits and alerts)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from app.config import SiteConfig
from app.reports.builder import build_report
from app.reports.excel import write_xlsx
from app.store.db import open_store
from app.store.records import EventRecord
from app.store.schema import RunStatus
from app.store.sync import sync_site
from app.store.writer import StoreWriter
from tests.reports.report_support import seconds, sheet_rows, sheet_xml, summary_rows

pytestmark = pytest.mark.timeout(120)

T0 = 1_795_168_800.0  # 2026-11-20 10:00 UTC

SITE: dict[str, Any] = {
    "site": {"name": "Queue shop", "timezone": "UTC"},
    "cameras": [
        {
            "id": "till",
            "name": "Tills",
            "source": "t.mp4",
            "zones": [
                {"id": "q1", "name": "Queue 1", "type": "queue", "points": [[0, 0], [0.5, 0], [0.5, 1]]},
                {"id": "c1", "name": "Counter 1", "type": "counter", "points": [[0.5, 0], [1, 0], [1, 1]]},
            ],
        }
    ],
}


def test_queue_sheets_chart_and_key_numbers(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'q.db'}")
    cams = sync_site(store, SiteConfig.model_validate(SITE))
    with StoreWriter(store, tmp_path) as w:
        run = w.start_run(cams["till"], "t.mp4")

        def put(t: float, typ: str, **payload: Any) -> None:
            w.put_event(run, EventRecord("till", T0 + t, "queue", typ, zone_id="q1", payload=payload,
                                         ts_end=T0 + t + payload.get("wait", 0)))  # fmt: skip

        # snapshots every 10 min: 10:00 hour lengths 1, 3, 2 (raw 1, 4, 2); 11:00 hour 5 (raw 6)
        for t, length, raw in ((0, 1.0, 1), (600, 3.0, 4), (1200, 2.0, 2), (3600, 5.0, 6)):
            put(t, "snapshot", checkout="Checkout 1", length=length, length_raw=raw, wait_now=30.0 * raw)
        put(100, "wait", checkout="Checkout 1", wait=60.0, counter="c1")
        put(200, "wait", checkout="Checkout 1", wait=120.0, counter="c1")
        put(300, "abandon", checkout="Checkout 1", wait=200.0)
        put(3700, "alert", alert_id="till:q1:length:1", kind="length", checkout="Checkout 1",
            message="Checkout 1: 5 people waiting (alert at 5) — open another checkout")  # fmt: skip
        w.finish_run(run, RunStatus.COMPLETE)

    path = write_xlsx(build_report(store, T0 - 3600, T0 + 7200), tmp_path / "q.xlsx")
    (q,) = sheet_rows(path, "Queues")
    assert (q["Checkout"], q["Customers queued"], q["Served"], q["Left the queue"], q["Alerts"]) == (
        "Checkout 1", 3, 2, 1, 1,
    )  # fmt: skip
    # the catalogue: the mean over the served, the longest over everyone (the one who left waited 200 s)
    assert seconds(q["Mean wait (served)"]) == pytest.approx(90.0)
    assert seconds(q["Longest wait (anyone)"]) == pytest.approx(200.0) and q["Outcome not seen"] == 0
    assert q["Left, share of known outcomes"] == pytest.approx(1 / 3)
    assert q["Longest queue (people at once)"] == 6

    hours = sheet_rows(path, "Queue by hour")
    assert [h["Hour"] for h in hours] == [dt.datetime(2026, 11, 20, 10), dt.datetime(2026, 11, 20, 11)]
    # people waiting (the raw counts), averaged over the hour's snapshots: (1 + 4 + 2) / 3 and 6
    assert [h["Checkout 1: mean queue"] for h in hours] == [pytest.approx(7 / 3), pytest.approx(6.0)]
    assert [h["Checkout 1: longest queue (people at once)"] for h in hours] == [4, 6]
    # a wait counts in the hour the customer joined: everyone joined in the 10:00 hour
    assert seconds(hours[0]["Checkout 1: longest wait (joined that hour)"]) == pytest.approx(200.0)
    assert hours[1]["Checkout 1: longest wait (joined that hour)"] in (None, "")

    (alert,) = sheet_rows(path, "Queue alerts")
    assert alert["Raised at"] == dt.datetime(2026, 11, 20, 11, 1, 40)
    assert alert["Message"].startswith("Checkout 1: 5 people waiting") and alert["Rule"] == "length"

    charts = {n: t for n, t in sheet_xml(path).items() if n.startswith("xl/charts/chart")}
    assert sum("<c:lineChart>" in t for t in charts.values()) == 1  # the queue chart
    assert openpyxl.load_workbook(path)["Queue by hour"]._charts

    key = summary_rows(path)
    assert key["Customers queued"]["This period"] == 3
    assert seconds(key["Mean wait"]["This period"]) == pytest.approx(90.0)
    assert seconds(key["Longest wait"]["This period"]) == pytest.approx(200.0)
    assert key["Queue alerts"]["This period"] == 1 and key["Queue alerts"]["Previous period"] == 0
    store.close()
