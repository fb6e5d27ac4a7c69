"""The window asks before analysing a video file again that already has a run.

Analysing the same file twice would count every visitor twice (issue 19). Like ``analyze``'s
``--replace-run`` / ``--append`` (the CLI refuses without one), the window asks per camera:

* **Keep** (the default, also Escape): the old run stays, this camera is not analysed now;
* **Replace**: the old run's rows and photos are deleted, then it is analysed anew (an erasure:
  only offered to an account allowed to erase);
* **Add as a new run**: both are kept and their numbers add up.

Example:
    >>> start_asking(window, window.controller, window.document.config)   # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QMessageBox, QWidget
from sqlalchemy import select

from app.config import CameraConfig, SiteConfig
from app.engine.runner import source_label
from app.store.db import Store
from app.store.runs import RunInfo, previous_runs
from app.store.schema import Camera

KEEP, REPLACE, APPEND = "keep", "replace", "append"


def reanalysed(store: Store, site: SiteConfig) -> list[tuple[CameraConfig, list[RunInfo]]]:
    """The enabled file cameras of ``site`` whose file already has runs in ``store``."""
    found: list[tuple[CameraConfig, list[RunInfo]]] = []
    for cam in site.cameras:
        if not cam.enabled or cam.kind != "file":
            continue
        with store.session() as s:
            rows = list(s.scalars(select(Camera.id).where(Camera.config_id == cam.id)))
        runs = [r for row in rows for r in previous_runs(store, row, source_label(cam))]
        if runs:
            found.append((cam, runs))
    return found


def ask(parent: QWidget | None, camera: CameraConfig, runs: list[RunInfo], *, may_erase: bool) -> str:
    """Ask what to do with ``camera``'s earlier runs of its file: :data:`KEEP`, :data:`REPLACE` or :data:`APPEND`."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Analyse this video again?")
    listed = "\n".join(f"• {r.describe()}" for r in runs[:3])
    more = f"\n• … and {len(runs) - 3} more" if len(runs) > 3 else ""
    box.setText(
        f"{camera.label} already analysed {Path(camera.source).name}:\n{listed}{more}\n\n"
        "Analysing it again as a new run counts everything twice in the dashboard and the reports."
    )
    keep = box.addButton("Keep the old run (do not analyse)", QMessageBox.ButtonRole.RejectRole)
    replace = box.addButton("Replace the old run", QMessageBox.ButtonRole.DestructiveRole)
    append = box.addButton("Add as a new run", QMessageBox.ButtonRole.AcceptRole)
    replace.setObjectName("replace")
    append.setObjectName("append")
    keep.setObjectName("keep")
    if not may_erase:
        replace.setEnabled(False)
        replace.setToolTip("Deleting a run is an erasure: only an admin may do it")
    box.setDefaultButton(keep)
    box.setEscapeButton(keep)
    box.exec()
    clicked = box.clickedButton()
    return REPLACE if clicked is replace else APPEND if clicked is append else KEEP


def start_asking(
    window: QWidget,
    controller: object,
    site: SiteConfig,
    asker: Callable[..., str] = ask,
) -> dict[str, str]:
    """Ask about every re-analysed file, then start the analysis with the answers.

    Cameras kept are left out of this start (the old run stays as it is); when none is left, the
    analysis does not start and the window says why.

    Args:
        window: the main window (its ``store``, ``current_user`` and ``notify`` are used when present).
        controller: the :class:`~app.gui.engine_controller.EngineController`.
        site: the site to analyse.
        asker: the question (tests may answer it); the default shows a message box.

    Returns:
        camera id → the answer, for the cameras that were asked about.
    """
    store: Store | None = getattr(window, "store", None)
    found = reanalysed(store, site) if store is not None else []
    user = getattr(window, "current_user", None)
    may_erase = user is None or user.can("erase")
    answers = {cam.id: asker(window, cam, runs, may_erase=may_erase) for cam, runs in found}
    kept = {cid for cid, a in answers.items() if a == KEEP}
    if kept:
        cams = [c.model_copy(update={"enabled": False}) if c.id in kept else c for c in site.cameras]
        site = site.model_copy(update={"cameras": cams})
    if not any(c.enabled for c in site.cameras):
        notify = getattr(window, "notify", None)
        if notify is not None:
            notify("Nothing to analyse: the old runs were kept.", 8000)
        return answers
    replace = {cid: REPLACE for cid, a in answers.items() if a == REPLACE}
    if replace and user is not None and store is not None:
        from app.store.accounts import audit

        audit(store, user.name, "run_replaced", ", ".join(sorted(replace)))
    controller.start(site, existing=replace)  # type: ignore[attr-defined]
    return answers
