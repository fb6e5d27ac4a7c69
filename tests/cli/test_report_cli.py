"""``storesight report`` and ``storesight notify`` from the command line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml

from tests.cli_support import one_error_line, run_cli
from tests.fake_bot_api import FakeBotApi
from tests.fixtures_stats import SITE, build_store

pytestmark = pytest.mark.timeout(120)

TOKEN = "555000111:CLI-secret-token"


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'shop' / 'storesight.db'}"
    build_store(url, tmp_path / "shop").close()
    return url


def test_report_writes_workbook_and_csv(capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path) -> None:
    xlsx, folder = tmp_path / "out" / "nov20.xlsx", tmp_path / "csv"
    code, out, err = run_cli(
        capsys, "report", "--db", db, "--from", "2026-11-20", "--to", "2026-11-20",
        "--camera", "door", "--camera", "back", "--xlsx", str(xlsx), "--csv", str(folder), "--sep", "tab",
    )  # fmt: skip
    assert code == 0, err
    assert "period: 2026-11-20 00:00 – 2026-11-21 00:00 (times in Europe/Berlin)" in out
    files = sorted(p.name for p in folder.iterdir())
    assert f"workbook: {xlsx}" in out and f"csv: {len(files)} files in {folder}" in out
    assert "staff_timesheet.csv" in files  # the unidentified staff's day (a staff track is stored)
    wb = openpyxl.load_workbook(xlsx)
    assert wb["Summary"]["B5"].value == "Front door (door), back (back)"
    assert (folder / "visits.csv").read_text(encoding="utf-8-sig").splitlines()[
        1
    ] == "Front door\t5\t120\t90\t228"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-11-20", "--to", "2026-11-20"], "--xlsx FILE and/or --csv DIR"),
        (
            ["--from", "20.11.2026", "--to", "2026-11-20", "--xlsx", "r.xlsx"],
            "--from: '20.11.2026' is not a date",
        ),
        (["--from", "2026-11-21", "--to", "2026-11-20", "--xlsx", "r.xlsx"], "--from must be before --to"),
        (
            ["--from", "2026-11-20", "--to", "2026-11-20", "--camera", "nope", "--xlsx", "r.xlsx"],
            "no camera 'nope'",
        ),
        (["--from", "2026-11-20", "--to", "2026-11-20", "--xlsx", "r.xlsx", "--sep", "|"], "--sep: use"),
        (
            ["--from", "2026-11-20", "--to", "2026-11-20", "--csv", "c", "--sep", ",", "--decimal", ","],
            "cannot be the same",
        ),
    ],
)
def test_report_mistakes_are_one_line(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    args: list[str], message: str,
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(capsys, "report", "--db", db, *args)
    assert code == 2
    assert message in one_error_line(err)
    assert not (tmp_path / "r.xlsx").exists()


def test_report_output_and_database_problems(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    code, _, err = run_cli(capsys, "report", "--db", db, "--from", "2026-11-20", "--to", "2026-11-21",
                           "--xlsx", str(tmp_path))  # fmt: skip
    assert code == 2 and "is a folder" in one_error_line(err)
    missing = f"sqlite:///{tmp_path / 'none.db'}"
    code, _, err = run_cli(capsys, "report", "--db", missing, "--from", "2026-11-20", "--to", "2026-11-21",
                           "--xlsx", str(tmp_path / "x.xlsx"))  # fmt: skip
    assert code == 2 and "database file not found" in one_error_line(err)


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    a = FakeBotApi().start()
    yield a
    a.stop()


def site_config(tmp_path: Path, db: str, api: FakeBotApi, **notifications: Any) -> Path:
    data = {
        **SITE,
        "storage": {"db_url": db},
        "notifications": {
            "enabled": True,
            "min_interval": 0,
            "timeout": 3,
            "telegram": {
                "token": TOKEN,
                "chat_id": "12345",
                "events": ["footfall.in"],
                "api_url": api.base_url,
            },
            **notifications,
        },
    }
    path = tmp_path / "site.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_notify_test_run_and_status(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path, api: FakeBotApi
) -> None:
    cfg = site_config(tmp_path, db, api)
    code, out, err = run_cli(capsys, "notify", "test", "--config", str(cfg))
    assert code == 0, err
    assert f"Telegram chat 12345 via http://127.0.0.1:{api.port}: delivered" in out
    (msg,) = api.sent("sendMessage")
    assert msg.fields["text"].startswith("StoreSight test message — Stats shop")

    code, out, _ = run_cli(capsys, "notify", "run", "--config", str(cfg), "--once")
    assert code == 0 and "queued 0, sent 0" in out  # the stored events are older than the channel
    code, out, _ = run_cli(capsys, "notify", "status", "--db", db)
    assert code == 0 and "the outbox is empty" in out

    api.stop()
    code, out, err = run_cli(capsys, "notify", "test", "--config", str(cfg))
    assert code == 1
    assert "not reachable now: cannot reach http://127.0.0.1" in out
    assert "1 of 1 channel(s) did not take the test message" in one_error_line(err)
    assert TOKEN not in out + err


def test_notify_refuses_a_config_without_channels(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path, api: FakeBotApi
) -> None:
    cfg = site_config(tmp_path, db, api, enabled=False)
    code, _, err = run_cli(capsys, "notify", "run", "--config", str(cfg), "--once")
    assert code == 2 and "notifications are off" in one_error_line(err)
    bad = site_config(tmp_path, db, api, telegram={"token": TOKEN, "chat_id": "me", "events": ["x"]})
    code, _, err = run_cli(capsys, "notify", "test", "--config", str(bad))
    line = one_error_line(err)
    assert code == 2 and "notifications.telegram.chat_id" in line and TOKEN not in err
