"""Fault suite: names with newlines and ANSI escapes, and unicode paths, on the terminal (issue 19, defect 8)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_support import run_cli
from tests.faults.support import clip

pytestmark = pytest.mark.timeout(300)

EVIL = "Door\\n\\u001b[31mFIRE EXIT\\u001b]0;owned\\u0007"


def test_names_cannot_fake_lines_or_colours_and_unicode_paths_read_as_typed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = tmp_path / "Läden Köln"
    folder.mkdir()
    video = clip(folder / "kasse ü.avi", frames=15)
    cfg = folder / "site.yaml"
    cfg.write_text(
        f"""
site: {{name: "Shop\\u001b[2J"}}
cameras:
  - id: cam1
    name: "Cam\\nfake line"
    source: x.avi
    zones:
      - {{id: door, name: "{EVIL}", type: entrance_line, points: [[0.5, 0.0], [0.5, 1.0]]}}
      - {{id: hall, name: "{EVIL}", type: department, points: [[0, 0], [1, 0], [1, 1], [0, 1]]}}
""",
        encoding="utf-8",
    )
    code, out, err = run_cli(
        capsys, "analyze", str(video), "--config", str(cfg), "--out", str(folder), "--no-progress"
    )
    assert code == 0, err
    assert f"database: sqlite:///{folder / 'storesight.db'}" in out  # not %C3%A4
    code, out, err = run_cli(capsys, "stats", "--db", str(folder / "storesight.db"))
    assert code == 0, err
    assert "\x1b" not in out + err and "\x07" not in out
    assert not [ln for ln in out.splitlines() if ln.startswith(("fake line", "[31mFIRE", "FIRE EXIT"))]
    code, out, _ = run_cli(capsys, "stats", "--db", str(folder / "storesight.db"), "--json")
    assert code == 0 and json.loads(out)  # JSON stays valid JSON
