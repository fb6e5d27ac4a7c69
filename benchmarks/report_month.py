"""Daily report build time on a month of one camera's events, written through the real store writer.

A store open 09:00–21:00 (Europe/Moscow) with ``--visitors`` customers a day (5 % staff), each:
crossing the entrance in and out, stays in 1–3 departments and (60 %) the checkout queue, one
visit; plus the queue module's snapshots every 10 s with a wait per queued customer and a few
alerts. Then: the daily report of the last day (against the day before), written as Excel and
CSV, as the scheduler does it; and, for scale, the report of the whole month.

Usage: .venv/bin/python benchmarks/report_month.py [--days 30] [--visitors 1200] [--db PATH]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.config import ReportsConfig, SiteConfig
from app.reports.builder import build_report
from app.reports.csvfiles import write_csv
from app.reports.excel import write_xlsx
from app.reports.scheduler import DailyReportScheduler
from app.store.db import open_store
from app.store.records import EventRecord
from app.store.schema import RunStatus
from app.store.sync import sync_site
from app.store.writer import StoreWriter

TZ = ZoneInfo("Europe/Moscow")
DEPTS = ["dairy", "bakery", "drinks"]
SITE = {
    "site": {"name": "Benchmark store", "timezone": "Europe/Moscow"},
    "cameras": [
        {
            "id": "hall",
            "name": "Sales floor",
            "source": "hall.mp4",
            "zones": [
                {
                    "id": "entrance",
                    "name": "Entrance",
                    "type": "entrance_line",
                    "points": [[0.5, 0.1], [0.5, 0.9]],
                },
                {
                    "id": "dairy",
                    "name": "Dairy",
                    "type": "department",
                    "points": [[0, 0], [0.3, 0], [0.3, 0.3]],
                },
                {
                    "id": "bakery",
                    "name": "Bakery",
                    "type": "department",
                    "points": [[0.3, 0], [0.6, 0], [0.6, 0.3]],
                },
                {
                    "id": "drinks",
                    "name": "Drinks",
                    "type": "department",
                    "points": [[0, 0.3], [0.3, 0.3], [0.3, 0.6]],
                },
                {
                    "id": "queue",
                    "name": "Checkout queue",
                    "type": "queue",
                    "points": [[0.7, 0], [1, 0], [1, 0.5]],
                },
                {"id": "till", "name": "Till 1", "type": "counter", "points": [[0.7, 0.5], [1, 0.5], [1, 1]]},
            ],
        }
    ],
}


def hourly_profile() -> np.ndarray:
    """Share of the day's visitors per opening hour 09..20 (peaks at lunch and after work)."""
    w = np.array([3, 5, 7, 9, 11, 8, 7, 8, 11, 13, 10, 8], dtype=float)
    return w / w.sum()


