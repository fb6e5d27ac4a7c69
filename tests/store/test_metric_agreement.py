"""One number, one definition: every view gives the metric catalogue's numbers (docs/metrics.md).

Every catalogue number is computed by :mod:`app.store.metrics` and then read back from every
view that shows it — ``storesight stats`` (tables and ``--json``), ``queue summary --json``,
``behaviour --json``, ``heatmap --json``, ``timesheet --json``, the dashboard's data, the report's
Summary / Funnel / Queues / Queue-by-hour sheets and the queue alerts' texts — on two databases:
the demo's (the real video through the real detector) and a simulated store over several days
(:mod:`app.engine.store_replay`). A view that computed a number its own way would disagree here.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from app.cli.stats_cmd import fmt_duration
from app.engine.store_replay import write_store_simulation
from app.gui import data as gui_data
from app.reports.builder import build_report
from app.store import metrics, queue_stats, stats
from app.store.alerts import alerts
from app.store.db import Store, open_store
from tests.cli_support import run_cli
from tests.fixtures_demo import DemoRun

DAY = 86400.0


def same(a: Any, b: Any) -> bool:
    """Equal numbers (NaN/None equal each other; floats to 1e-6 relative, JSON rounding to 1e-3)."""
    missing = [x is None or (isinstance(x, float) and math.isnan(x)) for x in (a, b)]
    if any(missing):
        return all(missing)
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return math.isclose(float(a), float(b), rel_tol=1e-6, abs_tol=1.5e-3)


def assert_same(got: dict[str, Any], want: dict[str, Any], where: str) -> None:
    bad = {k: (got.get(k), v) for k, v in want.items() if not same(got.get(k), v)}
    assert not bad, f"{where} disagrees with the catalogue (got, want): {bad}"


@pytest.fixture(scope="module")
def sim_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A simulated store over three days (Monday to Wednesday) on one camera."""
    folder = tmp_path_factory.mktemp("sim-store")
    url = f"sqlite:///{folder / 'storesight.db'}"
    store = open_store(url)
    write_store_simulation(store, days=3, seed=7)
    store.close()
    yield url, folder


def rows_of(out: str, title: str) -> dict[str, list[str]]:
    """A table ``storesight stats`` printed, by its first cell: the other cells (split at 2+ spaces)."""
    start = out.index(title)
    end = out.find("\n\n", start)
    lines = out[start:end].splitlines()[3:]  # title, header, rule
    return {c[0]: c[1:] for c in (re.split(r"\s{2,}", ln.strip()) for ln in lines)}


