"""``storesight plates log --list … --csv FILE`` on a database of stored plate reads."""

from __future__ import annotations

import csv
from pathlib import Path

from app.config import SiteConfig
from app.store.db import open_store
from app.store.records import EventRecord
from app.store.sync import sync_site
from app.store.writer import StoreWriter
from tests.cli_support import one_error_line, run_cli

T0 = 1_790_000_000.0


def _db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    store = open_store(url)
    ids = sync_site(
        store,
        SiteConfig.model_validate({"site": {"name": "P"}, "cameras": [{"id": "gate", "source": "g.mp4"}]}),
    )
    reads = [("А123ВС77", "deny"), ("Е777КХ199", "watch"), ("О001ОО99", "allow"), ("М555ММ50", None)]
    with StoreWriter(store, tmp_path) as w:
        run = w.start_run(ids["gate"], "g.mp4")
        for i, (text, listed) in enumerate(reads):
            payload = {
                "text": text, "text_latin": text.translate(str.maketrans("АВЕКМНОРСТУХ", "ABEKMHOPCTYX")),
                "confidence": 0.9, "uncertain": False, "direction": "in", "votes": 3, "reads": 4,
                "first_ts": T0 + 60 * i, "last_ts": T0 + 60 * i + 2.5, "listed": listed,
            }  # fmt: skip
            w.put_event(run, EventRecord("gate", T0 + 60 * i, "plates", "read", i + 1, None, payload, ()))
        w.flush()
    store.close()
    return url


def test_log_filters_by_list_and_writes_csv(tmp_path, capsys):
    db = _db(tmp_path)
    code, out, _ = run_cli(capsys, "plates", "log", "--db", db, "--list", "deny")
    assert code == 0 and out.count("\n") == 1 and "А123ВС77" in out
    code, out, _ = run_cli(capsys, "plates", "log", "--db", db, "--list", "any")
    assert [line.split("\t")[2] for line in out.splitlines()] == ["А123ВС77", "Е777КХ199", "О001ОО99"]
    code, out, _ = run_cli(capsys, "plates", "log", "--db", db, "--list", "none")
    assert [line.split("\t")[2] for line in out.splitlines()] == ["М555ММ50"]

    path = tmp_path / "log.csv"
    code, out, err = run_cli(capsys, "plates", "log", "--db", db, "--csv", str(path), "--plate", "e777")
    assert code == 0 and "1 plate read(s), written to" in err
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 1
    r = rows[0]
    assert (r["plate"], r["plate_latin"], r["list"], r["camera"], r["track"]) == (
        "Е777КХ199",
        "E777KX199",
        "watch",
        "gate",
        "2",
    )
    assert r["seconds_in_view"] == "2.5" and r["votes"] == "3" and r["time"].startswith("20")
    assert not list(tmp_path.glob("*.tmp"))


def test_log_csv_to_an_unwritable_place(tmp_path, capsys):
    db = _db(tmp_path)
    code, _, err = run_cli(
        capsys, "plates", "log", "--db", db, "--csv", str(tmp_path / "no" / "such" / "log.csv")
    )
    assert code == 1 and "Traceback" not in err
    assert "error: cannot write" in one_error_line(err) and not (tmp_path / "no").exists()
