"""Employees: who they are, when they should work, where they work (the GUI's employee page and the CLI).

An employee has a name, an optional personnel code (unique), a photo, a work schedule
(``start``/``end`` clock times in the site's time zone on given week days) and workstation zones
(camera id + zone id from the config). Uniform examples that show one employee live in
:mod:`app.store.roles`. Tracks are linked to an employee when the role stage identifies them
(or the user labels them), and the timesheet (:mod:`app.store.timesheet`) adds up their day.

Example:
    >>> from app.store.db import open_store
    >>> store = open_store("sqlite://")
    >>> emp = add_employee(store, "Anna", code="A-1", schedule=Schedule.parse("09:00", "18:00", "mon-fri"))
    >>> [(e.name, e.schedule.describe()) for e in employees(store)]
    [('Anna', '09:00–18:00 mon-fri')]
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.errors import UserError
from app.store.db import Store
from app.store.schema import Employee, UniformExample

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
EXIT_BAD_ARGS = 2


def _clock(text: str, what: str) -> dt.time:
    m = re.fullmatch(r"(\d{1,2}):(\d{2})", text.strip())
    try:
        if m is None:
            raise ValueError(text)
        t = dt.time(int(m.group(1)), int(m.group(2)))
    except ValueError:
        raise UserError(
            f"{what}: {text!r} is not a clock time (use HH:MM, e.g. 09:00)", EXIT_BAD_ARGS
        ) from None
    return t.replace(second=0, microsecond=0)


def _days(text: str | Sequence[str] | None) -> tuple[int, ...]:
    """``"mon-fri"``, ``"mon,wed,sat"``, ``["mon", "tue"]`` → ISO week day numbers 0..6 (Monday 0)."""
    if text is None or text == "" or text == []:
        return tuple(range(7))
    parts = text.split(",") if isinstance(text, str) else list(text)
    out: set[int] = set()
    for part in parts:
        p = str(part).strip().lower()[:7]
        if "-" in p:
            a, b = (x.strip()[:3] for x in p.split("-", 1))
            if a not in DAYS or b not in DAYS:
                raise UserError(f"days: {part!r} is not a range of days like mon-fri", EXIT_BAD_ARGS)
            i, j = DAYS.index(a), DAYS.index(b)
            out.update(range(i, j + 1) if i <= j else [*range(i, 7), *range(0, j + 1)])
        elif p[:3] in DAYS:
            out.add(DAYS.index(p[:3]))
        else:
            raise UserError(f"days: {part!r} is not a day (use mon, tue, … sun or mon-fri)", EXIT_BAD_ARGS)
    return tuple(sorted(out))


@dataclass(frozen=True, slots=True)
class Schedule:
    """Working time to check the timesheet against: ``start``–``end`` on ``days`` (0 = Monday).

    A shift that ends before it starts (22:00–06:00) ends the next morning.

    Example:
        >>> s = Schedule.parse("22:00", "06:00", "fri-mon")
        >>> s.describe(), s.works_on(dt.date(2026, 11, 20)), s.works_on(dt.date(2026, 11, 18))
        ('22:00–06:00 fri-mon', True, False)
    """

    start: dt.time
    end: dt.time
    days: tuple[int, ...] = tuple(range(7))

    @classmethod
    def parse(cls, start: str, end: str, days: str | Sequence[str] | None = None) -> Schedule:
        """From text: ``"09:00"``, ``"18:00"``, ``"mon-fri"``.

        Raises:
            UserError: a bad time or day (exit code 2).
        """
        s, e = _clock(start, "start"), _clock(end, "end")
        if s == e:
            raise UserError("the schedule's start and end are the same time", EXIT_BAD_ARGS)
        return cls(s, e, _days(days))

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Schedule | None:
        """From the ``employees.schedule`` column (None: no schedule)."""
        if not data or "start" not in data or "end" not in data:
            return None
        return cls.parse(str(data["start"]), str(data["end"]), data.get("days"))

    def to_json(self) -> dict[str, Any]:
        """For the ``employees.schedule`` column."""
        return {"start": self.start.strftime("%H:%M"), "end": self.end.strftime("%H:%M"),
                "days": [DAYS[d] for d in self.days]}  # fmt: skip

    def works_on(self, day: dt.date) -> bool:
        """Whether a shift starts on this date."""
        return day.weekday() in self.days

    def shift(self, day: dt.date, tz: dt.tzinfo | None) -> tuple[float, float] | None:
        """Epoch seconds of the shift starting on ``day`` in time zone ``tz`` (None: local), if any."""
        if not self.works_on(day):
            return None
        start = dt.datetime.combine(day, self.start)
        end = dt.datetime.combine(day + dt.timedelta(days=1) if self.end <= self.start else day, self.end)
        if tz is None:
            return start.astimezone().timestamp(), end.astimezone().timestamp()
        return start.replace(tzinfo=tz).timestamp(), end.replace(tzinfo=tz).timestamp()

    def describe(self) -> str:
        """``09:00–18:00 mon-fri``."""
        return f"{self.start.strftime('%H:%M')}–{self.end.strftime('%H:%M')} {describe_days(self.days)}"


def describe_days(days: Iterable[int]) -> str:
    """``(0, 1, 2, 3, 4)`` → ``mon-fri``; ``(4, 5, 6, 0)`` → ``fri-mon``; all seven → ``every day``."""
    d = sorted(set(days))
    if len(d) == 7:
        return "every day"
    if not d:
        return "no days"
    runs: list[list[int]] = [[d[0]]]
    for x in d[1:]:
        if x == runs[-1][-1] + 1:
            runs[-1].append(x)
        else:
            runs.append([x])
    if len(runs) == 2 and runs[0][0] == 0 and runs[-1][-1] == 6:  # one shift pattern over the weekend
        runs = [runs[1] + runs[0]]
    parts = []
    for r in runs:
        if len(r) >= 3:
            parts.append(f"{DAYS[r[0]]}-{DAYS[r[-1]]}")
        else:
            parts.extend(DAYS[x] for x in r)
    return ",".join(parts)


def parse_workstation(text: str) -> tuple[str, str]:
    """``"camera:zone"`` → (camera id, zone id).

    Raises:
        UserError: not of that form (exit code 2).
    """
    cam, sep, zone = text.partition(":")
    if not sep or not cam.strip() or not zone.strip():
        raise UserError(f"workstation {text!r}: use CAMERA:ZONE (ids from the site config)", EXIT_BAD_ARGS)
    return cam.strip(), zone.strip()


@dataclass(frozen=True, slots=True)
class EmployeeRow:
    """An employee as stored.

    Attributes:
        id: row id.
        name: full name.
        code: personnel number, if any.
        active: still employed (inactive ones drop out of timesheets and identification).
        notes: free text.
        photo_path: photo relative to the data folder, if any.
        schedule: working time, if set.
        workstations: (camera id, zone id) pairs.
        uniform_examples: how many uniform pictures show this employee.
    """

    id: int
    name: str
    code: str | None
    active: bool
    notes: str
    photo_path: str | None
    schedule: Schedule | None
    workstations: tuple[tuple[str, str], ...]
    uniform_examples: int = 0


def _row(e: Employee, examples: int = 0) -> EmployeeRow:
    ws = tuple((str(w.get("camera", "")), str(w.get("zone", ""))) for w in (e.workstations or []))
    return EmployeeRow(e.id, e.name, e.code, e.active, e.notes, e.photo_path, Schedule.from_json(e.schedule),
                       ws, examples)  # fmt: skip


def _ws_json(workstations: Iterable[tuple[str, str] | str]) -> list[dict[str, str]]:
    out = []
    for w in workstations:
        cam, zone = parse_workstation(w) if isinstance(w, str) else w
        out.append({"camera": cam, "zone": zone})
    return out


def add_employee(
    store: Store,
    name: str,
    *,
    code: str | None = None,
    notes: str = "",
    photo_path: str | None = None,
    schedule: Schedule | None = None,
    workstations: Iterable[tuple[str, str] | str] = (),
) -> EmployeeRow:
    """Create an employee.

    Raises:
        UserError: an empty name or a code another employee has (exit code 2).
    """
    if not name.strip():
        raise UserError("an employee needs a name", EXIT_BAD_ARGS)
    emp = Employee(
        name=name.strip(),
        code=(code or "").strip() or None,
        notes=notes,
        photo_path=photo_path,
        schedule=schedule.to_json() if schedule else None,
        workstations=_ws_json(workstations),
        active=True,
    )
    try:
        with store.session(write=True) as s:
            s.add(emp)
            s.flush()
            return _row(emp)
    except IntegrityError:
        raise UserError(f"another employee already has the code {code!r}", EXIT_BAD_ARGS) from None


_UNSET: Any = object()


def update_employee(
    store: Store,
    employee_id: int,
    *,
    name: str | None = None,
    code: str | None = _UNSET,
    notes: str | None = None,
    photo_path: str | None = _UNSET,
    schedule: Schedule | None = _UNSET,
    workstations: Iterable[tuple[str, str] | str] | None = None,
    active: bool | None = None,
) -> EmployeeRow:
    """Change some fields of an employee (the ones given; ``None`` clears code, photo, schedule).

    Raises:
        UserError: no such employee, an empty name, or a taken code (exit code 2).
    """
    try:
        with store.session(write=True) as s:
            emp = s.get(Employee, employee_id)
            if emp is None:
                raise UserError(f"no employee with id {employee_id}", EXIT_BAD_ARGS)
            if name is not None:
                if not name.strip():
                    raise UserError("an employee needs a name", EXIT_BAD_ARGS)
                emp.name = name.strip()
            if code is not _UNSET:
                emp.code = (code or "").strip() or None
            if notes is not None:
                emp.notes = notes
            if photo_path is not _UNSET:
                emp.photo_path = photo_path
            if schedule is not _UNSET:
                emp.schedule = schedule.to_json() if schedule else None
            if workstations is not None:
                emp.workstations = _ws_json(workstations)
            if active is not None:
                emp.active = active
            s.flush()
            n = s.scalar(select(func.count(UniformExample.id)).where(UniformExample.employee_id == emp.id))
            return _row(emp, int(n or 0))
    except IntegrityError:
        raise UserError(f"another employee already has the code {code!r}", EXIT_BAD_ARGS) from None


def copy_employee_photo(
    data_dir: str | Path, employee_id: int, src: str | Path, *, what: str = "photo"
) -> str:
    """Copy a photo of an employee into ``<data_dir>/employees/<id>.<ext>``; return that path relative to the folder.

    Args:
        data_dir: the data folder.
        employee_id: whose photo it is.
        src: the picture file.
        what: how error messages name it (``--photo`` for the CLI).

    Raises:
        UserError: the file does not exist (exit code 2) or cannot be copied.
    """
    source = Path(src).expanduser()
    if not source.is_file():
        raise UserError(f"{what}: file not found: {source}", EXIT_BAD_ARGS)
    rel = f"employees/{employee_id}{source.suffix.lower() or '.jpg'}"
    dest = Path(data_dir) / rel
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        if source.resolve() != dest.resolve():
            shutil.copyfile(source, dest)
    except OSError as e:
        raise UserError(f"{what}: cannot copy to {dest.parent}: {e.strerror or e}") from None
    return rel


def employees(store: Store, *, active_only: bool = False) -> list[EmployeeRow]:
    """Every employee (or the active ones), by name."""
    with store.session() as s:
        counts = dict(
            s.execute(
                select(UniformExample.employee_id, func.count(UniformExample.id)).group_by(
                    UniformExample.employee_id
                )
            ).all()
        )
        q = select(Employee).order_by(Employee.name, Employee.id)
        if active_only:
            q = q.where(Employee.active.is_(True))
        return [_row(e, int(counts.get(e.id, 0))) for e in s.scalars(q)]


def find_employee(store: Store, key: int | str) -> EmployeeRow:
    """An employee by row id, personnel code or exact name.

    Raises:
        UserError: none, or several with that name (exit code 2).
    """
    rows = employees(store)
    if isinstance(key, int) or (isinstance(key, str) and key.isdigit()):
        hit = [e for e in rows if e.id == int(key)]
        if hit:
            return hit[0]
    key_s = str(key).strip()
    hit = [e for e in rows if e.code == key_s] or [e for e in rows if e.name.lower() == key_s.lower()]
    if len(hit) == 1:
        return hit[0]
    if not hit:
        known = ", ".join(f"{e.id} {e.name}" for e in rows) or "none yet"
        raise UserError(f"no employee {key_s!r} (employees: {known})", EXIT_BAD_ARGS)
    raise UserError(f"several employees are called {key_s!r}; use the id or the code", EXIT_BAD_ARGS)