def check_every_view(
    capsys: pytest.CaptureFixture[str],
    url: str,
    since: float | None,
    until: float | None,
    period: list[str],
    png: Path,
) -> dict[str, Any]:
    """Compare every view with the catalogue for one period; returns the catalogue's site numbers."""
    store: Store = open_store(url)
    try:
        want = metrics.key_numbers(store, since, until)
        zones = metrics.zone_numbers(store, since, until)
        tills = metrics.checkout_numbers(store, since, until)
        by_hour = metrics.queue_by_hour(store, since, until)
        dash = gui_data.dashboard(store, since, until)
        report = build_report(store, since, until) if since is not None and until is not None else None
        raised = alerts(store, module="queue", since=since, until=until, limit=None)
        series = queue_stats.queue_series(store, since=since, until=until)
        cams = stats.cameras(store)
    finally:
        store.close()
    assert want["visits"] > 0 and want["footfall_in"] > 0

    # --- storesight stats --json and its tables
    code, out, err = run_cli(capsys, "stats", "--db", url, *period, "--json")
    assert code == 0, err
    got = json.loads(out)
    assert_same(got["numbers"], want, "stats --json")
    assert [r["zone"] for r in got["zones"]] == zones.zone.tolist()
    for row, (_, z) in zip(got["zones"], zones.iterrows(), strict=True):
        assert_same(row, z.to_dict(), f"stats --json zone {z.zone}")
    code, out, err = run_cli(capsys, "stats", "--db", url, *period)
    assert code == 0, err
    funnel = re.search(r"\(any department\)\s+(\d+)\s+\d+\s+\S+ %\s+(\d+)", out)
    assert funnel and (int(funnel[1]), int(funnel[2])) == (want["came_in"], want["went_to_checkout"])
    visits = re.search(r"Visits \(time in store[^\n]*\n[^\n]*\n[^\n]*\n\S+\s+(\d+)", out)
    assert visits and int(visits[1]) == want["visits"]
    occ = rows_of(out, "Occupancy peaks")
    dwell = rows_of(out, "Dwell per zone")
    for z in zones.itertuples():
        assert occ[z.zone_name][0] == str(z.zone_occupancy_peak), z.zone
        assert dwell[z.zone_name][0] == str(z.stays) and dwell[z.zone_name][2] == fmt_duration(
            z.dwell_median_s
        )

    # --- storesight queue summary --json: every customer accounted for
    code, out, err = run_cli(capsys, "queue", "summary", "--db", url, *period, "--json")
    assert code == 0, err
    rows = json.loads(out)["checkouts"]
    assert len(rows) == len(tills)
    for row, (_, t) in zip(rows, tills.iterrows(), strict=True):
        assert_same(row, t.to_dict(), f"queue summary --json {t.zone}")
        assert row["queue_customers"] == row["queue_served"] + row["queue_abandoned"] + row["queue_lost"]
        assert same(
            row["abandon_rate"],
            metrics.share(row["queue_abandoned"], row["queue_served"] + row["queue_abandoned"]),
        )

    # --- storesight behaviour --json: the same conversion, and the consultation split adds up
    code, out, err = run_cli(capsys, "behaviour", "--db", url, *period, "--json")
    assert code == 0, err
    got = json.loads(out)
    assert_same(
        got["numbers"], {k: want[k] for k in ("came_in", "went_to_checkout", "conversion")}, "behaviour"
    )
    split = got["consultations"]
    assert sum(r["consulted"] + r["other"] for r in split) == want["came_in"]

    # --- the dashboard's data
    kpis = {"in": "footfall_in", "out": "footfall_out", "visits": "visits", "median_visit_s": "visit_median_s",
            "peak": "zone_occupancy_peak", "peak_zone": "busiest_zone", "median_dwell_s": "dwell_median_s"}  # fmt: skip
    assert_same({k: dash.kpis[k] for k in kpis}, {k: want[v] for k, v in kpis.items()}, "dashboard KPIs")
    assert_same(dash.numbers, want, "dashboard numbers")
    assert (
        int(dash.daily["in"].sum()) == want["footfall_in"]
        and int(dash.hourly["in"].sum()) == want["footfall_in"]
    )
    for q in dash.queue_forecast:  # the chart: people waiting at each snapshot, never above the longest queue
        t = tills[(tills.camera == q.camera) & (tills.zone == q.zone)].iloc[0]
        assert q.length.max() <= t.queue_length_max and same(q.length.mean(), t.queue_length_mean)
        assert same(q.peak.max(), t.queue_length_max)  # the chart's highest point is the "Longest queue"

    # --- the report: summary, funnel, queues and queue by hour
    if report is not None:
        summary = {r.metric: r.value for r in report.sheet("summary").df.itertuples()}
        for key, m in metrics.CATALOGUE.items():
            if m.name in summary and key in want:
                assert same(summary[m.name], want[key]), (key, summary[m.name], want[key])
        assert summary[metrics.CATALOGUE["conversion"].name] == pytest.approx(want["conversion"], nan_ok=True)
        fun = report.sheet("funnel").df
        anyrow = fun[fun.department == "(any)"]
        assert (int(anyrow.visits.sum()), int(anyrow.checkout.sum())) == (
            want["came_in"],
            want["went_to_checkout"],
        )
        q = report.sheet("queues").df
        for col in metrics.CHECKOUT_COLUMNS[3:]:
            assert all(same(a, b) for a, b in zip(q[col], tills[col], strict=True)), col
        h = report.sheet("queue_by_hour").df
        assert same(np.nanmax(h["max_0"].to_numpy(float)), tills.queue_length_max.iloc[0])
        assert same(np.nanmax(h["wait_0"].to_numpy(float)), tills.wait_max_s.iloc[0])
    if len(by_hour):
        assert same(by_hour.queue_length_max.max(), tills.queue_length_max.max())
        assert same(by_hour.wait_max_s.max(), tills.wait_max_s.max())
        assert int(by_hour.queue_customers.sum()) == int(tills.queue_customers.sum())

    # --- queue alerts: the numbers they say are never beyond the period's
    for a in raised:
        said = re.search(r"(\d+) people waiting", a.message)
        if a.kind == "length" and said:
            assert int(said[1]) <= tills.queue_length_max.max(), a.message
        if a.kind == "wait":
            assert a.payload["wait_now"] <= tills.wait_max_s.max() + 1e-6, a.message
    if len(series):
        assert series.length_raw.max() <= tills.queue_length_max.max()

    # --- heatmap and timesheet --json
    cam = cams[0].config_id
    code, out, err = run_cli(
        capsys, "heatmap", "--db", url, "--camera", cam, *period, "--png", str(png), "--json"
    )
    assert code == 0, err
    store = open_store(url)
    try:
        grid = stats.heatmap_grid(store, cam, since, until)
        staff_h = metrics.staff_present_hours(store, since, until)
    finally:
        store.close()
    assert same(json.loads(out)["numbers"]["heatmap_person_s"], grid.seconds if grid else 0.0)
    first = since if since is not None else float(series.ts.min() if len(series) else want_first(url))
    day = stats.local_time(first, None).date()
    code, out, err = run_cli(capsys, "timesheet", "--db", url, "--day", str(day), "--json")
    assert code == 0, err
    assert json.loads(out)["numbers"]["staff_present_h"] >= 0.0 and staff_h >= 0.0
    return want


