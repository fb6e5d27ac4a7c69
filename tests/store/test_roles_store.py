"""Labelling people, uniform examples, training crops, employees — and statistics following the final roles."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from app.config import SiteConfig
from app.errors import UserError
from app.store import stats
from app.store.db import Store, open_store
from app.store.employees import (
    Schedule,
    add_employee,
    describe_days,
    employees,
    find_employee,
    update_employee,
)
from app.store.records import EventRecord, PhotoRecord, TrackRecord
from app.store.roles import (
    add_uniform_example,
    clear_label,
    find_track,
    labels,
    parse_track_ref,
    remove_uniform_example,
    set_label,
    track,
    track_crops,
    training_set,
    uncertain_tracks,
    uniform_examples,
)
from app.store.schema import RunStatus
from app.store.sync import sync_site
from app.store.writer import StoreWriter

T0 = 1_795_168_800.0
SITE = SiteConfig.model_validate(
    {
        "site": {"name": "Label shop", "timezone": "UTC"},
        "cameras": [
            {
                "id": "door",
                "source": "d.mp4",
                "zones": [{"id": "entrance", "type": "entrance_line", "points": [[0.5, 0], [0.5, 1]]}],
            }
        ],
    }
)


def jpeg(colour: tuple[int, int, int]) -> bytes:
    img = np.full((80, 40, 3), colour, np.uint8)
    ok, buf = cv2.imencode(".jpg", img)
    assert ok
    return buf.tobytes()


# tracker id → (final role, confidence, p_staff, crops colour); 5 has no decision event (older run)
PEOPLE: dict[int, tuple[str, float, float | None, tuple[int, int, int]]] = {
    1: ("staff", 0.97, 0.97, (40, 40, 200)),
    2: ("customer", 0.95, 0.05, (20, 20, 20)),
    3: ("unknown", 0.0, 0.55, (60, 60, 160)),
    4: ("customer", 0.7, 0.3, (30, 30, 30)),
    5: ("unknown", 0.0, None, (90, 90, 90)),
}


def build(url: str, data_dir: Path) -> Store:
    store = open_store(url)
    cams = sync_site(store, SITE)
    with StoreWriter(store, data_dir) as w:
        run = w.start_run(cams["door"], "d.mp4")
        for tid, (role, conf, p, colour) in PEOPLE.items():
            first = T0 + 10 * tid
            w.put_track(run, TrackRecord("door", tid, 0, first, first + tid, 10 * tid, role, conf))
            photo = PhotoRecord(jpeg(colour))
            w.put_event(run, EventRecord("door", first, "tracks", "track_start", tid, photos=(photo,)))
            if p is not None:
                payload = {"role": role, "confidence": conf, "p_staff": p, "employee_id": None}
                w.put_event(run, EventRecord("door", first, "roles", "decision", tid, None, payload,
                                             photos=(photo, photo), ts_end=first + tid))  # fmt: skip
            # footfall as stored at the time of the crossing: nobody was decided yet
            w.put_event(
                run, EventRecord("door", first + 0.5, "footfall", "in", tid, "entrance", {"role": "unknown"})
            )
        w.finish_run(run, RunStatus.COMPLETE, frames=10, first_ts=T0, last_ts=T0 + 100)
        w.flush()
    return store


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return build(f"sqlite:///{tmp_path / 'r.db'}", tmp_path)


def test_most_uncertain_first_then_longest(store: Store) -> None:
    rows = uncertain_tracks(store)
    assert [r.tracker_id for r in rows] == [5, 3, 4, 2, 1]  # no decision (0.5), 0.55, 0.3, 0.05, 0.97
    r3 = next(r for r in rows if r.tracker_id == 3)
    assert r3.p_staff == 0.55 and r3.uncertainty == pytest.approx(0.9) and len(r3.photos) == 3
    assert [p.path.startswith("crops/door/") for p in r3.photos] == [True] * 3
    assert [r.tracker_id for r in uncertain_tracks(store, limit=2)] == [5, 3]


def test_a_label_becomes_the_role_the_stats_use(store: Store) -> None:
    def customers_in() -> int:
        return int(stats.footfall_by_hour(store)["in"].sum())

    assert customers_in() == 4  # final track roles: only track 1 is staff (its event said unknown)
    tid = find_track(store, "door", 3)
    set_label(store, tid, "staff")
    assert customers_in() == 3
    assert (track(store, tid).role, track(store, tid).confidence, track(store, tid).label) == (
        "staff",
        1.0,
        "staff",
    )
    assert [r.tracker_id for r in uncertain_tracks(store)] == [5, 4, 2, 1]  # labelled ones drop out
    assert uncertain_tracks(store, include_labelled=True)[-1].tracker_id == 3
    set_label(store, tid, "customer")  # changing one's mind
    assert customers_in() == 4 and [x.role for x in labels(store)] == ["customer"]
    clear_label(store, tid)
    t = track(store, tid)
    assert (t.role, t.confidence, t.label) == ("unknown", 0.0, None) and labels(store) == []


def test_staff_label_links_the_employee_and_customer_label_unlinks(store: Store) -> None:
    anna = add_employee(store, "Anna")
    tid = find_track(store, "door", 1)
    set_label(store, tid, "staff", employee_id=anna.id)
    assert track(store, tid).employee_id == anna.id
    set_label(store, tid, "customer")
    assert track(store, tid).employee_id is None


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s, t: set_label(s, t, "manager"), "staff or customer"),
        (lambda s, t: set_label(s, t, "customer", employee_id=1), "only staff"),
        (lambda s, t: set_label(s, t, "staff", employee_id=99), "no employee with id 99"),
        (lambda s, t: set_label(s, 999, "staff"), "no track with id 999"),
        (lambda s, t: parse_track_ref(s, "door"), "use CAMERA:TRACKER_ID"),
        (lambda s, t: parse_track_ref(s, "door:77"), "no track 77 of camera 'door'"),
        (lambda s, t: parse_track_ref(s, "door:1@9"), "in run 9"),
        (lambda s, t: parse_track_ref(s, "#999"), "no person track with id 999"),
    ],
)
def test_bad_labels_are_one_clear_error(store: Store, call: Any, message: str) -> None:
    with pytest.raises(UserError, match=message) as e:
        call(store, find_track(store, "door", 2))
    assert e.value.exit_code == 2


def test_track_references(store: Store) -> None:
    tid = find_track(store, "door", 2)
    assert parse_track_ref(store, "door:2") == tid == parse_track_ref(store, "door:2@1")
    assert parse_track_ref(store, f"#{tid}") == tid


def test_uniform_examples_add_list_remove(store: Store, tmp_path: Path) -> None:
    anna = add_employee(store, "Anna")
    red = np.full((100, 50, 3), (40, 40, 200), np.uint8)
    u1 = add_uniform_example(store, tmp_path, red, source="file:red.jpg")
    u2 = add_uniform_example(store, tmp_path, red, employee_id=anna.id)
    assert (tmp_path / u1.path).is_file() and u1.path.startswith("uniforms/")
    assert len(u1.features) == 27 and max(u1.features) == pytest.approx(1.0)
    assert [u.id for u in uniform_examples(store)] == [u1.id, u2.id]
    assert [u.id for u in uniform_examples(store, employee_id=anna.id)] == [u2.id]
    assert employees(store)[0].uniform_examples == 1
    remove_uniform_example(store, u1.id, tmp_path)
    assert not (tmp_path / u1.path).exists() and [u.id for u in uniform_examples(store)] == [u2.id]
    with pytest.raises(UserError, match="no uniform example"):
        remove_uniform_example(store, u1.id)
    with pytest.raises(UserError, match="not a colour picture"):
        add_uniform_example(store, tmp_path, np.zeros((10, 10), np.uint8))
    with pytest.raises(UserError, match="no employee"):
        add_uniform_example(store, tmp_path, red, employee_id=42)
    assert len(uniform_examples(store)) == 1  # the failed one left no row


def test_training_set_has_every_crop_of_labelled_tracks_and_the_uniforms(
    store: Store, tmp_path: Path
) -> None:
    set_label(store, find_track(store, "door", 1), "staff")
    set_label(store, find_track(store, "door", 2), "customer")
    set_label(store, find_track(store, "door", 5), "customer")
    add_uniform_example(store, tmp_path, np.full((100, 50, 3), (40, 40, 200), np.uint8))
    ts = training_set(store, tmp_path)
    # track 1: start crop + 2 decision crops; track 2: 3; track 5: only its start crop; 1 uniform
    assert sorted(ts.labels) == [0, 0, 0, 0, 1, 1, 1, 1]
    assert ts.tracks == {"staff": 1, "customer": 2} and ts.missing == 0
    assert len(set(ts.groups)) == 4 and all(c.shape[2] == 3 for c in ts.crops)
    assert len(training_set(store, tmp_path, with_uniforms=False).labels) == 7
    assert len(track_crops(store, tmp_path, find_track(store, "door", 1), limit=2)) == 2
    assert training_set(store, tmp_path / "elsewhere").missing == 8


@pytest.mark.parametrize(
    ("start", "end", "days", "text"),
    [
        ("09:00", "18:00", "mon-fri", "09:00–18:00 mon-fri"),
        ("9:30", "17:00", None, "09:30–17:00 every day"),
        ("22:00", "06:00", "fri-mon", "22:00–06:00 fri-mon"),
        ("08:00", "12:00", "mon,wed,sat,sun", "08:00–12:00 mon,wed,sat,sun"),
        ("08:00", "12:00", ["Tuesday", "wed"], "08:00–12:00 tue,wed"),
    ],
)
def test_schedule_parsing(start: str, end: str, days: Any, text: str) -> None:
    s = Schedule.parse(start, end, days)
    assert s.describe() == text
    assert Schedule.from_json(s.to_json()) == s


@pytest.mark.parametrize(
    ("start", "end", "days", "message"),
    [
        ("9", "18:00", None, "start: '9' is not a clock time"),
        ("09:00", "25:00", None, "end: '25:00'"),
        ("09:00", "09:00", None, "the same time"),
        ("09:00", "18:00", "mon-fr", "not a range of days"),
        ("09:00", "18:00", "someday", "not a day"),
    ],
)
def test_bad_schedule(start: str, end: str, days: Any, message: str) -> None:
    with pytest.raises(UserError, match=message):
        Schedule.parse(start, end, days)


def test_shift_times_and_days() -> None:
    night = Schedule.parse("22:00", "06:00", "fri")
    friday = dt.date(2026, 11, 20)
    start, end = night.shift(friday, dt.UTC)  # type: ignore[misc]
    assert end - start == 8 * 3600 and dt.datetime.fromtimestamp(start, dt.UTC).hour == 22
    assert night.shift(friday + dt.timedelta(days=1), dt.UTC) is None
    assert describe_days(range(7)) == "every day" and describe_days([5, 6]) == "sat,sun"


def test_employees_add_edit_find(store: Store) -> None:
    a = add_employee(store, " Anna Petrova ", code="A-1", schedule=Schedule.parse("09:00", "18:00", "mon-fri"),
                     workstations=["door:till", ("back", "stock")])  # fmt: skip
    assert (a.name, a.workstations) == ("Anna Petrova", (("door", "till"), ("back", "stock")))
    b = add_employee(store, "Boris")
    assert find_employee(store, "A-1").id == a.id == find_employee(store, "anna petrova").id
    assert find_employee(store, str(b.id)).name == "Boris"
    with pytest.raises(UserError, match="already has the code"):
        add_employee(store, "Anna 2", code="A-1")
    with pytest.raises(UserError, match="no employee 'Zoe'"):
        find_employee(store, "Zoe")
    with pytest.raises(UserError, match="CAMERA:ZONE"):
        add_employee(store, "C", workstations=["door"])
    with pytest.raises(UserError, match="needs a name"):
        add_employee(store, "  ")
    e = update_employee(store, a.id, schedule=None, active=False, workstations=[], code=None)
    assert (e.schedule, e.active, e.workstations, e.code) == (None, False, (), None)
    assert [x.name for x in employees(store, active_only=True)] == ["Boris"]
    with pytest.raises(UserError, match="already has the code"):
        update_employee(store, b.id, code="A-1") if update_employee(store, a.id, code="A-1") else None
    with pytest.raises(UserError, match="no employee with id 99"):
        update_employee(store, 99, name="x")
