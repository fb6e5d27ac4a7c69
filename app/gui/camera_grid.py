"""The live camera grid: 1, 4 or 9 tiles, pages when there are more cameras, double-click to focus.

A timer on the GUI thread polls the engine's snapshots (a cheap, lock-protected read) about 15
times a second and hands each tile its camera's latest state; tiles repaint only when something
changed. Decoding and inference stay on the engine's threads.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QGridLayout, QWidget

from app.engine.engine import CameraSnapshot
from app.gui.camera_tile import CameraTile

#: Returns the latest snapshot of every running camera by id (the engine's ``snapshots``).
SnapshotSource = Callable[[], Mapping[str, CameraSnapshot]]

LAYOUTS = (1, 4, 9)


class CameraGrid(QWidget):
    """A grid of :class:`~app.gui.camera_tile.CameraTile` fed from a snapshot source.

    Signals:
        pageChanged(int, int): current page and number of pages.

    Args:
        source: where snapshots come from (None: tiles show "not running").
        interval_ms: polling period.

    Example:
        >>> grid = CameraGrid(engine.snapshots)                  # doctest: +SKIP
        >>> grid.set_cameras([("entrance", "Entrance"), ("tills", "Tills")]); grid.set_layout(4)  # doctest: +SKIP
    """

    pageChanged = Signal(int, int)

    def __init__(self, source: SnapshotSource | None = None, *, interval_ms: int = 66) -> None:
        super().__init__()
        self.source = source
        self._cameras: list[tuple[str, str]] = []
        self._size = 4
        self._page = 0
        self._focus: str | None = None
        self._tiles: list[CameraTile] = []
        self._layout = QGridLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(4)
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.poll)
        self._rebuild()

    # --- cameras and layout ---------------------------------------------------------------

    def set_cameras(self, cameras: list[tuple[str, str]]) -> None:
        """The cameras to show, as (id, label), in order."""
        self._cameras = list(cameras)
        if self._focus not in {c for c, _ in self._cameras}:
            self._focus = None
        self._page = min(self._page, self.pages() - 1)
        self._rebuild()

    def set_layout(self, size: int) -> None:
        """Show ``size`` tiles at once (1, 4 or 9)."""
        if size not in LAYOUTS:
            raise ValueError(f"layout must be one of {LAYOUTS}")
        self._size = size
        self._focus = None
        self._page = 0
        self._rebuild()

    def cameras(self) -> list[tuple[str, str]]:
        """The cameras of the grid, as (id, label)."""
        return list(self._cameras)

    def page(self) -> int:
        """The page shown (0-based)."""
        return self._page

    def layout_size(self) -> int:
        """Tiles at once (1, 4 or 9; 1 while a camera is focused)."""
        return 1 if self._focus else self._size

    def pages(self) -> int:
        """Number of pages of the current layout."""
        return 1 if self._focus else max(1, math.ceil(len(self._cameras) / self._size))

    def set_page(self, page: int) -> None:
        """Show page ``page`` (0-based)."""
        self._page = max(0, min(page, self.pages() - 1))
        self._rebuild()

    def focus_camera(self, camera_id: str | None) -> None:
        """Show one camera alone (None: back to the grid)."""
        self._focus = camera_id if camera_id in {c for c, _ in self._cameras} else None
        self._rebuild()

    def tiles(self) -> list[CameraTile]:
        """The visible tiles."""
        return list(self._tiles)

    def _visible(self) -> list[tuple[str, str]]:
        if self._focus:
            return [c for c in self._cameras if c[0] == self._focus]
        start = self._page * self._size
        return self._cameras[start : start + self._size]

    def _rebuild(self) -> None:
        n = self.layout_size()
        side = int(math.sqrt(n))
        while len(self._tiles) < n:
            tile = CameraTile()
            tile.doubleClicked.connect(self._tile_double_clicked)
            self._tiles.append(tile)
        for tile in self._tiles:
            self._layout.removeWidget(tile)  # re-placed below (a cell may change with the layout)
        for tile in self._tiles[n:]:
            tile.setParent(None)
            tile.deleteLater()
        self._tiles = self._tiles[:n]
        visible = self._visible()
        for i, tile in enumerate(self._tiles):
            self._layout.addWidget(tile, i // side, i % side)
            cid, label = visible[i] if i < len(visible) else ("", "")
            tile.set_camera(cid, label)
            tile.setVisible(True)
            if not cid:
                tile.set_snapshot(None)
                tile.label = "(no camera)"
        for r in range(3):
            self._layout.setRowStretch(r, 1 if r < side else 0)
            self._layout.setColumnStretch(r, 1 if r < side else 0)
        self.pageChanged.emit(self._page, self.pages())
        self.poll()

    def _tile_double_clicked(self, camera_id: str) -> None:
        if not camera_id:
            return
        self.focus_camera(None if self._focus else camera_id)

    # --- polling --------------------------------------------------------------------------

    def start(self) -> None:
        """Start polling the snapshot source."""
        self.timer.start()

    def stop(self) -> None:
        """Stop polling (the tiles keep their last picture)."""
        self.timer.stop()

    def poll(self) -> int:
        """Hand every visible tile its camera's latest snapshot; returns how many tiles changed."""
        snaps = self.source() if self.source is not None else {}
        changed = 0
        for tile in self._tiles:
            if tile.camera_id:
                changed += tile.set_snapshot(snaps.get(tile.camera_id))
        return changed
