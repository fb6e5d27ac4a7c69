"""A headline number on the dashboard: a big value with a caption and a small note."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout


class KpiCard(QFrame):
    """Shows one number, e.g. "Came in · 152 · customers, all entrances".

    Example:
        >>> card = KpiCard("Came in")       # doctest: +SKIP
        >>> card.set_value("152", "entrance lines")  # doctest: +SKIP
    """

    def __init__(self, caption: str) -> None:
        super().__init__()
        self.setObjectName("kpi")
        self.setStyleSheet(
            "#kpi { background: #ffffff; border: 1px solid #d8dce0; border-radius: 6px; }"
            "QLabel { background: transparent; }"
        )
        self.caption = QLabel(caption)
        self.caption.setStyleSheet("color: #5a6068; font-size: 9pt;")
        self.value = QLabel("–")
        self.value.setStyleSheet("color: #15191d; font-size: 20pt; font-weight: 600;")
        self.note = QLabel("")
        self.note.setStyleSheet("color: #7a8088; font-size: 8pt;")
        self.note.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(12, 8, 12, 8)
        lay.setSpacing(2)
        lay.addWidget(self.caption)
        lay.addWidget(self.value)
        lay.addWidget(self.note)

    def set_value(self, value: str, note: str = "") -> None:
        """Show ``value`` (already formatted) and a note under it."""
        self.value.setText(value)
        self.note.setText(note)
