"""Queue alert rules with hysteresis and a cooldown, so an alert does not flap.

Three rules per checkout, each on or off:

* ``length`` — the (smoothed) queue length reached ``length``;
* ``wait`` — somebody in the queue has waited ``wait`` seconds;
* ``forecast`` — the forecast says the queue will reach ``forecast_length`` within the horizon
  while it is still shorter now: "open another checkout in ~N minutes". It gives way to the
  ``length`` alert once the queue is really there.

A rule **raises** when its condition has held for ``raise_seconds`` and **clears** only when
the value has stayed below ``threshold − hysteresis`` (or at zero) for ``clear_seconds``; after it clears, it
cannot raise again for ``cooldown`` seconds. A length oscillating around the threshold therefore
gives one alert, not one per crossing.

Example:
    >>> rules = QueueAlerter(length=5, raise_seconds=0, clear_seconds=0, hysteresis_length=1)
    >>> [a.state for a in rules.update(0.0, length=6, wait=0)]
    ['raised']
    >>> rules.update(1.0, length=4.5, wait=0), [a.state for a in rules.update(2.0, length=3, wait=0)]
    ([], ['cleared'])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from analytics.forecast import QueueForecast

AlertKind = Literal["length", "wait", "forecast"]
AlertState = Literal["raised", "cleared"]
KINDS: tuple[AlertKind, ...] = ("length", "wait", "forecast")


@dataclass(frozen=True, slots=True)
class QueueAlert:
    """An alert raised or cleared.

    Attributes:
        kind: ``"length"``, ``"wait"`` or ``"forecast"``.
        state: ``"raised"`` or ``"cleared"``.
        ts: when it was raised (for ``cleared`` too: it names the alert).
        ts_end: when it cleared (None while raised).
        value: the value that raised it (people, seconds, or forecast people) — at clearing, the
            value then.
        threshold: the rule's threshold.
        length: the queue length at that moment.
        wait: the longest current wait at that moment, seconds.
        minutes_ahead: forecast alerts: minutes until the queue is expected to reach the threshold.
    """

    kind: AlertKind
    state: AlertState
    ts: float
    ts_end: float | None
    value: float
    threshold: float
    length: float
    wait: float
    minutes_ahead: float | None = None


class AlertGate:
    """One alert rule's state: raise after the condition held, clear after calm held, then cool down.

    The hysteresis every module's alerts share (queues, unattended customers, what comes next):
    :meth:`step` says ``"raised"`` once the condition has held for ``raise_seconds`` (and the
    rule is not cooling down), ``"cleared"`` once the calm (usually the value below the
    threshold minus a margin) has held for ``clear_seconds``; after clearing it cannot raise
    again for ``cooldown`` seconds.

    Args:
        raise_seconds: the condition must hold this long before raising.
        clear_seconds: the calm must hold this long before clearing.
        cooldown: seconds after clearing before the rule may raise again.

    Example:
        >>> g = AlertGate(raise_seconds=2, clear_seconds=1, cooldown=10)
        >>> [g.step(t, cond=True, calm=False) for t in (0.0, 1.0, 2.0)]
        [None, None, 'raised']
        >>> [g.step(t, cond=False, calm=True) for t in (3.0, 4.0)], g.raised_at
        ([None, 'cleared'], None)
        >>> g.step(5.0, cond=True, calm=False), g.step(7.0, cond=True, calm=False)  # cooling down
        (None, None)
    """

    __slots__ = (
        "calm_since",
        "clear_seconds",
        "cleared_at",
        "cooldown",
        "pending_since",
        "raise_seconds",
        "raised_at",
    )  # fmt: skip

    def __init__(
        self, *, raise_seconds: float = 0.0, clear_seconds: float = 0.0, cooldown: float = 0.0
    ) -> None:
        self.raise_seconds = float(raise_seconds)
        self.clear_seconds = float(clear_seconds)
        self.cooldown = float(cooldown)
        self.raised_at: float | None = None  # raised at
        self.pending_since: float | None = None  # condition true since (not raised yet)
        self.calm_since: float | None = None  # calm since (while raised)
        self.cleared_at: float | None = None

    def step(self, ts: float, *, cond: bool, calm: bool) -> AlertState | None:
        """Feed the rule's condition and calm at ``ts``; ``"raised"``, ``"cleared"`` or None."""
        if self.raised_at is None:
            if not cond:
                self.pending_since = None
                return None
            if self.pending_since is None:
                self.pending_since = ts
            cooling = self.cleared_at is not None and ts - self.cleared_at < self.cooldown
            if ts - self.pending_since < self.raise_seconds or cooling:
                return None
            self.raised_at, self.pending_since, self.calm_since = ts, None, None
            return "raised"
        if not calm:
            self.calm_since = None
            return None
        if self.calm_since is None:
            self.calm_since = ts
        if ts - self.calm_since < self.clear_seconds:
            return None
        self.clear(ts)
        return "cleared"

    def clear(self, ts: float) -> None:
        """Clear now (end of the video): the cooldown starts at ``ts``."""
        self.raised_at, self.calm_since, self.cleared_at = None, None, ts


