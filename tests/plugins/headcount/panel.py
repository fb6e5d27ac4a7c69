"""The head count package's GUI panel: a tab with the highest count stored (``ModulePackage.panel``)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.gui.panels import PanelContext
from app.store.query import events
from headcount.events import HEADCOUNT_PEAK


class HeadcountPanel(QWidget):
    """Shows the most people ever in view, read from the stored ``headcount``/``peak`` events."""

    def __init__(self, ctx: PanelContext) -> None:
        super().__init__()
        self.setWindowTitle("Head count")
        self.store: Any = ctx.store
        self.label = QLabel("No head count yet")
        QVBoxLayout(self).addWidget(self.label)

    def set_store(self, store: Any, data_dir: Any = None) -> None:
        """Read another database on the next refresh."""
        self.store = store

    def refresh(self) -> None:
        """Read the highest peak again."""
        if self.store is None:
            return
        df = events(self.store, [HEADCOUNT_PEAK])
        peaks = [p.get("people", 0) for p in df["payload"]] if len(df) else []
        self.label.setText(f"Most people in view: {max(peaks)}" if peaks else "No head count yet")


def panel(ctx: PanelContext) -> HeadcountPanel:
    """The panel the main window shows as the "Head count" tab."""
    return HeadcountPanel(ctx)
