"""``site.opening_hours``: parsing, one-line config errors, and the stored form."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from app.config import load_config, save_config
from app.errors import ConfigError
from app.opening_hours import describe, from_text, is_open_hour, parse, to_text


def write(tmp_path: Path, hours: object) -> Path:
    p = tmp_path / "site.yaml"
    p.write_text(yaml.safe_dump({"site": {"name": "Shop", "opening_hours": hours}}), encoding="utf-8")
    return p


def test_valid_opening_hours_parse_and_survive_a_save(tmp_path: Path) -> None:
    spec = {"mon-fri": "09:00-21:00", "sat": "10:00-13:00, 14:00-18:00", "sun": "closed"}
    cfg = load_config(write(tmp_path, spec))
    assert cfg.site.opening_hours == spec
    week = parse(spec)
    assert week[0] == ((540, 1260),) and week[4] == ((540, 1260),)
    assert week[5] == ((600, 780), (840, 1080)) and week[6] == ()
    assert describe(week) == "Mon–Fri 09:00–21:00; Sat 10:00–13:00, 14:00–18:00; Sun closed"
    # 2026-12-05 is a Saturday: 13:00-14:00 is the lunch break, 17:00 open, 18:00 shut
    sat = dt.datetime(2026, 12, 5)
    assert [is_open_hour(week, sat.replace(hour=h)) for h in (9, 10, 13, 17, 18)] == [
        False, True, False, True, False
    ]
    assert is_open_hour(parse({"mon": "09:30-10:15"}), dt.datetime(2026, 11, 30, 10))  # part of the hour
    assert from_text(to_text(spec)) == week and from_text(None) is None and to_text(None) is None
    save_config(cfg, tmp_path / "again.yaml")
    assert load_config(tmp_path / "again.yaml").site.opening_hours == spec


def test_days_not_named_are_closed_and_lists_work() -> None:
    week = parse({"tue,thu": "08:00-24:00"})
    assert [bool(d) for d in week] == [False, True, False, True, False, False, False]
    assert is_open_hour(week, dt.datetime(2026, 12, 1, 23))  # Tuesday, up to midnight


@pytest.mark.parametrize(
    ("hours", "expected"),
    [
        ({"mon-fry": "09:00-21:00"}, "site.opening_hours: .*'mon-fry' is not a day or day range"),
        ({"fri-mon": "09:00-21:00"}, "'fri-mon': the range runs backwards"),
        ({"mon": "9-21"}, r"mon: '9' is not a time HH:MM"),
        ({"mon": "09:00-25:00"}, r"mon: '25:00' is not a time HH:MM"),
        ({"mon": "21:00-09:00"}, "mon: '21:00-09:00' closes before it opens"),
        ({"mon": "open"}, "mon: 'open' is not open-close times like 09:00-21:00"),
        ({"mon-fri": "09:00-21:00", "fri": "closed"}, "fri: fri is given twice"),
        ("9 to 5", "site.opening_hours"),
    ],
)
def test_invalid_opening_hours_are_one_line_naming_the_field(
    tmp_path: Path, hours: object, expected: str
) -> None:
    with pytest.raises(ConfigError, match=expected) as ei:
        load_config(write(tmp_path, hours))
    assert "\n" not in str(ei.value) and "opening_hours" in str(ei.value)
