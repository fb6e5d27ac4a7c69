"""docs/ never goes stale: the committed screenshots are exactly the screens the app renders, all shown."""

from __future__ import annotations

import re
from pathlib import Path

from app.gui.screenshots import SCREENS

ROOT = Path(__file__).resolve().parents[1]


def test_docs_screenshots_are_the_apps_screens() -> None:
    shots = sorted(p.stem for p in (ROOT / "docs" / "screenshots").glob("*.png"))
    assert shots == sorted(SCREENS), "run scripts/docs_pictures.py to regenerate docs/screenshots"
    gui_md = (ROOT / "docs" / "gui.md").read_text(encoding="utf-8")
    shown = set(re.findall(r"\(screenshots/([\w-]+)\.png\)", gui_md))
    assert shown == set(SCREENS), f"docs/gui.md shows {sorted(shown)}"


def test_docs_pictures_are_made_by_the_script() -> None:
    script = (ROOT / "scripts" / "docs_pictures.py").read_text(encoding="utf-8")
    made = set(re.findall(r'"(\w+\.png)"', script.split("DOC_PICTURES = ", 1)[1].split("\n", 1)[0]))
    assert sorted(p.name for p in (ROOT / "docs").glob("*.png")) == sorted(made)
    for name in made:  # every picture under docs/ is shown somewhere
        assert any(f"({name})" in p.read_text(encoding="utf-8") for p in (ROOT / "docs").glob("*.md")), name