def day_events(day: dt.date, visitors: int, rng: np.random.Generator) -> list[EventRecord]:
    out: list[EventRecord] = []
    open_ts = dt.datetime.combine(day, dt.time(9), TZ).timestamp()
    per_hour = rng.multinomial(visitors, hourly_profile())
    starts = np.concatenate([open_ts + h * 3600 + rng.uniform(0, 3600, n) for h, n in enumerate(per_hour)])
    queue_stays: list[tuple[float, float]] = []
    for t in np.sort(starts):
        role = "staff" if rng.random() < 0.05 else ("customer" if rng.random() < 0.7 else "unknown")
        p = {"role": role}
        out.append(EventRecord("hall", t, "footfall", "in", zone_id="entrance", payload=p))
        path = ["entrance"]
        now = t + rng.uniform(5, 30)
        for dept in rng.permutation(DEPTS)[: rng.integers(1, 4)]:
            stay = float(rng.lognormal(4.5, 0.7))  # ~1.5 min
            out.append(EventRecord("hall", now, "zones", "enter", zone_id=str(dept), payload=p))
            out.append(EventRecord("hall", now, "zones", "dwell", zone_id=str(dept),
                                   payload={**p, "duration": stay}, ts_end=now + stay))  # fmt: skip
            path.append(str(dept))
            now += stay + rng.uniform(5, 40)
        if rng.random() < 0.6:
            wait = float(rng.gamma(2.0, 60.0))
            out.append(EventRecord("hall", now, "zones", "dwell", zone_id="queue",
                                   payload={**p, "duration": wait}, ts_end=now + wait))  # fmt: skip
            if role != "staff":
                out.append(EventRecord("hall", now, "queue", "wait", zone_id="queue",
                                       payload={"checkout": "Till 1", "wait": wait, "counter": "till"},
                                       ts_end=now + wait))  # fmt: skip
                queue_stays.append((now, now + wait))
            path.append("queue")
            now += wait + rng.uniform(30, 90)
        out.append(EventRecord("hall", now, "footfall", "out", zone_id="entrance", payload=p))
        out.append(EventRecord("hall", t, "visits", "visit", payload={**p, "zones": path, "duration": now - t},
                               ts_end=now))  # fmt: skip
    if queue_stays:
        qs = np.array(queue_stays)
        for s in np.arange(open_ts, open_ts + 12 * 3600, 10.0):
            n = int(((qs[:, 0] <= s) & (qs[:, 1] > s)).sum())
            waiting = qs[(qs[:, 0] <= s) & (qs[:, 1] > s)]
            payload = {"checkout": "Till 1", "length": float(n), "length_raw": n, "in_service": 1,
                       "open_counters": 1, "wait_now": float((s - waiting[:, 0]).max()) if n else 0.0}  # fmt: skip
            out.append(EventRecord("hall", float(s), "queue", "snapshot", zone_id="queue", payload=payload))
            if n >= 6 and rng.random() < 0.02:
                out.append(EventRecord("hall", float(s), "queue", "alert", zone_id="queue",
                                       payload={"alert_id": f"hall:queue:length:{s}", "kind": "length",
                                                "checkout": "Till 1", "message": f"Till 1: {n} people waiting"}))  # fmt: skip
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--visitors", type=int, default=1200, help="visitors per day")
    ap.add_argument("--db", type=Path, help="SQLite file (default: a temp folder); reused if it exists")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ss-report-bench-"))
    db = args.db or work / "month.db"
    url = f"sqlite:///{db}"
    last = dt.date(2026, 11, 20)
    first = last - dt.timedelta(days=args.days - 1)
    fresh = not db.exists()
    store = open_store(url)
    events = 0
    t0 = time.perf_counter()
    if fresh:
        cams = sync_site(store, SiteConfig.model_validate(SITE))
        rng = np.random.default_rng(8)
        with StoreWriter(store, work, max_batch=2000) as w:
            run = w.start_run(cams["hall"], "hall.mp4")
            for i in range(args.days):
                for e in day_events(first + dt.timedelta(days=i), args.visitors, rng):
                    w.put_event(run, e)
                    events += 1
            w.finish_run(run, RunStatus.COMPLETE)
            w.flush()
            assert w.stats().dropped == 0
    gen_s = time.perf_counter() - t0
    from sqlalchemy import func, select

    from app.store.schema import Event

    with store.session() as s:
        n_events = int(s.scalar(select(func.count()).select_from(Event)) or 0)

    sched = DailyReportScheduler(store, ReportsConfig(daily=True, formats=["xlsx", "csv"]), folder=work / "daily",
                                 site="Benchmark store", tz=TZ)  # fmt: skip
    rows = []
    for label, fn in (
        (
            "daily report: build (day + previous day)",
            lambda: build_report(store, *sched.day_bounds(last), tz=TZ),
        ),
    ):
        times = []
        for _ in range(3):
            t = time.perf_counter()
            report = fn()
            times.append(time.perf_counter() - t)
        rows.append((label, min(times), np.median(times)))
    t = time.perf_counter()
    write_xlsx(report, work / "day.xlsx")
    rows.append(("daily report: write .xlsx", time.perf_counter() - t, None))
    t = time.perf_counter()
    write_csv(report, work / "day-csv")
    rows.append(("daily report: write CSV (10 files)", time.perf_counter() - t, None))
    times = []
    for _ in range(3):
        for p in sched.paths(last):
            if p.is_dir():
                for f in p.iterdir():
                    f.unlink()
                p.rmdir()
            else:
                p.unlink(missing_ok=True)
        t = time.perf_counter()
        res = sched.write_day(last)
        times.append(time.perf_counter() - t)
    rows.append(("daily report end to end (scheduler: build + .xlsx + CSV)", min(times), np.median(times)))
    t = time.perf_counter()
    caught = sched.run_due(dt.datetime.combine(last + dt.timedelta(days=1), dt.time(8), TZ).timestamp())
    rows.append(
        (
            f"scheduler catch-up after a week off: {len(caught)} missed daily reports",
            time.perf_counter() - t,
            None,
        )
    )
    lo = sched.day_bounds(first)[0]
    hi = sched.day_bounds(last)[1]
    t = time.perf_counter()
    month = build_report(store, lo, hi, tz=TZ)
    rows.append(
        (f"month report: build ({args.days} days + previous {args.days})", time.perf_counter() - t, None)
    )
    t = time.perf_counter()
    write_xlsx(month, work / "month.xlsx")
    rows.append(("month report: write .xlsx", time.perf_counter() - t, None))

    day_rows = len(report.sheet("footfall_by_hour").df)
    print(
        f"\nStoreSight report benchmark — {args.days} days x {args.visitors} visitors/day, one camera, SQLite"
    )
    print(f"events in the database: {n_events:,} ({n_events / args.days:,.0f}/day); "
          f"file {db.stat().st_size / 1e6:.0f} MB" + (f"; generated with the store writer in {gen_s:.0f} s" if fresh else ""))  # fmt: skip
    print(f"daily report: {len(report.sheets)} sheets, {day_rows} hours of footfall; "
          f"entries {int(report.sheet('summary').df.set_index('metric').loc['Entries (people in)', 'value']):,}")  # fmt: skip
    print()
    print("| step | seconds | median of 3 |")
    print("| --- | ---: | ---: |")
    for label, best, med in rows:
        print(f"| {label} | {best:.2f} | {'' if med is None else f'{med:.2f}'} |")
    print(f"\nfiles: {res.paths[0]} …  (work folder {work})")
    store.close()


if __name__ == "__main__":
    main()
