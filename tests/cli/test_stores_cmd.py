"""``storesight stores``: a chain's stores (SQLite files and one PostgreSQL server with a database per store)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import yaml

from app.chain import load_stores
from app.store import metrics
from app.store.db import open_store
from tests.cli_support import one_error_line, run_cli
from tests.fixtures_demo import DemoRun


def _write(path: Path, stores: list[dict]) -> Path:
    path.write_text(yaml.safe_dump({"stores": stores}), encoding="utf-8")
    return path


def test_numbers_per_store_and_for_all_stores_come_from_the_catalogue(
    capsys: pytest.CaptureFixture[str], demo_db: DemoRun, tmp_path: Path
) -> None:
    copy = demo_db.copy_to(tmp_path / "b")
    f = _write(tmp_path / "stores.yaml", [
        {"id": "a", "name": "Berlin", "db": demo_db.url},
        {"id": "b", "name": "Hamburg", "db": copy.url},
        {"id": "c", "name": "Munich", "db": f"sqlite:///{tmp_path / 'gone.db'}"},
    ])  # fmt: skip
    code, out, err = run_cli(capsys, "stores", "--stores", str(f), "--json")
    assert code == 4 and "1 of 3 store(s) could not be read" in one_error_line(err)
    data = json.loads(out)
    a, b, c = data["stores"]
    store = open_store(demo_db.url, read_only_ok=True)
    try:
        expect = {k: metrics.json_value(v) for k, v in metrics.key_numbers(store).items()}
    finally:
        store.close()
    assert a["numbers"] == expect and b["numbers"] == expect  # the catalogue's numbers, as `stats --json`
    assert expect["footfall_in"] > 0 and c["numbers"] == {} and "database file not found" in c["error"]
    all_ = data["all_stores"]
    assert all_["footfall_in"] == 2 * expect["footfall_in"] and all_["visits"] == 2 * expect["visits"]
    assert all_["conversion"] == metrics.json_value(
        metrics.share(2 * expect["went_to_checkout"], 2 * expect["came_in"])
    )
    assert all_["visit_median_s"] is None  # medians are not combined from per-store medians
    # the table: one row per store, the unreadable one with its reason, and the all-stores row
    code, out, _ = run_cli(capsys, "stores", "--stores", str(f))
    assert code == 4
    lines = out.splitlines()
    assert lines[0].split()[0] == "store" and any(
        ln.startswith("Munich") and "not read (below)" in ln for ln in lines
    )
    assert any(ln.startswith("Munich: not read: database file not found") for ln in lines)
    total = next(ln for ln in lines if ln.startswith("All stores (2)"))
    assert str(all_["footfall_in"]) in total.split()


@pytest.mark.postgres
def test_one_postgresql_server_with_a_database_per_store(
    capsys: pytest.CaptureFixture[str], pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.engine import make_url

    u = make_url(pg_url)
    monkeypatch.setenv("SS_PG_PASSWORD", u.password or "")
    secret = u.set(password="${SS_PG_PASSWORD}").render_as_string(hide_password=False)
    open_store(pg_url).close()  # an empty store (schema made): zeros, not an error
    f = _write(tmp_path / "stores.yaml", [{"id": "pg", "name": "Leipzig", "db": secret}])
    code, out, err = run_cli(capsys, "stores", "--stores", str(f), "--json")
    assert code == 0, err
    (s,) = json.loads(out)["stores"]
    assert s["numbers"]["footfall_in"] == 0 and s["error"] is None and "${" not in s["db"]
    assert load_stores(f)[0].db == pg_url or u.password is None


def test_bad_stores_files_are_one_line_and_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    cases = {
        "nope.yaml": "cannot read the stores file",
        "empty.yaml": "expected 'stores:'",
        "dup.yaml": "listed twice",
        "var.yaml": "${SS_UNSET_VAR_X} is not set",
        "svc.yaml": "service: ",
    }
    (tmp_path / "empty.yaml").write_text("stores: []\n")
    _write(tmp_path / "dup.yaml", [{"id": "a", "db": "sqlite://"}, {"id": "a", "db": "sqlite://"}])
    _write(tmp_path / "var.yaml", [{"id": "a", "db": "postgresql://u:${SS_UNSET_VAR_X}@h/db"}])
    _write(tmp_path / "svc.yaml", [{"id": "a", "db": "sqlite://", "service": "10.0.0.5:8765"}])
    for name, words in cases.items():
        code, _, err = run_cli(capsys, "stores", "--stores", str(tmp_path / name))
        assert code == 2 and words in one_error_line(err), (name, err)
    assert not math.isnan(metrics.combine_site_numbers([{"footfall_in": 1}])["footfall_in"])
