"""``storesight prune``: what was (or would be) deleted, per kind, with the bytes freed."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from tests.cli_support import one_error_line, run_cli
from tests.fixtures_prune import CAMERAS, D, build_prune_store


@pytest.fixture()
def old_store(tmp_path: Path) -> tuple[str, Path, dict]:
    """The prune store with its cutoff 30 days ago: ``--days 30`` deletes what the fixture says."""
    data = tmp_path / "data"
    url = f"sqlite:///{tmp_path / 'store.db'}"
    store, ids = build_prune_store(url, data, dt.datetime.now(dt.UTC) - 30 * D)
    store.close()
    return url, data, ids


def _count(out: str, kind: str) -> int:
    m = re.search(rf"^\s+{re.escape(kind)}\s+([\d,]+)", out, re.M)
    assert m, out
    return int(m.group(1).replace(",", ""))


def test_dry_run_then_prune(old_store: tuple[str, Path, dict], capsys: pytest.CaptureFixture[str]) -> None:
    url, data, ids = old_store
    args = ["prune", "--db", url, "--data-dir", str(data), "--days", "30"]
    code, out, err = run_cli(capsys, *args, "--dry-run")
    assert code == 0, err
    assert "would be deleted:" in out and "keeping 30 day(s)" in out
    assert (_count(out, "events"), _count(out, "event photos"), _count(out, "camera backgrounds")) == (
        2,
        2,
        2,
    )
    assert "(3.1 KB)" in out  # 2 photos, cam's oldest background, the inactive camera's, the orphan
    assert (data / ids["photos"]["old_a"]).is_file()  # nothing changed

    code, out, err = run_cli(capsys, *args)
    assert code == 0, err
    assert "deleted:" in out and _count(out, "events") == 2 and _count(out, "tracks") == 1
    assert not (data / ids["photos"]["old_a"]).exists() and (data / ids["photos"]["new"]).is_file()
    code, out, _ = run_cli(capsys, *args)
    assert code == 0 and _count(out, "events") == 0


def test_config_gives_the_days_the_data_folder_and_the_cameras(
    old_store: tuple[str, Path, dict], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, data, ids = old_store
    cfg = tmp_path / "site.yaml"
    cfg.write_text(
        yaml.safe_dump(
            {
                "site": {"name": "Prune shop"},
                "cameras": CAMERAS,  # "gone" is back in the config: its background stays
                "storage": {"retention_days": 30, "data_dir": str(data), "db_url": url},
            }
        )
    )
    code, out, err = run_cli(capsys, "prune", "--config", str(cfg))
    assert code == 0, err
    assert "keeping 30 day(s)" in out and _count(out, "events") == 2
    assert _count(out, "camera backgrounds") == 1 and (data / ids["backgrounds"]["gone"]).is_file()


@pytest.mark.parametrize(
    ("argv", "message", "exit_code"),
    [
        (["--days", "0"], "--days must be at least 1", 2),
        (["--db", "sqlite:////nonexistent/folder/x.db"], "database file not found", 2),
        (["--db", "mysql://x/y"], "unsupported database", 2),  # a bad --db is a bad argument (issue 19)
        (["--config", "/nonexistent/site.yaml"], "site.yaml", 2),
    ],
)
def test_bad_input_is_one_line_and_a_nonzero_exit(
    argv: list[str], message: str, exit_code: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if "--db" not in argv:
        argv = [*argv, "--db", f"sqlite:///{tmp_path / 'none.db'}"]
    code, _, err = run_cli(capsys, "prune", *argv)
    assert code == exit_code
    assert message in one_error_line(err)
