"""The event catalogue: every event type, its words and payload, in one registry.

A module declares the events it writes as :class:`EventType` constants next to its code
(``FOOTFALL_IN = EventType("footfall", "in", "Person came in", ...)``) and builds its records with
them (``FOOTFALL_IN.record(camera, ts, ...)``), so no event type is a bare string at either end.
The event browser, the notifications, the reports and the statistics read the same catalogue:
the words people read, the payload fields, whether it is an alert and whether it has a photo.

One helper raises and ends alerts for every module: :class:`AlertBook` makes the ``alert`` /
``alert_end`` pair with one ``alert_id`` (the hysteresis and cooldown deciding *when* are
:class:`analytics.queue_alerts.AlertGate`'s).

Example:
    >>> t = EventType("demo", "ping", "Ping", fields=("n",), register=False)
    >>> r = t.record("cam1", 10.0, payload={"n": 1})
    >>> (r.module, r.type, r.payload), t.key
    (('demo', 'ping', {'n': 1}), 'demo.ping')
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.store.records import EventRecord, PhotoRecord

ALERT = "alert"
ALERT_END = "alert_end"

_CATALOGUE: dict[tuple[str, str], EventType] = {}
#: Modules whose import declares the built-in event types.
BUILTIN_EMITTERS: list[str] = [
    f"app.modules.{name}.events" for name in ("tracks", "retail", "queue", "service", "behaviour", "roles")
]


@dataclass(frozen=True, slots=True)
class EventType:
    """One kind of event a module writes.

    Attributes:
        module: the event's module name in the database (``footfall``, ``queue``…).
        type: the event's type within the module (``in``, ``alert``…).
        words: what people read (event browser, notifications, reports), e.g. "Person came in".
        fields: the payload's fields (documentation and a check in tests).
        alert: whether it is an alert (the popup, notifications by default, acknowledgement).
        photo: whether it carries a photo (crop or frame).
        description: one sentence for developers and the docs.
        register: add it to the catalogue (False for throw-away examples).
    """

    module: str
    type: str
    words: str
    fields: tuple[str, ...] = ()
    alert: bool = False
    photo: bool = False
    description: str = ""
    register: bool = field(default=True, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.register:
            return
        old = _CATALOGUE.get((self.module, self.type))
        if old is not None and old != self:
            raise ValueError(f"event type {self.key} is declared twice, differently")
        _CATALOGUE[(self.module, self.type)] = self

    @property
    def key(self) -> str:
        """``module.type``, as notification rules spell it."""
        return f"{self.module}.{self.type}"

    def record(
        self,
        camera_id: str,
        ts: float,
        *,
        track_id: int | None = None,
        zone_id: str | None = None,
        payload: Mapping[str, Any] | None = None,
        photos: tuple[PhotoRecord, ...] = (),
        ts_end: float | None = None,
    ) -> EventRecord:
        """An event of this type for the store."""
        return EventRecord(
            camera_id,
            ts,
            self.module,
            self.type,
            track_id,
            zone_id,
            dict(payload or {}),
            photos,
            ts_end=ts_end,
        )


def load_catalogue(extra: Iterable[str] = ()) -> dict[tuple[str, str], EventType]:
    """Every registered event type, after importing the modules that declare them.

    Args:
        extra: more modules to import first (a module package's ``events`` module).
    """
    from app.modules.registry import packages

    for name in [*BUILTIN_EMITTERS, *extra]:
        importlib.import_module(name)
    packages()  # module packages declare their events when they are imported
    return dict(_CATALOGUE)


def event_type(module: str, type_: str) -> EventType | None:
    """The declared type of a stored event, None for one nobody declared (an old database)."""
    if (module, type_) not in _CATALOGUE:
        load_catalogue()
    return _CATALOGUE.get((module, type_))


def event_words(module: str, type_: str) -> str:
    """What people read for an event: the catalogue's words, else ``module: type`` in words.

    Example:
        >>> event_words("footfall", "in"), event_words("nobody", "made_this")
        ('Person came in', 'nobody: made this')
    """
    t = event_type(module, type_)
    return t.words if t is not None else f"{module}: {type_.replace('_', ' ')}"


def alert_types() -> list[EventType]:
    """The event types that are alerts (what the popup and the notification defaults watch)."""
    return [t for t in load_catalogue().values() if t.alert]


@dataclass(slots=True)
class _Raised:
    alert_id: str
    ts: float
    zone_id: str | None
    track_id: int | None
    kind: str


class AlertBook:
    """Raises and ends one module's alerts: the ``alert`` / ``alert_end`` pair with one ``alert_id``.

    ``alert_id`` is ``camera:zone:kind[:extra…]:milliseconds of the raise`` — unique and stable, so
    the GUI, the notifications and the acknowledgements can refer to it. The end event carries
    ts = when raised, ts_end = when over, and the same ``alert_id`` and ``kind``.

    Args:
        module: the module the alerts belong to (its ``alert``/``alert_end`` types are declared).
        camera_id: the camera.

    Example:
        >>> book = AlertBook("queue", "cam1")
        >>> up = book.raise_alert("q1:length", 100.0, kind="length", zone_id="q1", payload={"message": "long"})
        >>> up.type, up.payload["alert_id"], book.is_raised("q1:length")
        ('alert', 'cam1:q1:length:100000', True)
        >>> down = book.end_alert("q1:length", 130.0, payload={"duration": 30.0})
        >>> down.type, down.ts, down.ts_end, down.payload
        ('alert_end', 100.0, 130.0, {'alert_id': 'cam1:q1:length:100000', 'kind': 'length', 'duration': 30.0})
    """

    def __init__(self, module: str, camera_id: str) -> None:
        self.module = module
        self.camera_id = camera_id
        self._raised: dict[Any, _Raised] = {}

    def is_raised(self, key: Any) -> bool:
        """Whether the alert ``key`` (the module's own name for it) is raised now."""
        return key in self._raised

    def raise_alert(
        self,
        key: Any,
        ts: float,
        *,
        kind: str,
        zone_id: str | None = None,
        track_id: int | None = None,
        id_parts: tuple[object, ...] = (),
        payload: Mapping[str, Any] | None = None,
        photos: tuple[PhotoRecord, ...] = (),
    ) -> EventRecord:
        """The ``alert`` event of a new alert (payload starts with ``alert_id`` and ``kind``)."""
        parts = [self.camera_id, zone_id or "", kind, *(str(p) for p in id_parts), str(round(ts * 1000))]
        alert_id = ":".join(parts)
        self._raised[key] = _Raised(alert_id, ts, zone_id, track_id, kind)
        body = {"alert_id": alert_id, "kind": kind, **(payload or {})}
        return EventRecord(self.camera_id, ts, self.module, ALERT, track_id, zone_id, body, photos)

    def end_alert(
        self, key: Any, ts: float, *, payload: Mapping[str, Any] | None = None
    ) -> EventRecord | None:
        """The ``alert_end`` event of a raised alert (None if ``key`` is not raised)."""
        r = self._raised.pop(key, None)
        if r is None:
            return None
        body = {"alert_id": r.alert_id, "kind": r.kind, **(payload or {})}
        return EventRecord(
            self.camera_id, r.ts, self.module, ALERT_END, r.track_id, r.zone_id, body, ts_end=ts
        )

    def end_timed(self, key: Any, ts: float) -> EventRecord | None:
        """:meth:`end_alert` with ``duration``: the seconds since the raise (3 decimals) in the payload.

        Example:
            >>> book = AlertBook("faces", "cam1")
            >>> _ = book.raise_alert(7, 10.0, kind="deny")
            >>> book.end_timed(7, 12.5).payload["duration"], book.end_timed(7, 13.0)
            (2.5, None)
        """
        r = self._raised.get(key)
        return None if r is None else self.end_alert(key, ts, payload={"duration": round(ts - r.ts, 3)})

    def raised_at(self, key: Any) -> float | None:
        """When the alert ``key`` was raised, None if it is not."""
        r = self._raised.get(key)
        return None if r is None else r.ts

    def end_all(self, ts: float) -> list[EventRecord]:
        """End every raised alert (end of the video or shutdown)."""
        return [e for key in list(self._raised) if (e := self.end_alert(key, ts)) is not None]
