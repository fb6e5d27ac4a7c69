#!/usr/bin/env python3
"""The pictures of docs/shelves.md: the Shelves page and a left-item alert card, with data.

The demo video has no shelf, so these are rendered from a small database the real shelf and
objects modules wrote while measuring generated shelf pictures (``tests/fixtures_shelves.py``:
one gap refilled after 4 min, one still open, a bag left behind):

    .venv/bin/python scripts/shelves_pictures.py      # writes docs/shelves_page.jpg, docs/shelves_alert.jpg
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _settle(app, done, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while not done() and time.monotonic() < end:
        app.processEvents()
        time.sleep(0.02)
    for _ in range(20):
        app.processEvents()
        time.sleep(0.02)


def main() -> int:
    """Render both pictures into docs/."""
    from app.gui.alerts_panel import AlertsPanel, StoreAlertFeed
    from app.gui.app import make_application
    from app.gui.shelves_page import ShelvesPage
    from tests.fixtures_shelves import T0, build_shelf_store

    app = make_application()
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        store = build_shelf_store(f"sqlite:///{d / 's.db'}", d)
        page = ShelvesPage(store, d)
        page.resize(1400, 760)
        page.show()
        page.set_period(T0 - 3600, T0 + 86400)
        loaded: list[bool] = []
        page.loaded.connect(lambda: loaded.append(True))
        page.refresh()
        _settle(app, lambda: bool(loaded))
        page.grab().save(str(ROOT / "docs" / "shelves_page.jpg"), "JPG", 85)
        names = {None: ("Aisle 3", ""), "cereal": ("Aisle 3", "Cereals")}
        panel = AlertsPanel(StoreAlertFeed(store, max_age_hours=None), names=lambda c, z: names[z])
        panel.data_dir = d
        panel.resize(340, 330)
        panel.show()
        counts: list[int] = []
        panel.countChanged.connect(counts.append)
        panel.poll()
        _settle(app, lambda: bool(counts))
        panel.grab().save(str(ROOT / "docs" / "shelves_alert.jpg"), "JPG", 85)
        store.close()
    print("wrote docs/shelves_page.jpg, docs/shelves_alert.jpg")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
