"""A module package plugs in without editing any other file (tests/plugins/headcount).

It is found through ``STORESIGHT_MODULES``; its settings become ``cameras[].modules.headcount``,
its module runs in the pipeline, its event is in the catalogue and its sheet in the report — all
through the real CLI on real video.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures_pipeline import vtest_clip

ROOT = Path(__file__).resolve().parents[2]
PLUGINS = ROOT / "tests" / "plugins"

pytestmark = pytest.mark.timeout(300)


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "STORESIGHT_MODULES": "headcount",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(PLUGINS)]),
        "STORESIGHT_DATA": str(cwd / "data"),
    }
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=280, check=False
    )


def _config(tmp: Path, modules: str) -> Path:
    cfg = tmp / "site.yaml"
    cfg.write_text(
        f"""version: 1
site: {{name: Plug-in shop}}
detector: {{backend: nanodet, threads: 1, classes: [person]}}
roles: {{enabled: false}}
cameras:
  - id: walk
    source: {vtest_clip(tmp / "clip.avi", 40)}
    start_time: "2026-11-20T10:00:00+00:00"
    modules: {modules}
""",
        encoding="utf-8",
    )
    return cfg


@pytest.mark.slow  # end to end: `analyze` on the real video, then `report`, through the CLI
def test_a_module_package_plugs_in_with_settings_events_and_a_report_sheet(tmp_path: Path) -> None:
    cfg = _config(tmp_path, "{headcount: {enabled: true, min_people: 3}}")
    db = f"sqlite:///{tmp_path / 'plug.db'}"
    r = _run("-m", "app.cli.main", "analyze", "walk", "--config", str(cfg), "--db", db, "--out",
             str(tmp_path / "out"), "--no-progress", cwd=tmp_path)  # fmt: skip
    assert r.returncode == 0, r.stderr[-2000:]
    r = _run("-m", "app.cli.main", "report", "--db", db, "--from", "2026-11-20", "--to", "2026-11-20",
             "--csv", str(tmp_path / "csv"), cwd=tmp_path)  # fmt: skip
    assert r.returncode == 0, r.stderr[-2000:]
    with open(tmp_path / "csv" / "headcount_peaks.csv", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f, delimiter=";"))
    peaks = [int(row[-1]) for row in rows[1:]]
    assert rows[0] == ["Camera", "Time (UTC)", "People"] and peaks and peaks[0] >= 3
    assert peaks == sorted(peaks) and len(set(peaks)) == len(peaks)  # each row a new, higher peak
    probe = (
        "from app.events import event_words;"
        "from app.store.db import open_store; from app.store.query import events, EventFilter;"
        "from headcount.events import HEADCOUNT_PEAK;"
        f"print(event_words('headcount', 'peak'), len(events(open_store('{db}'), [HEADCOUNT_PEAK])))"
    )
    r = _run("-c", probe, cwd=tmp_path)
    assert r.stdout.strip() == f"Most people in view so far {len(peaks)}", r.stderr[-2000:]


def test_its_settings_refuse_unknown_keys_in_one_line(tmp_path: Path) -> None:
    cfg = _config(tmp_path, "{headcount: {enabled: true, min_peple: 3}}")
    r = _run("-m", "app.cli.main", "analyze", "walk", "--config", str(cfg), "--out", str(tmp_path / "o"),
             cwd=tmp_path)  # fmt: skip
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert "camera walk: modules.headcount.min_peple: unknown key (check the spelling)" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
