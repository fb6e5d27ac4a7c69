"""``storesight queue``: backtest on simulated stores and on a database, simulate, summary, errors."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from tests.cli_support import one_error_line, run_cli

pytestmark = pytest.mark.timeout(600)


def table(out: str) -> dict[int, list[float]]:
    """horizon → [forecast, naive, arrivals] MAE means from the printed table."""
    rows = {}
    for m in re.finditer(
        r"^\+(\d+) min\s+([\d.]+)(?: ± [\d.]+)?\s+([\d.]+)(?: ± [\d.]+)?\s+([\d.]+)", out, re.M
    ):
        rows[int(m.group(1))] = [float(m.group(i)) for i in (2, 3, 4)]
    return rows


def test_backtest_on_simulated_stores(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "queue", "backtest", "--simulate", "--seeds", "2", "--days", "2")
    assert code == 0
    assert out.rstrip().splitlines()[-1] == "beats naive at every horizon: yes"
    rows = table(out)
    assert sorted(rows) == [5, 10, 15]
    for forecast, naive, _arrivals in rows.values():
        assert forecast < 0.9 * naive
    assert "± " in out and "seed 2:" in out


def test_simulate_then_backtest_and_summary_from_the_database(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'sim.db'}"
    code, out, _ = run_cli(capsys, "queue", "simulate", "--db", url, "--days", "2", "--seed", "3")
    assert code == 0 and "alerts" in out
    con = sqlite3.connect(tmp_path / "sim.db")
    kinds = dict(con.execute("select module || '/' || type, count(*) from events group by 1").fetchall())
    assert kinds["queue/snapshot"] > 1000 and kinds["footfall/in"] > 2000 and kinds["queue/alert"] >= 1
    code, out, _ = run_cli(capsys, "queue", "backtest", "--db", url, "--warmup-hours", "24")
    assert code == 0, out
    assert "checkout checkout/queue:" in out
    assert out.rstrip().splitlines()[-1] == "beats naive at every horizon: yes"
    code, out, _ = run_cli(capsys, "queue", "summary", "--db", url)
    assert code == 0 and re.search(r"checkout/queue \(Checkout queue\): \d+ customers", out)


def test_backtest_with_too_little_history_says_so(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'short.db'}"
    run_cli(capsys, "queue", "simulate", "--db", url, "--days", "1")
    code, out, _ = run_cli(capsys, "queue", "backtest", "--db", url, "--warmup-hours", "23.9")
    assert code == 0
    assert "not enough history" in out
    assert out.rstrip().splitlines()[-1] == "beats naive at every horizon: no"


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["queue", "backtest", "--db", "sqlite:///{tmp}/missing.db"], 2, "database file not found"),
        (["queue", "backtest", "--simulate", "--days", "1"], 2, "--days ≥ 2"),
        (["queue", "backtest", "--db", "sqlite:///{tmp}/empty.db"], 2, "no stored queue history"),
        (["queue"], 2, "choose an action"),
    ],
)
def test_bad_queue_commands_are_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str], code: int, message: str
) -> None:
    if any("empty.db" in a for a in argv):
        sqlite3.connect(tmp_path / "empty.db").close()
        run_cli(capsys, "stats", "--db", f"sqlite:///{tmp_path / 'empty.db'}")  # migrates it
    got, _, err = run_cli(capsys, *[a.format(tmp=tmp_path) for a in argv])
    assert got == code
    assert message in one_error_line(err)
