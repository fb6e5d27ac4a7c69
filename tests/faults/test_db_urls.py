"""Fault suite: database URLs that would lose data or land somewhere unexpected (issue 19, defects 1 and 8)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from app.cli.main import main
from app.store.db import safe_url
from tests.cli_support import one_error_line, run_cli
from tests.faults.support import clip, remount_read_only, runs, tiny_fs

pytestmark = pytest.mark.timeout(300)


@pytest.mark.parametrize("url", ["sqlite:///", "sqlite://", "", "sqlite:///:memory:", "  "])
def test_in_memory_or_empty_db_is_refused_before_anything_is_written(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    video = clip(tmp_path / "clip.avi", frames=5)
    code, out, err = run_cli(capsys, "analyze", str(video), "--db", url, "--out", "o", "--no-progress")
    assert code == 2
    line = one_error_line(err)
    assert "in-memory" in line or "empty" in line
    assert not (tmp_path / "o" / "crops").exists()  # no photos without rows
    assert "complete" not in out


@pytest.mark.parametrize("command", [["stats"], ["report", "--from", "2026-01-01", "--to", "2026-01-02"]])
def test_in_memory_db_is_refused_by_every_command(
    capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    code, _, err = run_cli(capsys, *command, "--db", "sqlite://")
    assert code == 2 and "in-memory" in one_error_line(err)


def test_plain_path_is_a_sqlite_file_as_the_readme_says(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    video = clip(tmp_path / "clip.avi", frames=5)
    code, out, err = run_cli(capsys, "analyze", str(video), "--db", "shop.db", "--out", "o", "--no-progress")
    assert code == 0, err
    assert f"database: sqlite:///{tmp_path / 'shop.db'}" in out  # absolute, as it really is
    assert runs(tmp_path / "shop.db")[0][1] == "complete"
    code, out, err = run_cli(capsys, "stats", "--db", "shop.db")
    assert code == 0 and "StoreSight statistics" in out, err
    code, _, err = run_cli(capsys, "stats", "--db", "missing.db")
    assert code == 2 and "not found" in one_error_line(err)


def test_three_slashes_before_tmp_is_not_silently_relative(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no tmp/ folder here, but /tmp exists
    video = clip(tmp_path / "clip.avi", frames=5)
    code, _, err = run_cli(capsys, "analyze", str(video), "--db", "sqlite:///tmp/x.db", "--out", "o")
    assert code == 2
    line = one_error_line(err)
    assert "sqlite:////tmp/x.db" in line and "relative" in line
    assert not (tmp_path / "tmp").exists()


def test_unicode_path_is_shown_as_typed() -> None:
    assert safe_url("sqlite:////daten/Läden/Köln ü.db") == "sqlite:////daten/Läden/Köln ü.db"


def test_stats_on_another_programs_database_changes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    other = tmp_path / "accounts.db"
    con = sqlite3.connect(other)
    con.execute("create table invoices (id integer primary key, total real)")
    con.execute("insert into invoices (total) values (9.5)")
    con.commit()
    con.close()
    before = other.read_bytes()
    for argv in (["stats", "--db", str(other)], ["analyze", "x.avi", "--db", str(other)]):
        code, _, err = run_cli(capsys, *argv)
        assert code != 0
        if argv[0] == "stats":
            assert "another program's database" in one_error_line(err)
    assert other.read_bytes() == before
    con = sqlite3.connect(other)
    assert [r[0] for r in con.execute("select name from sqlite_master where type='table'")] == ["invoices"]
    con.close()


def test_stats_works_on_a_read_only_file_system(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    video = clip(tmp_path / "clip.avi", frames=20)
    with tiny_fs(tmp_path / "ro", "32m") as mnt:
        assert main(["analyze", str(video), "--out", str(mnt), "--no-progress"]) == 0
        capsys.readouterr()
        remount_read_only(mnt)
        code, out, err = run_cli(capsys, "stats", "--db", str(mnt / "storesight.db"))
        assert code == 0, err
        assert "StoreSight statistics" in out and "Traceback" not in err
        code, out, err = run_cli(capsys, "stats", "--db", str(mnt / "storesight.db"), "--json")
        assert code == 0 and '"numbers"' in out, err