def want_first(url: str) -> float:
    store = open_store(url)
    try:
        span = stats.data_span(store)
    finally:
        store.close()
    assert span is not None
    return span[0]


def test_every_view_agrees_on_a_simulated_multi_day_store(
    capsys: pytest.CaptureFixture[str], sim_store: tuple[str, Path], tmp_path: Path
) -> None:
    url, _ = sim_store
    png = tmp_path / "h.png"
    t0 = 1794873600.0  # 2026-11-17 00:00 UTC, the simulation's Tuesday
    want = check_every_view(
        capsys, url, t0, t0 + 2 * DAY, ["--from", "2026-11-17", "--to", "2026-11-18"], png
    )
    assert want["queue_customers"] > 100 and want["queue_abandoned"] > 0 and 0.0 < want["conversion"] < 1.0
    day = check_every_view(capsys, url, t0, t0 + DAY, ["--from", "2026-11-17", "--to", "2026-11-17"], png)
    assert day["visits"] < want["visits"]
    # an hour: the heatmap of a period not on whole hours comes from the paths, and says so
    code, out, err = run_cli(capsys, "heatmap", "--db", url, "--camera", "floor", "--from", "2026-11-17T12:00",
                             "--to", "2026-11-17T12:20", "--png", str(png), "--json")  # fmt: skip
    assert code == 0, err
    part = json.loads(out)
    code, out, err = run_cli(capsys, "heatmap", "--db", url, "--camera", "floor", "--from", "2026-11-17T12:00",
                             "--to", "2026-11-17T13:00", "--png", str(png), "--json")  # fmt: skip
    assert code == 0, err
    whole = json.loads(out)
    assert (part["source"], whole["source"]) == ("paths", "stored hours")
    assert 0 < part["numbers"]["heatmap_person_s"] < whole["numbers"]["heatmap_person_s"]


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_every_view_agrees_on_the_demo(
    capsys: pytest.CaptureFixture[str], demo_db: DemoRun, tmp_path: Path
) -> None:
    png = tmp_path / "h.png"
    want = check_every_view(capsys, demo_db.url, None, None, [], png)
    # the demo tells a consistent story: checkout after coming in, served people among the queued
    assert 0 < want["went_to_checkout"] <= want["came_in"] and want["queue_served"] >= 1
    # and the same through the report, which needs a closed period: the demo's whole hour
    store = open_store(demo_db.url)
    span = stats.data_span(store)
    tz = stats.site_timezone(store)
    store.close()
    assert span is not None
    lo = stats.local_hour_start(span[0], tz)
    hi = stats.local_hour_start(span[1], tz) + 3600.0
    text = [stats.local_time(t, tz).strftime("%Y-%m-%dT%H:%M") for t in (lo, hi)]
    check_every_view(capsys, demo_db.url, lo, hi, ["--from", text[0], "--to", text[1]], png)


def test_docs_metrics_md_is_the_catalogue() -> None:
    text = (Path(__file__).parents[2] / "docs" / "metrics.md").read_text(encoding="utf-8")
    assert metrics.catalogue_markdown() in text, "regenerate docs/metrics.md from app.store.metrics"