@dataclass(slots=True)
class _Rule:
    threshold: float | None
    hysteresis: float
    gate: AlertGate


class QueueAlerter:
    """Turns a checkout's numbers into alerts that neither flap nor repeat.

    Args:
        length: raise at this many people waiting (None: off).
        wait: raise when somebody has waited this many seconds (None: off).
        forecast_length: raise when the forecast reaches this many people (None: off).
        hysteresis_length: people below the threshold the length must fall to clear (also for
            the forecast rule).
        hysteresis_wait: seconds below the threshold the wait must fall to clear.
        raise_seconds: the condition must hold this long before raising.
        clear_seconds: the calm must hold this long before clearing.
        cooldown: seconds after clearing before the same rule may raise again.

    Example:
        >>> a = QueueAlerter(length=5, raise_seconds=10)
        >>> a.update(0.0, length=7, wait=0), [x.kind for x in a.update(10.0, length=7, wait=0)]
        ([], ['length'])
    """

    def __init__(
        self,
        *,
        length: float | None = None,
        wait: float | None = None,
        forecast_length: float | None = None,
        hysteresis_length: float = 1.0,
        hysteresis_wait: float = 60.0,
        raise_seconds: float = 10.0,
        clear_seconds: float = 30.0,
        cooldown: float = 300.0,
    ) -> None:
        self.raise_seconds = float(raise_seconds)
        self.clear_seconds = float(clear_seconds)
        self.cooldown = float(cooldown)
        gate = {"raise_seconds": raise_seconds, "clear_seconds": clear_seconds, "cooldown": cooldown}
        self._rules: dict[AlertKind, _Rule] = {
            "length": _Rule(length, hysteresis_length, AlertGate(**gate)),
            "wait": _Rule(wait, hysteresis_wait, AlertGate(**gate)),
            "forecast": _Rule(forecast_length, hysteresis_length, AlertGate(**gate)),
        }

    def active(self) -> tuple[AlertKind, ...]:
        """The rules raised now."""
        return tuple(k for k, r in self._rules.items() if r.gate.raised_at is not None)

    def update(
        self, ts: float, *, length: float, wait: float, forecast: QueueForecast | None = None
    ) -> list[QueueAlert]:
        """Check the rules at time ``ts``; return the alerts raised or cleared now.

        Args:
            ts: the time, seconds.
            length: queue length now (smoothed).
            wait: longest current wait, seconds.
            forecast: the latest forecast (None: the forecast rule keeps its state).
        """
        out: list[QueueAlert] = []
        values: dict[AlertKind, float | None] = {"length": length, "wait": wait, "forecast": None}
        ahead: float | None = None
        fr = self._rules["forecast"]
        if forecast is not None and fr.threshold is not None:
            hit = forecast.first_reaching(fr.threshold)
            values["forecast"] = forecast.peak.length
            ahead = hit.minutes if hit is not None else None
        for kind in KINDS:
            rule = self._rules[kind]
            value = values[kind]
            if rule.threshold is None or value is None:
                continue
            cond = value >= rule.threshold
            if kind == "forecast":
                lr = self._rules["length"]
                now_long = lr.threshold is not None and (
                    lr.gate.raised_at is not None or length >= lr.threshold
                )
                cond = cond and not now_long
                calm = value < rule.threshold - rule.hysteresis or value <= 0 or now_long
            else:
                calm = value < rule.threshold - rule.hysteresis or value <= 0  # nobody waiting is calm
            alert = self._step(kind, rule, ts, cond, calm, value, length, wait, ahead)
            if alert is not None:
                out.append(alert)
        return out

    def _step(
        self,
        kind: AlertKind,
        rule: _Rule,
        ts: float,
        cond: bool,
        calm: bool,
        value: float,
        length: float,
        wait: float,
        ahead: float | None,
    ) -> QueueAlert | None:
        thr = float(rule.threshold or 0.0)
        raised = rule.gate.raised_at
        state = rule.gate.step(ts, cond=cond, calm=calm)
        if state == "raised":
            return QueueAlert(kind, "raised", ts, None, value, thr, length, wait, ahead)
        if state == "cleared":
            assert raised is not None
            return QueueAlert(kind, "cleared", raised, ts, value, thr, length, wait, None)
        return None

    def flush(self, ts: float) -> list[QueueAlert]:
        """Clear every raised alert (end of the video or shutdown)."""
        out = []
        for kind, rule in self._rules.items():
            if rule.gate.raised_at is not None:
                out.append(
                    QueueAlert(
                        kind, "cleared", rule.gate.raised_at, ts, 0.0, float(rule.threshold or 0), 0, 0
                    )
                )
                rule.gate.clear(ts)
        return out
