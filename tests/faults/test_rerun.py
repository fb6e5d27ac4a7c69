"""Fault suite: analysing the same file again does not add up (issue 19, defect 2)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.cli_support import one_error_line, run_cli
from tests.faults.support import clip, runs

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def _footfall(capsys: pytest.CaptureFixture[str], db: Path) -> dict[str, object]:
    code, out, err = run_cli(capsys, "stats", "--db", str(db), "--json", "--role", "all")
    assert code == 0, err
    return json.loads(out)["numbers"]


def _photos(db: Path) -> list[str]:
    con = sqlite3.connect(db)
    try:
        return [r[0] for r in con.execute("select path from event_photos order by path")]
    finally:
        con.close()


def test_rerun_is_refused_then_replaced_or_appended(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    video = clip(tmp_path / "clip.avi", frames=30)
    out = tmp_path / "out"
    db = out / "storesight.db"
    args = ["analyze", str(video), "--out", str(out), "--no-progress"]
    code, _, err = run_cli(capsys, *args)
    assert code == 0, err
    first = _footfall(capsys, db)
    old_photos = _photos(db)
    assert old_photos and all((out / p).is_file() for p in old_photos)

    code, _, err = run_cli(capsys, *args)  # the same file again: refused, nothing changes
    assert code == 2
    line = one_error_line(err)
    assert "--replace-run" in line and "--append" in line and "run 1" in line
    assert len(runs(db)) == 1 and _footfall(capsys, db) == first

    code, _, err = run_cli(capsys, *args, "--replace-run")
    assert code == 0, err
    assert "replaced run 1" in err
    assert [r[1] for r in runs(db)] == ["complete"]
    assert _footfall(capsys, db) == first  # the same numbers, not twice them
    new_photos = _photos(db)
    assert all((out / p).is_file() for p in new_photos)
    on_disk = sorted(str(p.relative_to(out)) for p in (out / "crops").rglob("*.jpg"))
    assert on_disk == new_photos  # the old run's photo files went with its rows

    code, _, err = run_cli(capsys, *args, "--append")
    assert code == 0, err
    assert len(runs(db)) == 2
    both = _footfall(capsys, db)
    assert both["footfall_in"] == 2 * first["footfall_in"] or both["visits"] == 2 * first["visits"]
