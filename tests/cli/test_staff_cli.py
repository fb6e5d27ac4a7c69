"""``storesight roles``, ``employees`` and ``timesheet`` as a store manager uses them."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import pytest

from app.store.db import open_store
from app.store.records import EventRecord, PhotoRecord, TrackRecord
from app.store.roles import find_track, track
from app.store.schema import RunStatus
from app.store.sync import sync_site
from app.store.writer import StoreWriter
from tests.cli_support import one_error_line, run_cli
from tests.fixtures_staff import SITE, at, build

T0 = at(10)


@pytest.fixture
def db(tmp_path: Path) -> tuple[str, Path]:
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    build(url, tmp_path)[0].close()
    return url, tmp_path


def add_people(url: str, data_dir: Path) -> None:
    """Six people of a later run, each with three crops: three in red (staff), three in black."""
    store = open_store(url)
    cams = sync_site(store, SITE)
    with StoreWriter(store, data_dir) as w:
        run = w.start_run(cams["floor"], "f2.mp4")
        for tid in range(101, 107):
            colour = (40, 40, 200) if tid < 104 else (25, 25, 25)
            img = np.full((90, 40, 3), 150, np.uint8)
            img[15:45] = colour
            _, buf = cv2.imencode(".jpg", img)
            photo = PhotoRecord(buf.tobytes())
            w.put_track(run, TrackRecord("floor", tid, 0, T0 + tid, T0 + tid + 5, 50, "unknown", 0.0))
            w.put_event(run, EventRecord("floor", T0 + tid, "tracks", "track_start", tid, photos=(photo,)))
            payload = {"role": "unknown", "confidence": 0.0, "p_staff": 0.5 + (tid - 103.5) / 20}
            w.put_event(run, EventRecord("floor", T0 + tid, "roles", "decision", tid, None, payload,
                                         photos=(photo, photo), ts_end=T0 + tid + 5))  # fmt: skip
        w.finish_run(run, RunStatus.COMPLETE, frames=1)
        w.flush()
    store.close()


def test_timesheet_prints_the_day_and_writes_csv(
    db: tuple[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    url, tmp = db
    code, out, _ = run_cli(
        capsys, "timesheet", "--db", url, "--day", "2026-11-20", "--csv", str(tmp / "ts.csv")
    )
    assert code == 0
    assert "timesheet 2026-11-20 (Europe/Berlin)" in out
    anna = next(line for line in out.splitlines() if line.startswith("Anna"))
    assert anna.split() == [
        "Anna", "present", "09:00–18:00", "mon-fri", "09:07", "17:50", "7:38", "2", "1:05", "1:20", "0:09", "0:07", "0:10",
    ]  # fmt: skip
    assert "Boris" in out and "absent" in out and "(unidentified staff)" in out and "Clara" not in out
    assert "breaks" in out and "12:30" in out and "0:45" in out
    df = pd.read_csv(tmp / "ts.csv")
    assert df.employee.tolist() == ["Anna", "Boris", "(unidentified staff)"] and df.present_min[0] == 458.0


def test_timesheet_of_a_period_and_one_employee(
    db: tuple[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    url, _ = db
    code, out, _ = run_cli(
        capsys, "timesheet", "--db", url, "--day", "2026-11-19", "--to", "2026-11-21", "--employee", "A1",
        "--break-minutes", "30",
    )  # fmt: skip
    assert code == 0
    table = out.split("\nbreaks")[0]
    rows = [line.split() for line in table.splitlines() if line.startswith("Anna")]
    assert [r[1:3] for r in rows] == [["2026-11-19", "absent"], ["2026-11-20", "present"]]
    assert rows[1][8] == "1"  # one break longer than 30 min


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--day", "20.11.2026"], "--day: '20.11.2026' is not a date"),
        (["--day", "2026-11-20", "--to", "2026-11-19"], "--to must not be before --day"),
        (["--day", "2026-11-20", "--employee", "Zoe"], "no employee 'Zoe'"),
        (["--day", "2026-11-20", "--break-minutes", "-1"], "must not be negative"),
    ],
)
def test_timesheet_bad_input(
    db: tuple[str, Path], capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, _, err = run_cli(capsys, "timesheet", "--db", db[0], *argv)
    assert code == 2 and message in one_error_line(err)


def test_timesheet_needs_an_existing_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(
        capsys, "timesheet", "--db", f"sqlite:///{tmp_path / 'no.db'}", "--day", "2026-11-20"
    )
    assert code == 2 and "database file not found" in one_error_line(err)


def test_employees_add_list_edit(db: tuple[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    url, tmp = db
    photo = tmp / "dana.jpg"
    cv2.imwrite(str(photo), np.full((40, 30, 3), 90, np.uint8))
    code, out, _ = run_cli(
        capsys, "employees", "add", "--db", url, "--name", "Dana", "--code", "D4", "--start", "8:00", "--end", "16:30",
        "--days", "sat-sun", "--workstation", "floor:bench", "--photo", str(photo),
    )  # fmt: skip
    assert code == 0 and "added employee 4: Dana" in out and "08:00–16:30 sat,sun" in out
    assert (tmp / "employees" / "4.jpg").is_file()
    code, out, _ = run_cli(capsys, "employees", "edit", "--db", url, "Dana", "--inactive", "--no-schedule")
    assert code == 0 and " no " in out
    code, out, _ = run_cli(capsys, "employees", "list", "--db", url)
    assert code == 0 and [line.split()[1] for line in out.splitlines()[2:]] == [
        "Anna",
        "Boris",
        "Clara",
        "Dana",
    ]
    code, _, err = run_cli(capsys, "employees", "add", "--db", url, "--name", "Eve", "--start", "9:00")
    assert code == 2 and "both --start and --end" in one_error_line(err)
    code, _, err = run_cli(capsys, "employees", "add", "--db", url, "--name", "Eve", "--workstation", "till")
    assert code == 2 and "CAMERA:ZONE" in one_error_line(err)
    code, _, err = run_cli(capsys, "employees", "edit", "--db", url, "A1", "--code", "D4")
    assert code == 2 and "already has the code" in one_error_line(err)


def test_label_uniform_and_train_from_the_command_line(
    db: tuple[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    url, tmp = db
    add_people(url, tmp)
    code, out, _ = run_cli(capsys, "roles", "list", "--db", url, "--camera", "floor", "--limit", "3")
    assert code == 0
    listed = [line.split()[0] for line in out.splitlines()[2:5]]
    assert listed[0].startswith("floor:1") and len(listed) == 3  # the 0.5 ones first
    for tid in (101, 102):
        assert (
            run_cli(capsys, "roles", "label", "--db", url, f"floor:{tid}", "staff", "--employee", "Anna")[0]
            == 0
        )
    for tid in (104, 105, 106):
        assert run_cli(capsys, "roles", "label", "--db", url, f"floor:{tid}@3", "customer")[0] == 0
    store = open_store(url)
    t = track(store, find_track(store, "floor", 101))
    assert (t.role, t.label, t.employee_id) == ("staff", "staff", 1)
    code, out, _ = run_cli(capsys, "roles", "uniform", "--db", url, "--track", "floor:103", "--crops", "2")
    assert code == 0 and "added 2 uniform example(s)" in out
    code, out, _ = run_cli(capsys, "roles", "uniform", "--db", url, "--list")
    assert code == 0 and out.count("track:floor:103") == 2
    code, out, err = run_cli(capsys, "roles", "train", "--db", url, "--epochs", "3")
    assert code == 0, err
    assert "training crops: 17 (8 staff, 9 customer) from 2 staff and 3 customer track(s)" in out
    model = tmp / "models" / "roles" / "time-shop.pt"
    assert model.is_file() and f"saved {model}" in out
    code, out, _ = run_cli(capsys, "roles", "label", "--db", url, "floor:101", "none")
    assert code == 0 and "is now unknown" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["roles", "label", "floor:999", "staff"], "no track 999 of camera 'floor'"),
        (["roles", "label", "floor:1", "customer", "--employee", "Anna"], "only staff"),
        (["roles", "uniform", "--add", "missing.png"], "not a readable picture"),
        (["roles", "uniform", "--remove", "77"], "no uniform example with id 77"),
        (["roles", "train"], "need crops of at least 2 staff and 2 customers"),
        (["roles", "train", "--site", "Other"], "no site 'Other'"),
    ],
)
def test_roles_bad_input(
    db: tuple[str, Path], capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, _, err = run_cli(capsys, *argv[:2], "--db", db[0], *argv[2:])
    assert code == 2 and message in one_error_line(err)
