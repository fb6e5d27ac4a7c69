"""What a notification says: rules that pick events, and the message made from one event.

A rule is a channel's list of ``module.type`` patterns with ``*``/``?`` wildcards (``*.alert``,
``queue.alert``, ``footfall.in``) and an optional camera list. A message is rendered when the
event is queued, so the outbox row holds everything a channel sends: the text, the event's
fields (for webhooks) and the path of its photo (relative to the data folder).

Example:
    >>> rule = Rule("telegram", ("*.alert",), None)
    >>> rule.matches("queue", "alert", "cam1"), rule.matches("footfall", "in", "cam1")
    (True, False)
"""

from __future__ import annotations

import datetime as dt
import fnmatch
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.config import NotificationsConfig
from app.events import event_words

#: Telegram's limits: a message's text, a photo's caption.
MAX_TEXT = 4096
MAX_CAPTION = 1024


@dataclass(frozen=True, slots=True)
class Rule:
    """Which events one channel wants.

    Attributes:
        channel: ``telegram`` or ``webhook:<id>``.
        patterns: ``module.type`` patterns with ``*``/``?`` wildcards.
        cameras: only these cameras (config ids); None for all.
    """

    channel: str
    patterns: tuple[str, ...]
    cameras: frozenset[str] | None

    def matches(self, module: str, type_: str, camera: str) -> bool:
        """Whether an event of this module, type and camera goes to the channel."""
        if self.cameras is not None and camera not in self.cameras:
            return False
        name = f"{module}.{type_}"
        return any(fnmatch.fnmatchcase(name, p) for p in self.patterns)


def rules(cfg: NotificationsConfig) -> list[Rule]:
    """The enabled channels' rules (empty when notifications are off)."""
    if not cfg.enabled:
        return []
    out = []
    tg = cfg.telegram
    if tg is not None and tg.enabled:
        out.append(Rule("telegram", tuple(tg.events), frozenset(tg.cameras) if tg.cameras else None))
    for w in cfg.webhooks:
        if w.enabled:
            out.append(Rule(f"webhook:{w.id}", tuple(w.events), frozenset(w.cameras) if w.cameras else None))
    return out


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render(
    *,
    site: str,
    event_id: int,
    ts: float,
    tz: dt.tzinfo | None,
    camera: str,
    camera_name: str,
    zone: str | None,
    zone_name: str | None,
    module: str,
    type_: str,
    track: int | None,
    payload: Mapping[str, Any],
    photos: Sequence[tuple[str, str]] = (),
) -> dict[str, Any]:
    """The outbox message of one event: ``text``, ``caption``, ``event`` (fields) and ``photo`` (path or None).

    Args:
        site: the site's name.
        event_id: the event's row id.
        ts: its time (epoch seconds).
        tz: the site's time zone (None: the computer's).
        camera: the camera's config id.
        camera_name: its name.
        zone: the zone's config id, if any.
        zone_name: its name.
        module: the module that made the event.
        type_: the event type.
        track: the tracker id, if any.
        payload: the event's payload (``message`` is used as the text when present).
        photos: ``(kind, path)`` of its photos; a ``frame`` is preferred to a crop.

    Example:
        >>> m = render(site="Shop", event_id=1, ts=0.0, tz=dt.UTC, camera="c1", camera_name="Door",
        ...            zone="q", zone_name="Queue", module="queue", type_="alert", track=None,
        ...            payload={"message": "6 people waiting"})
        >>> print(m["text"])
        Queue alert — Shop, Door
        6 people waiting
        1970-01-01 00:00:00 · zone: Queue
    """
    local = (
        dt.datetime.fromtimestamp(ts, tz) if tz is not None else dt.datetime.fromtimestamp(ts).astimezone()
    )
    where = f"{site}, {camera_name or camera}"
    lines = [f"{event_words(module, type_)} — {where}"]
    detail = payload.get("message")
    if detail:
        lines.append(str(detail))
    tail = f"{local:%Y-%m-%d %H:%M:%S}"
    if zone or zone_name:
        tail += f" · zone: {zone_name or zone}"
    lines.append(tail)
    text = "\n".join(lines)
    photo = next((p for k, p in photos if k == "frame"), None) or (photos[0][1] if photos else None)
    return {
        "text": _clip(text, MAX_TEXT),
        "caption": _clip(text, MAX_CAPTION),
        "photo": photo,
        "event": {
            "id": event_id,
            "site": site,
            "ts": ts,
            "time": local.isoformat(timespec="seconds"),
            "camera": camera,
            "camera_name": camera_name,
            "zone": zone,
            "zone_name": zone_name,
            "module": module,
            "type": type_,
            "track": track,
            "payload": dict(payload),
        },
    }


def check_message(site: str, now: float, tz: dt.tzinfo | None) -> dict[str, Any]:
    """A message that checks a channel works (``storesight notify test``)."""
    local = (
        dt.datetime.fromtimestamp(now, tz) if tz is not None else dt.datetime.fromtimestamp(now).astimezone()
    )
    text = f"StoreSight test message — {site}\nNotifications work. {local:%Y-%m-%d %H:%M:%S}"
    return {
        "text": text,
        "caption": text,
        "photo": None,
        "event": {"id": None, "site": site, "ts": now, "time": local.isoformat(timespec="seconds"),
                  "module": "storesight", "type": "test", "payload": {}},
    }  # fmt: skip
