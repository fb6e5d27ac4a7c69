"""A site's opening hours: parsing the config's ``site.opening_hours`` and asking whether an hour is open.

The config form maps day keys to times, e.g. ``{"mon-fri": "09:00-21:00", "sat": "10:00-18:00",
"sun": "closed"}``. Day keys are ``mon`` … ``sun``, ranges (``mon-fri``) and comma lists (``sat,sun``);
times are ``HH:MM-HH:MM`` (close after open, ``24:00`` allowed; several ranges separated by commas,
e.g. ``"09:00-13:00, 14:00-20:00"``) or ``closed``. Days not named are closed.

An hour of the day counts as open when any part of it lies inside an opening range, in the site's
time zone (the caller gives local wall-clock datetimes).

    >>> week = parse({"mon-fri": "09:00-21:00", "sat": "10:00-18:30"})
    >>> import datetime as dt
    >>> is_open_hour(week, dt.datetime(2026, 12, 5, 18))  # Saturday 18:00-19:00
    True
    >>> is_open_hour(week, dt.datetime(2026, 12, 6, 12))  # Sunday
    False
"""

from __future__ import annotations

import datetime as dt
import json
import re

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

#: Per weekday (Monday first) the open ranges in minutes after midnight, ``(open, close)``.
Week = tuple[tuple[tuple[int, int], ...], ...]

_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")


def _days(key: str) -> list[int]:
    out: list[int] = []
    for part in key.lower().replace(" ", "").split(","):
        ends = part.split("-")
        if len(ends) > 2 or any(e not in DAYS for e in ends):
            raise ValueError(f"{key!r} is not a day or day range (days: {', '.join(DAYS)}; e.g. mon-fri)")
        a, b = DAYS.index(ends[0]), DAYS.index(ends[-1])
        if b < a:
            raise ValueError(f"{key!r}: the range runs backwards (write e.g. mon-fri)")
        out += range(a, b + 1)
    return out


def _minutes(text: str, key: str) -> int:
    m = _TIME.match(text.strip())
    if not m or int(m[2]) > 59 or int(m[1]) * 60 + int(m[2]) > 24 * 60:
        raise ValueError(f"{key}: {text.strip()!r} is not a time HH:MM (00:00–24:00)")
    return int(m[1]) * 60 + int(m[2])


def _ranges(value: str, key: str) -> tuple[tuple[int, int], ...]:
    if value.strip().lower() == "closed":
        return ()
    out = []
    for part in value.split(","):
        ends = part.split("-")
        if len(ends) != 2:
            raise ValueError(f"{key}: {part.strip()!r} is not open-close times like 09:00-21:00 (or closed)")
        lo, hi = _minutes(ends[0], key), _minutes(ends[1], key)
        if hi <= lo:
            raise ValueError(f"{key}: {part.strip()!r} closes before it opens (ranges past midnight: split them)")
        out.append((lo, hi))
    return tuple(sorted(out))


def parse(spec: dict[str, str]) -> Week:
    """The weekly opening ranges of a config mapping (see the module docstring).

    Raises:
        ValueError: one line naming the day key and what is wrong (unknown day, bad time, a day twice).
    """
    week: list[tuple[tuple[int, int], ...] | None] = [None] * 7
    for key, value in spec.items():
        if not isinstance(value, str):
            raise ValueError(f"{key}: give times as text like \"09:00-21:00\" or \"closed\"")
        ranges = _ranges(value, key)
        for d in _days(str(key)):
            if week[d] is not None:
                raise ValueError(f"{key}: {DAYS[d]} is given twice")
            week[d] = ranges
    return tuple(r or () for r in week)


def is_open_hour(week: Week, hour: dt.datetime) -> bool:
    """Whether any minute of the local hour starting at ``hour`` (wall clock) is inside opening hours."""
    start = hour.hour * 60
    return any(lo < start + 60 and hi > start for lo, hi in week[hour.weekday()])


def describe(week: Week) -> str:
    """One line for people, e.g. ``Mon–Fri 09:00–21:00, Sat 10:00–18:00, Sun closed``."""

    def day(ranges: tuple[tuple[int, int], ...]) -> str:
        fmt = "{:02d}:{:02d}".format
        return ", ".join(f"{fmt(*divmod(a, 60))}–{fmt(*divmod(b, 60))}" for a, b in ranges) or "closed"

    parts: list[str] = []
    i = 0
    while i < 7:
        j = i
        while j + 1 < 7 and week[j + 1] == week[i]:
            j += 1
        name = DAYS[i].title() + (f"–{DAYS[j].title()}" if j > i else "")
        parts.append(f"{name} {day(week[i])}")
        i = j + 1
    return "; ".join(parts)


def to_text(spec: dict[str, str] | None) -> str | None:
    """The config mapping as stored in the database (JSON), None when not set."""
    return json.dumps(spec, sort_keys=True) if spec else None


def from_text(text: str | None) -> Week | None:
    """The stored JSON back as a :data:`Week` (None: not set or unreadable, i.e. every hour is open)."""
    if not text:
        return None
    try:
        return parse(json.loads(text))
    except (ValueError, TypeError, AttributeError):
        return None
