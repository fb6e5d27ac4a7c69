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


@dataclass(slots=True)
class _Rule:
    threshold: float | None
    hysteresis: float
    active_since: float | None = None  # raised at
    pending_since: float | None = None  # condition true since (not raised yet)
    calm_since: float | None = None  # below threshold − hysteresis since (while raised)
    cleared_at: float | None = None


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
        self._rules: dict[AlertKind, _Rule] = {
            "length": _Rule(length, hysteresis_length),
            "wait": _Rule(wait, hysteresis_wait),
            "forecast": _Rule(forecast_length, hysteresis_length),
        }

    def active(self) -> tuple[AlertKind, ...]:
        """The rules raised now."""
        return tuple(k for k, r in self._rules.items() if r.active_since is not None)

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
                    lr.active_since is not None or length >= lr.threshold
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
        if rule.active_since is None:
            if not cond:
                rule.pending_since = None
                return None
            if rule.pending_since is None:
                rule.pending_since = ts
            cooling = rule.cleared_at is not None and ts - rule.cleared_at < self.cooldown
            if ts - rule.pending_since < self.raise_seconds or cooling:
                return None
            rule.active_since, rule.pending_since, rule.calm_since = ts, None, None
            return QueueAlert(kind, "raised", ts, None, value, thr, length, wait, ahead)
        if not calm:
            rule.calm_since = None
            return None
        if rule.calm_since is None:
            rule.calm_since = ts
        if ts - rule.calm_since < self.clear_seconds:
            return None
        raised = rule.active_since
        rule.active_since, rule.calm_since, rule.cleared_at = None, None, ts
        return QueueAlert(kind, "cleared", raised, ts, value, thr, length, wait, None)

    def flush(self, ts: float) -> list[QueueAlert]:
        """Clear every raised alert (end of the video or shutdown)."""
        out = []
        for kind, rule in self._rules.items():
            if rule.active_since is not None:
                out.append(
                    QueueAlert(kind, "cleared", rule.active_since, ts, 0.0, float(rule.threshold or 0), 0, 0)
                )
                rule.active_since, rule.calm_since, rule.cleared_at = None, None, ts
        return out
