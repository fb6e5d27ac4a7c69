"""``storesight queue …``: the checkout queue forecast's backtest, a simulated store, a summary.

``queue backtest --simulate`` scores the forecast on simulated stores (several seeds);
``queue backtest --db URL`` on a database's stored queue history. Both print the mean absolute
error of the queue length +5/+10/+15 minutes ahead for the forecast, the naive "the queue
stays as it is" forecast and an arrivals-only forecast (the same queue model fed with the
checkout's own recent arrival rate, no store entries), and end with the line
``beats naive at every horizon: yes`` (or ``no``).

``queue simulate --db URL`` writes a simulated store (entries, queue events, snapshots with
forecasts, alerts) into a database, for trying the dashboard and reports without cameras.
``queue summary --db URL`` prints one line per checkout for a period.
"""

from __future__ import annotations

import argparse
import sys
import threading
from typing import TYPE_CHECKING, Any

from app.errors import UserError

if TYPE_CHECKING:  # the analytics and numpy load only when a queue command runs
    from analytics.queue_backtest import SeedSummary

EXIT_BAD_ARGS = 2
LABELS = {"forecast": "forecast", "naive": "naive (stays)", "arrivals": "arrivals only"}
METHODS = ("forecast", "naive", "arrivals")


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``queue`` and its sub-commands to the main parser."""
    q = sub.add_parser("queue", help="checkout queues: forecast backtest, simulated store, summary")
    qs = q.add_subparsers(dest="queue_command", metavar="ACTION")
    b = qs.add_parser(
        "backtest",
        help="score the queue forecast against naive and arrivals-only forecasts (MAE per horizon)",
    )
    src = b.add_mutually_exclusive_group(required=True)
    src.add_argument("--db", help="database URL whose stored queue history is replayed")
    src.add_argument("--simulate", action="store_true", help="simulated stores instead of a database")
    b.add_argument("--seeds", type=int, default=5, help="simulated stores (seeds 1..N; default 5)")
    b.add_argument(
        "--days", type=int, default=8, help="days per simulated store; the first only learns (default 8)"
    )
    b.add_argument("--camera", help="with --db: only this camera's checkouts")
    b.add_argument("--zone", help="with --db: only this queue zone")
    b.add_argument(
        "--warmup-hours",
        type=float,
        default=None,
        help="hours at the start used for learning only (default: 24 simulated, 0 for --db)",
    )
    b.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    s = qs.add_parser("simulate", help="write a simulated store's entries and queue into a database")
    s.add_argument("--db", required=True, help="database URL to write to (created if missing)")
    s.add_argument("--days", type=int, default=3, help="days to simulate (default 3)")
    s.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    s.add_argument(
        "--alert-length", type=int, default=6, help="queue length that raises an alert (default 6)"
    )
    s.add_argument(
        "--whole-store",
        action="store_true",
        help="one camera with door, departments and checkout: also visits, zone stays, paths, heatmaps",
    )
    s.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    m = qs.add_parser("summary", help="one line per checkout: customers, abandonment, waits, lengths, alerts")
    from app.cli.options import add_period_options

    add_period_options(m, db_required=True, json=True)
    m.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")


def cmd_queue(args: argparse.Namespace, stop: threading.Event) -> int:
    """``storesight queue ACTION``."""
    action = getattr(args, "queue_command", None)
    if action == "backtest":
        return cmd_backtest(args, stop)
    if action == "simulate":
        return cmd_simulate(args, stop)
    if action == "summary":
        return cmd_summary(args, stop)
    raise UserError("queue: choose an action: backtest, simulate or summary", EXIT_BAD_ARGS)


# --- backtest -----------------------------------------------------------------------------------


def _cell(mean: float, spread: float | None) -> str:
    if mean != mean:  # NaN
        return "—"
    return f"{mean:.3f} ± {spread:.3f}" if spread is not None else f"{mean:.3f}"


def print_table(summary: SeedSummary, *, spread: bool, out: object = None) -> None:
    """The MAE table: one row per horizon, one column per method (mean ± spread over seeds)."""
    import numpy as np

    w = out or sys.stdout
    head = f"{'horizon':<9}" + "".join(f"{LABELS[m]:>18}" for m in METHODS) + f"{'vs naive':>10}{'points':>9}"
    print(head, file=w)
    points = np.sum([r.points for r in summary.runs], axis=0)
    for i, h in enumerate(summary.horizons):
        cells = []
        for m in METHODS:
            mean = float(summary.mean(m)[i])
            sd = float(summary.spread(m)[i]) if spread else None
            cells.append(f"{_cell(mean, sd):>18}")
        naive = float(summary.mean("naive")[i])
        rel = (float(summary.mean("forecast")[i]) / naive - 1.0) * 100 if naive > 0 else float("nan")
        vs = "—" if np.isnan(rel) else f"{rel:+.0f} %"
        print(f"{'+' + str(h) + ' min':<9}" + "".join(cells) + f"{vs:>10}{int(points[i]):>9}", file=w)


def _mae_means(summary: SeedSummary, field: str) -> dict[str, Any] | None:
    """Mean over the seeds of an extra MAE (``mean_mae`` or ``wait_mae``) per method; None if unmeasured."""
    import numpy as np

    means = {}
    for m in ("forecast", "arrivals"):
        arr = np.array(
            [getattr(r, field).get(m, np.full(len(summary.horizons), np.nan)) for r in summary.runs]
        )
        if np.all(np.isnan(arr)):
            return None
        means[m] = np.nanmean(arr, axis=0)
    return means


def _mean_line(summary: SeedSummary) -> str | None:
    means = _mae_means(summary, "mean_mae")
    if means is None:
        return None
    parts = [f"{LABELS[m]} " + " / ".join(f"{v:.3f}" for v in vals) for m, vals in means.items()]
    return "MAE of the expected (mean) length instead of the median: " + "; ".join(parts)


def _wait_line(summary: SeedSummary) -> str | None:
    means = _mae_means(summary, "wait_mae")
    if means is None:
        return None
    parts = [f"{LABELS[m]} " + " / ".join(f"{v:.0f}" for v in vals) for m, vals in means.items()]
    hz = "/".join(f"+{h}" for h in summary.horizons)
    return f"MAE of the expected wait at {hz} min (s): " + "; ".join(parts)


def cmd_backtest(args: argparse.Namespace, stop: threading.Event) -> int:
    """``storesight queue backtest``."""
    if args.simulate:
        return _backtest_sim(args, stop)
    return _backtest_db(args, stop)


def _backtest_sim(args: argparse.Namespace, stop: threading.Event) -> int:
    from analytics.forecast import HORIZONS
    from analytics.queue_backtest import BacktestResult, CheckoutHistory, SeedSummary, backtest, default_prior
    from analytics.store_sim import SimConfig, simulate_store

    if args.seeds < 1 or args.days < 2:
        raise UserError("--seeds must be ≥ 1 and --days ≥ 2 (the first day only learns)", EXIT_BAD_ARGS)
    warmup = 24.0 if args.warmup_hours is None else args.warmup_hours
    if not 0 <= warmup < args.days * 24:
        raise UserError("--warmup-hours must be ≥ 0 and shorter than the simulation", EXIT_BAD_ARGS)
    cfg = SimConfig()
    print(
        f"queue forecast backtest — simulated store, {args.seeds} seed(s) × {args.days} days "
        f"(the first {warmup:g} h only learn); a forecast every minute while the checkout is open"
    )
    print(
        f"store: ~{cfg.peak_entries_per_hour:.0f} entries/h at peak, {cfg.checkout_share:.0%} buy, "
        f"service {cfg.service_mean:.0f} s, up to {cfg.counters} counters opened by plan and by a late manager"
    )
    runs: list[BacktestResult] = []
    for seed in range(1, args.seeds + 1):
        if stop.is_set():
            raise KeyboardInterrupt
        sim = simulate_store(cfg, days=args.days, seed=seed)
        res = backtest(CheckoutHistory.from_sim(sim), prior=default_prior(), warmup=warmup * 3600.0)
        runs.append(res)
        fc, nv = res.mae["forecast"], res.mae["naive"]
        line = ", ".join(f"+{h}: {f:.2f} vs {n:.2f}" for h, f, n in zip(res.horizons, fc, nv, strict=True))
        print(f"  seed {seed}: {len(sim.entries)} entries, {len(sim.join_ts)} at the checkout — {line}")
    summary = SeedSummary(tuple(HORIZONS), tuple(runs))
    print(
        "MAE of the queue length (people waiting)" + (", mean ± spread over seeds:" if len(runs) > 1 else ":")
    )
    print_table(summary, spread=len(runs) > 1)
    for line in (_mean_line(summary), _wait_line(summary)):
        if line:
            print(line)
    print("(forecast and arrivals only: the median of the forecast distribution; naive: the length now)")
    print(f"beats naive at every horizon: {'yes' if summary.beats_naive() else 'no'}")
    return 0


def _backtest_db(args: argparse.Namespace, stop: threading.Event) -> int:
    import numpy as np

    from analytics.forecast import HORIZONS
    from analytics.queue_backtest import SeedSummary, backtest, default_prior
    from app.cli.stats_cmd import open_db
    from app.store import queue_stats

    store = open_db(args.db)
    try:
        found = queue_stats.checkouts(store)
        if args.camera:
            found = [c for c in found if c[0] == args.camera]
        if args.zone:
            found = [c for c in found if c[1] == args.zone]
        if not found:
            raise UserError(
                "no stored queue history"
                + (" for that camera/zone" if args.camera or args.zone else "")
                + " (run an analysis of a camera with a queue zone first)",
                EXIT_BAD_ARGS,
            )
        warmup = 0.0 if args.warmup_hours is None else args.warmup_hours
        print(f"queue forecast backtest — database {store.safe_url}; a forecast every minute")
        all_ok = True
        for cam, zone in found:
            h = queue_stats.checkout_history(store, cam, zone)
            span = float(h.state_ts[-1] - h.state_ts[0]) if len(h.state_ts) else 0.0
            print(
                f"checkout {cam}/{zone}: {span / 3600:.2f} h of queue history, {len(h.joins)} customers, "
                f"{len(h.entries)} store entries"
            )
            res = backtest(h, prior=default_prior(), warmup=warmup * 3600.0)
            summary = SeedSummary(tuple(HORIZONS), (res,))
            print_table(summary, spread=False)
            if not np.all(res.points > 0):
                need = max(HORIZONS) + warmup * 60
                print(
                    f"not enough history to score every horizon: the backtest needs more than {need:g} "
                    f"minutes of queue history (this checkout has {span / 60:.1f})"
                )
            all_ok = all_ok and summary.beats_naive()
        print("(forecast and arrivals only: the median of the forecast distribution; naive: the length now)")
        print(f"beats naive at every horizon: {'yes' if all_ok else 'no'}")
    finally:
        store.close()
    return 0


# --- simulate into a database, summary ----------------------------------------------------------


def cmd_simulate(args: argparse.Namespace, stop: threading.Event) -> int:
    """``storesight queue simulate --db URL``."""
    from analytics.store_sim import SimConfig, simulate_store
    from app.engine.queue_replay import write_simulation
    from app.store.db import open_store

    if args.days < 1 or args.days > 60:
        raise UserError("--days must be between 1 and 60", EXIT_BAD_ARGS)
    store = open_store(args.db)
    try:
        if args.whole_store:
            from app.engine.store_replay import write_store_simulation

            sim, n = write_store_simulation(
                store, days=args.days, seed=args.seed, alert_length=args.alert_length, stop=stop
            )
        else:
            sim = simulate_store(SimConfig(), days=args.days, seed=args.seed)
            n = write_simulation(store, sim, alert_length=args.alert_length, stop=stop)
    finally:
        store.close()
    print(
        f"simulated store: {args.days} day(s), {len(sim.entries)} entries, {len(sim.join_ts)} customers at the "
        f"checkout, {sim.abandoned_count} gave up"
    )
    print(f"wrote {n.events} events ({n.alerts} alerts) to {store.safe_url}")
    return 0


def cmd_summary(args: argparse.Namespace, stop: threading.Event) -> int:
    """``storesight queue summary --db URL [--from D] [--to D] [--json]``: the catalogue's checkout numbers."""
    import numpy as np

    from app.cli.stats_cmd import (
        describe_period,
        fmt_duration,
        fmt_share,
        open_db,
        print_json,
        resolve_period,
    )
    from app.store import metrics, stats

    store = open_db(args.db)
    try:
        if args.camera:
            stats.cameras(store, args.camera)
        since, until, tz = resolve_period(store, args, args.camera)
        period = describe_period(since, until, tz, stats.data_span(store, args.camera))
        df = metrics.checkout_numbers(store, since, until, camera=args.camera, role=args.role)
    finally:
        store.close()
    if args.json:
        print_json("queue summary", since, until, tz, args.role, {"checkouts": metrics.json_records(df)})
        return 0
    print(f"period: {period}; times in {stats.timezone_name(tz)}")
    if df.empty:
        print("no data: no checkout queue data in this period")
        return 0
    for r in df.itertuples(index=False):
        length = (
            "-"
            if np.isnan(r.queue_length_mean)
            else f"mean {r.queue_length_mean:.1f}, most at once {r.queue_length_max:.0f}"
        )
        print(
            f"{r.camera}/{r.zone} ({r.checkout}): {r.queue_customers} customers queued = {r.queue_served} served"
            f" + {r.queue_abandoned} left the queue + {r.queue_lost} not seen to the end; left the queue: "
            f"{fmt_share(r.abandon_rate)} of the {r.queue_served + r.queue_abandoned} with a known outcome; "
            f"wait of the served: mean {fmt_duration(r.wait_mean_s)}, p90 {fmt_duration(r.wait_p90_s)}; "
            f"longest wait (anyone) {fmt_duration(r.wait_max_s)}; queue (people): {length}; "
            f"alerts {r.queue_alerts}"
        )
    return 0
