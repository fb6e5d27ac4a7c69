"""Footfall by hour with real (fractional) video timestamps: every crossing lands in its hour."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from app.config import SiteConfig
from app.store import stats
from app.store.db import open_store
from app.store.records import EventRecord
from app.store.schema import RunStatus
from app.store.sync import sync_site
from app.store.writer import StoreWriter

T0 = 1_795_168_800.0  # 2026-11-20 10:00 UTC


@pytest.mark.parametrize("tz", ["Europe/Moscow", "Asia/Kolkata", "UTC"])
def test_fractional_timestamps_are_all_counted(tmp_path: Path, tz: str) -> None:
    site = {
        "site": {"name": "Shop", "timezone": tz},
        "cameras": [{"id": "c", "source": "c.mp4",
                     "zones": [{"id": "l", "type": "entrance_line", "points": [[0.5, 0], [0.5, 1]]}]}],
    }  # fmt: skip
    store = open_store(f"sqlite:///{tmp_path / 's.db'}")
    cams = sync_site(store, SiteConfig.model_validate(site))
    ts = T0 + np.sort(np.random.default_rng(1).uniform(0, 5 * 3600, 200))  # e.g. 1795170123.4567…
    with StoreWriter(store, tmp_path) as w:
        run = w.start_run(cams["c"], "c.mp4")
        for t in ts:
            w.put_event(
                run, EventRecord("c", float(t), "footfall", "in", zone_id="l", payload={"role": "customer"})
            )
        w.finish_run(run, RunStatus.COMPLETE)
    df = stats.footfall_by_hour(store)
    assert df["in"].sum() == 200
    assert len(df) in (5, 6)  # five hours of events: 5 or 6 local hours (half-hour zones)
    hour = stats.local_hour_start(float(ts[0]), ZoneInfo(tz))
    assert hour == int(hour) and df["in"].iloc[0] == int(((ts >= hour) & (ts < hour + 3600)).sum())
    store.close()
