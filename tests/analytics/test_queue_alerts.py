"""Queue alert rules: hysteresis (no flapping), cooldown, the forecast rule."""

from __future__ import annotations

import numpy as np

from analytics.forecast import QueueModel, QueueState
from analytics.queue_alerts import QueueAlerter


def run(
    alerter: QueueAlerter, series: list[tuple[float, float]], wait: float = 0.0
) -> list[tuple[str, str, float]]:
    out = []
    for ts, length in series:
        out += [
            (a.kind, a.state, a.ts if a.state == "raised" else float(a.ts_end or 0))
            for a in alerter.update(ts, length=length, wait=wait)
        ]
    return out


def test_a_length_oscillating_around_the_threshold_raises_once() -> None:
    rules = QueueAlerter(length=5, hysteresis_length=1.5, raise_seconds=10, clear_seconds=30, cooldown=300)
    # 10 minutes of 4.6 / 5.4 alternating every second, then the queue goes away.
    wobble = [(float(t), 5.4 if t % 2 else 4.6) for t in range(600)]
    calm = [(float(t), 2.0) for t in range(600, 700)]
    events = run(rules, wobble + calm)
    # The condition never holds 10 s in a row while wobbling ... so it never raises:
    assert events == []
    # ... but a steady 5.4 does, once, however long it wobbles afterwards.
    rules = QueueAlerter(length=5, hysteresis_length=1.5, raise_seconds=10, clear_seconds=30, cooldown=300)
    steady = [(float(t), 5.4) for t in range(20)]
    wobble = [(float(t), 5.4 if t % 2 else 4.0) for t in range(20, 620)]
    events = run(rules, steady + wobble + calm)
    assert events == [("length", "raised", 10.0), ("length", "cleared", 630.0)]


def test_cooldown_blocks_a_quick_second_alert() -> None:
    rules = QueueAlerter(length=5, raise_seconds=0, clear_seconds=0, cooldown=300)
    series = [(0.0, 6.0), (10.0, 1.0), (20.0, 7.0), (200.0, 7.0), (311.0, 7.0)]
    assert run(rules, series) == [
        ("length", "raised", 0.0),
        ("length", "cleared", 10.0),
        ("length", "raised", 311.0),
    ]


def test_wait_rule_uses_its_own_hysteresis() -> None:
    rules = QueueAlerter(wait=300, hysteresis_wait=60, raise_seconds=0, clear_seconds=0)
    got = []
    for ts, wait in ((0.0, 310.0), (5.0, 260.0), (10.0, 230.0)):
        got += [(a.kind, a.state) for a in rules.update(ts, length=1, wait=wait)]
    assert got == [("wait", "raised"), ("wait", "cleared")]


def test_forecast_rule_warns_ahead_and_gives_way_to_the_length_rule() -> None:
    model = QueueModel(counters=1, service_time=60.0)
    now = QueueState(0.0, waiting=1, in_service=1)
    busy = model.forecast(now, np.full(90, 2.0 / 60), step=10.0)  # 2 arrivals a minute at 1 a minute capacity
    rules = QueueAlerter(length=6, forecast_length=6, raise_seconds=0, clear_seconds=0)
    raised = rules.update(0.0, length=1, wait=10, forecast=busy)
    assert [(a.kind, a.state) for a in raised] == [("forecast", "raised")]
    assert raised[0].minutes_ahead is not None and 2 <= raised[0].minutes_ahead <= 10
    assert raised[0].minutes_ahead == busy.first_reaching(6).minutes  # type: ignore[union-attr]
    got = [(a.kind, a.state) for a in rules.update(60.0, length=7, wait=200, forecast=busy)]
    assert got == [("length", "raised"), ("forecast", "cleared")]


def test_flush_clears_what_is_raised() -> None:
    rules = QueueAlerter(length=2, raise_seconds=0)
    rules.update(0.0, length=3, wait=0)
    assert rules.active() == ("length",)
    assert [(a.kind, a.state, a.ts, a.ts_end) for a in rules.flush(9.0)] == [("length", "cleared", 0.0, 9.0)]
    assert rules.active() == ()
