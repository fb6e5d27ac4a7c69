"""The first-run wizard: what the window asks when there is no site yet, and the ``site.yaml`` it writes.

Pages, in order:

1. **Your store**: its name and time zone (the clock of every table and report).
2. **Data folder**: where the database, photos and logs go (free space shown; must be writable).
3. **First camera**: network (RTSP), video file or USB camera, with *Test connection* and the
   camera's picture (the camera dialog's form); or "add cameras later".
4. **Entrance line**: drawn on that picture; crossing it towards the arrow counts as "in".
5. **What to analyse**: footfall, time in zones and visits, heatmap, checkout queues, pose and
   behaviour, staff or customer.
6. **Detector**: the built-in NanoDet (CPU, offline) explained; when the computer is online, the
   YOLO weights can be downloaded into the model folder (progress bar, checksum, resumable:
   :mod:`app.download`).

Finishing writes ``site.yaml`` (validated like any config file) into the per-user data folder —
where the window looks for it — with ``storage.data_dir`` set when another data folder was chosen.
Cancelling writes nothing.
"""

from __future__ import annotations

import shutil
import threading
import zoneinfo
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from app.config import CameraConfig, SiteConfig, format_validation_error, save_config
from app.download import WEIGHTS, WeightsFile, check_file, fetch_weights, is_online
from app.gui.camera_dialog import CameraDialog
from app.gui.canvas import Mode, ZoneCanvas
from app.gui.qt_util import run_async
from app.gui.screenshots import WIZARD_SHOTS
from app.gui.shapes import Shape, camera_with_shapes

SITE_FILE = "site.yaml"

#: The analyses offered on the "What to analyse" page: key, label, (module settings switched), default.
ANALYSES: tuple[tuple[str, str, tuple[str, ...], bool], ...] = (
    ("footfall", "Footfall: people in and out at the entrance line", ("footfall",), True),
    ("zones", "Time in zones and visits (dwell, departments)", ("zones", "visits"), True),
    ("heatmap", "Heatmap of where people walk and stand", ("heatmap",), True),
    ("queue", "Checkout queues (draw the queue zones later)", ("queue",), True),
    ("pose", "Body pose and behaviour (more CPU: about 6–12 ms per person per frame)", ("pose", "behaviour"), False),
    ("roles", "Staff or customer for every person", (), True),
)

NANODET_TEXT = (
    "<b>Built-in detector (works now, offline):</b> StoreSight ships NanoDet, a people and object "
    "detector that runs on the CPU with ONNX Runtime. On the demo video it finds nearly all walking "
    "people at about 30–80 ms per frame on a 2-core computer."
)
YOLO_TEXT = (
    "<b>Ultralytics YOLO (optional):</b> more accurate on small and partly hidden people, and fast on "
    "an NVIDIA GPU. It needs its weights file ({file}) in the model folder <tt>{folder}</tt>."
)


def local_timezone() -> str:
    """This computer's IANA time zone name, or ``""`` when it cannot be told."""
    try:
        link = Path("/etc/localtime").resolve()
        if "zoneinfo" in link.parts:
            name = "/".join(link.parts[link.parts.index("zoneinfo") + 1 :])
            zoneinfo.ZoneInfo(name)
            return name
    except (OSError, ValueError, zoneinfo.ZoneInfoNotFoundError):
        pass
    try:
        import tzlocal  # type: ignore[import-not-found]

        return str(tzlocal.get_localzone_name())
    except Exception:  # not installed, or no answer: the user picks one
        return ""


class StorePage(QWizardPage):
    """Store name and time zone."""

    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Your store")
        self.setSubTitle("The name goes on reports; the time zone sets the clock of every table and report.")
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("e.g. Main Street store")
        self.tz_box = QComboBox()
        self.tz_box.setEditable(True)
        self.tz_box.addItem("")
        self.tz_box.addItems(sorted(zoneinfo.available_timezones()))
        here = local_timezone()
        self.tz_box.setCurrentText(here)
        self.tz_box.setToolTip("IANA name, e.g. Europe/Berlin; empty: this computer's time zone")
        self.error = _error_label()
        form = QFormLayout(self)
        form.addRow("Store name", self.name_edit)
        form.addRow("Time zone", self.tz_box)
        form.addRow("", QLabel("Empty time zone: this computer's." if not here else f"This computer: {here}"))
        form.addRow(self.error)
        self.registerField("store_name*", self.name_edit)

    def validatePage(self) -> bool:
        """Check the name and the time zone like the config file does."""
        tz = self.tz_box.currentText().strip()
        try:
            from app.config import SiteInfo

            SiteInfo.model_validate({"name": self.name_edit.text().strip(), "timezone": tz or None})
        except ValidationError as e:
            self.error.setText(format_validation_error(e))
            return False
        if tz:
            try:
                zoneinfo.ZoneInfo(tz)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                self.error.setText(f"Time zone: {tz!r} is not a known time zone (e.g. Europe/Berlin)")
                return False
        self.error.setText("")
        return True


class DataPage(QWizardPage):
    """The data folder (database, photos, logs), with its free space."""

    def __init__(self, default: Path) -> None:
        super().__init__()
        self.setTitle("Data folder")
        self.setSubTitle(
            "The database, event photos, backups and logs go here. Choose a disk with room: events and "
            "photos are kept 90 days (Settings: storage). Uninstalling StoreSight keeps this folder."
        )
        self.default = default
        self.path_edit = QLineEdit(str(default))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        self.space = QLabel("")
        self.error = _error_label()
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        lay = QVBoxLayout(self)
        lay.addLayout(row)
        lay.addWidget(self.space)
        lay.addWidget(self.error)
        lay.addStretch(1)
        self.path_edit.textChanged.connect(self._show_space)
        self._show_space()

    def folder(self) -> Path:
        """The chosen folder (absolute)."""
        return Path(self.path_edit.text().strip() or str(self.default)).expanduser().absolute()

    def _browse(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Data folder", str(self.folder()))
        if path:
            self.path_edit.setText(path)

    def _existing(self) -> Path:
        p = self.folder()
        return p if p.exists() else next((q for q in p.parents if q.exists()), Path(p.anchor))

    def _show_space(self) -> None:
        try:
            free = shutil.disk_usage(self._existing()).free
        except OSError:
            self.space.setText("Free space: unknown")
            return
        self.space.setText(f"Free space there: {free / 1024**3:.1f} GB")

    def validatePage(self) -> bool:
        """The folder can be created and written."""
        folder = self.folder()
        try:
            folder.mkdir(parents=True, exist_ok=True)
            probe = folder / ".storesight-write-test"
            probe.write_text("ok")
            probe.unlink()
        except OSError as e:
            self.error.setText(f"Cannot use {folder}: {e.strerror or e}")
            return False
        self.error.setText("")
        return True


class CameraPage(QWizardPage):
    """The first camera: the camera dialog's form (with its connection test), or none yet."""

    def __init__(self) -> None:
        super().__init__()
        self.setTitle("First camera")
        self.setSubTitle(
            "A network camera (its RTSP address is in the camera's manual or web page), a recorded video "
            "file, or a USB camera. Test the connection to see its picture."
        )
        self.form = CameraDialog(None)
        self.form.setWindowFlags(Qt.WindowType.Widget)
        for box in self.form.findChildren(QDialogButtonBox):
            box.hide()  # the wizard's buttons move on
        self.form.id_edit.setText("entrance")
        self.form.name_edit.setText("Entrance")
        self.later = QCheckBox("No camera yet: I will add cameras later (Live tab, Add…)")
        self.later.toggled.connect(lambda on: self.form.setEnabled(not on))
        lay = QVBoxLayout(self)
        lay.addWidget(self.form, 1)
        lay.addWidget(self.later)
        self._camera: CameraConfig | None = None

    def camera(self) -> CameraConfig | None:
        """The camera entered on this page (after :meth:`validatePage`), None for "later"."""
        return None if self.later.isChecked() else self._camera

    def picture(self) -> Any:
        """The picture of the last successful connection test (BGR array) or None."""
        probe = self.form.last_probe
        return probe.image if probe is not None and probe.ok else None

    def validatePage(self) -> bool:
        """A valid camera, or "later"."""
        if self.later.isChecked():
            return True
        try:
            self._camera = self.form.camera()
        except ValueError as e:
            self.form.error.setText(str(e))
            return False
        self.form.error.setText("")
        return True

    def nextId(self) -> int:
        """Without a camera there is no picture to draw the line on."""
        wiz = self.wizard()
        if self.later.isChecked() and isinstance(wiz, FirstRunWizard):
            return wiz.MODULES
        return super().nextId()


class LinePage(QWizardPage):
    """Draw the entrance line on the camera's picture."""

    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Entrance line")
        self.setSubTitle(
            "Click where the line starts and where it ends, across the door. A person crossing it towards "
            "the arrow counts as coming in; Reverse turns it round. You can skip this and draw it later."
        )
        self.canvas = ZoneCanvas()
        self.canvas.placeholder = "Testing the camera… (no picture: draw the line anyway, or later)"
        self.canvas.set_mode(Mode.LINE)
        self.canvas.shapeCreated.connect(self._created)
        self.note = QLabel("")
        self.note.setWordWrap(True)
        reverse = QPushButton("Reverse direction")
        reverse.clicked.connect(self._reverse)
        redraw = QPushButton("Draw again")
        redraw.clicked.connect(self.clear)
        row = QHBoxLayout()
        row.addWidget(self.note, 1)
        row.addWidget(reverse)
        row.addWidget(redraw)
        lay = QVBoxLayout(self)
        lay.addWidget(self.canvas, 1)
        lay.addLayout(row)
        self._probing = False

    def initializePage(self) -> None:
        """Show the picture of the connection test, or take one now."""
        wiz = self.wizard()
        assert isinstance(wiz, FirstRunWizard)
        image = wiz.camera_page.picture()
        cam = wiz.camera_page.camera()
        if image is not None:
            self.canvas.set_image(image)
            self.note.setText("")
        elif cam is not None and not self._probing:
            from app.engine.engine import probe_camera

            self._probing = True
            self.note.setText("Connecting to the camera for a picture…")
            run_async(lambda: probe_camera(cam), self._probed, lambda m: self._probed(None, m))

    def _probed(self, probe: Any, message: str = "") -> None:
        self._probing = False
        if probe is not None and probe.ok and probe.image is not None:
            self.canvas.set_image(probe.image)
            self.note.setText("")
        else:
            self.canvas.placeholder = "No picture from this camera"
            self.canvas.update()
            self.note.setText(f"No picture: {message or (probe.message if probe else '')}")

    def _created(self, index: int) -> None:
        shapes = self.canvas.shapes()
        line = shapes[index]
        self.canvas.set_shapes([Shape("entrance", "Entrance", "entrance_line", line.points)])
        self.canvas.set_mode(Mode.EDIT)
        self.note.setText("Drag its ends to adjust. The arrow points into the store.")

    def _reverse(self) -> None:
        line = self.line()
        if line is not None:
            self.canvas.set_shapes([Shape(line.id, line.name, line.type, tuple(reversed(line.points)))])

    def clear(self) -> None:
        """Remove the line and start drawing again."""
        self.canvas.set_shapes([])
        self.canvas.set_mode(Mode.LINE)

    def line(self) -> Shape | None:
        """The drawn entrance line, or None."""
        return next((s for s in self.canvas.shapes() if s.is_line), None)


class ModulesPage(QWizardPage):
    """What to analyse."""

    def __init__(self) -> None:
        super().__init__()
        self.setTitle("What to analyse")
        self.setSubTitle("Each camera can be changed later in the site file (site.yaml in the data folder). More analyses use more CPU.")
        lay = QVBoxLayout(self)
        self.boxes: dict[str, QCheckBox] = {}
        for key, label, _modules, on in ANALYSES:
            box = QCheckBox(label)
            box.setChecked(on)
            self.boxes[key] = box
            lay.addWidget(box)
        lay.addStretch(1)

    def chosen(self) -> dict[str, bool]:
        """Key → switched on."""
        return {k: b.isChecked() for k, b in self.boxes.items()}


class DetectorPage(QWizardPage):
    """The built-in detector explained; the YOLO weights downloaded when online."""

    downloadFinished = Signal(str)

    def __init__(self, weights: WeightsFile, online: Callable[[str], bool]) -> None:
        super().__init__()
        self.setTitle("Detector")
        self.setSubTitle("Which model finds the people in the pictures.")
        self.weights = weights
        self._online = online
        self.model_dir = Path()
        self.builtin = QLabel(NANODET_TEXT)
        self.builtin.setWordWrap(True)
        self.yolo = QLabel("")
        self.yolo.setWordWrap(True)
        self.status = QLabel("Checking the internet connection…")
        self.status.setWordWrap(True)
        self.download_button = QPushButton(f"Download {weights.file}")
        self.download_button.setEnabled(False)
        self.download_button.clicked.connect(self.start_download)
        self.cancel_button = QPushButton("Stop")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel_download)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.progress.setFormat("not downloaded")
        self.download_row = QWidget()
        row = QHBoxLayout(self.download_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.download_button)
        row.addWidget(self.cancel_button)
        row.addWidget(self.progress, 1)
        self.download_row.setVisible(False)  # shown when the computer is online
        lay = QVBoxLayout(self)
        lay.addWidget(self.builtin)
        lay.addSpacing(8)
        lay.addWidget(self.yolo)
        lay.addWidget(self.download_row)
        lay.addWidget(self.status)
        lay.addStretch(1)
        self.is_online: bool | None = None
        self.downloading = False
        self.downloaded: Path | None = None
        self.damaged = ""  # why a weights file already in the model folder cannot be used
        self._stop = threading.Event()

    def initializePage(self) -> None:
        """Tell where the weights go; check (on a worker thread) whether the download server answers."""
        wiz = self.wizard()
        assert isinstance(wiz, FirstRunWizard)
        from app import paths

        self.model_dir = paths.model_dir(wiz.data_page.folder())
        self.yolo.setText(YOLO_TEXT.format(file=self.weights.file, folder=self.model_dir))
        have = self.model_dir / self.weights.file
        if have.is_file():
            problem = check_file(have, self.weights.size, self.weights.sha256)
            if problem is None:
                self.is_online = None
                self.status.setText(f"{self.weights.file} is already in the model folder (verified): YOLO will be used.")
                return
            self.damaged = problem  # shown with the online check; a download replaces the file
        if self.is_online is None:
            url = self.weights.url
            run_async(lambda: self._online(url), self._checked, lambda m: self._checked(False))

    def _checked(self, online: bool) -> None:
        self.is_online = bool(online)
        self.download_row.setVisible(self.is_online)
        first = f"{self.damaged}. " if self.damaged else ""
        if self.is_online:
            self.download_button.setEnabled(True)
            self.status.setText(
                first + "This computer is online: you can download the YOLO weights now (checked against their "
                "pinned SHA-256; an interrupted download resumes), or keep the built-in detector."
            )
        else:
            self.download_button.setEnabled(False)
            self.status.setText(
                first + "This computer is offline (the download server does not answer): StoreSight uses the "
                f"built-in detector. To use YOLO later, copy {self.weights.file} into {self.model_dir} and restart."
            )

    def start_download(self) -> None:
        """Download the weights on a worker thread with a progress bar."""
        if self.downloading:
            return
        self.downloading = True
        self._stop.clear()
        self.download_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.status.setText(f"Downloading {self.weights.file}…")
        entry, folder, stop = self.weights, self.model_dir, self._stop

        def work() -> str:
            return str(fetch_weights(entry, folder, progress=self._report, stop=stop))

        run_async(work, self._done, self._failed)

    def _report(self, done: int, total: int) -> None:
        # worker thread: Qt widgets are only touched through a queued signal
        self.progressChanged.emit(done, total)

    progressChanged = Signal(int, int)

    def cancel_download(self) -> None:
        """Stop the download (what came so far is kept for a resume)."""
        self._stop.set()

    def _show_progress(self, done: int, total: int) -> None:
        if total:
            self.progress.setRange(0, 100)
            self.progress.setValue(int(done * 100 / total))
            self.progress.setFormat(f"%p%  ({done / 1024**2:.1f} of {total / 1024**2:.1f} MB)")
        else:
            self.progress.setRange(0, 0)

    def _done(self, path: str) -> None:
        self.downloading = False
        self.downloaded = Path(path)
        self.cancel_button.setEnabled(False)
        self.progress.setRange(0, 100)
        self.progress.setValue(100)
        self.status.setText(f"Downloaded and verified: {path}. YOLO will be used.")
        self.downloadFinished.emit(path)

    def _failed(self, message: str) -> None:
        self.downloading = False
        self.cancel_button.setEnabled(False)
        self.download_button.setEnabled(True)
        self.download_button.setText("Resume download" if "resume" in message or "stopped" in message else "Try again")
        self.status.setText(f"<span style='color:#d03030'>{message}</span> The built-in detector works meanwhile.")
        self.downloadFinished.emit("")

    def validatePage(self) -> bool:
        """Do not leave while a download runs."""
        if self.downloading:
            self.status.setText("Stop the download first, or wait for it to finish.")
            return False
        return True


def _error_label() -> QLabel:
    label = QLabel("")
    label.setWordWrap(True)
    label.setStyleSheet("color: #d03030;")
    return label


class FirstRunWizard(QWizard):
    """The first-run wizard (see the module docstring).

    Args:
        site_path: where ``site.yaml`` is written (the window looks there at the next start).
        data_dir: the data folder offered (default: the folder of ``site_path``).
        weights: the weights the detector page offers to download.
        online: tells whether a URL's server answers (tests pass their own).
        parent: the parent widget.

    Example:
        >>> wiz = FirstRunWizard(paths.data_dir() / "site.yaml")       # doctest: +SKIP
        >>> if wiz.exec(): setup = resolve_setup(None, None)            # doctest: +SKIP
    """

    STORE, DATA, CAMERA, LINE, MODULES, DETECTOR = range(6)

    def __init__(
        self,
        site_path: Path,
        *,
        data_dir: Path | None = None,
        weights: WeightsFile | None = None,
        online: Callable[[str], bool] = is_online,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("StoreSight — first start")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setMinimumSize(760, 620)
        self.site_path = Path(site_path)
        self.store_page = StorePage()
        self.data_page = DataPage(data_dir or self.site_path.parent)
        self.camera_page = CameraPage()
        self.line_page = LinePage()
        self.modules_page = ModulesPage()
        self.detector_page = DetectorPage(weights or WEIGHTS["yolo11n.pt"], online)
        self.detector_page.progressChanged.connect(self.detector_page._show_progress)
        for pid, page in (
            (self.STORE, self.store_page),
            (self.DATA, self.data_page),
            (self.CAMERA, self.camera_page),
            (self.LINE, self.line_page),
            (self.MODULES, self.modules_page),
            (self.DETECTOR, self.detector_page),
        ):
            self.setPage(pid, page)
        self.setButtonText(QWizard.WizardButton.FinishButton, "Start StoreSight")
        self.written: Path | None = None
        self.error: str = ""

    def site_config(self) -> SiteConfig:
        """The site as entered, validated like the config file.

        Raises:
            ValueError: one line saying what is wrong.
        """
        chosen = self.modules_page.chosen()
        tz = self.store_page.tz_box.currentText().strip() or None
        site: dict[str, Any] = {
            "site": {"name": self.store_page.name_edit.text().strip(), "timezone": tz},
            "roles": {"enabled": chosen["roles"]},
            "cameras": [],
        }
        folder = self.data_page.folder()
        if folder != self.site_path.parent.absolute():
            site["storage"] = {"data_dir": str(folder)}
        cam = self.camera_page.camera()
        if cam is not None:
            line = self.line_page.line()
            if line is not None:
                try:
                    cam = camera_with_shapes(cam, [line])
                except ValueError as e:
                    raise ValueError(str(e)) from None
            data = cam.model_dump(mode="json", exclude_none=True)
            if cam.password is not None:
                data["password"] = cam.password.get_secret_value()
            modules: dict[str, Any] = dict(data.get("modules") or {})
            for key, _label, names, _default in ANALYSES:
                for name in names:
                    modules[name] = {**modules.get(name, {}), "enabled": chosen[key]}
            data["modules"] = modules
            site["cameras"] = [data]
        try:
            return SiteConfig.model_validate(site)
        except ValidationError as e:
            raise ValueError(format_validation_error(e)) from None

    def accept(self) -> None:
        """Write ``site.yaml`` and close; on a problem, show it and stay."""
        try:
            cfg = self.site_config()
            self.site_path.parent.mkdir(parents=True, exist_ok=True)
            save_config(cfg, self.site_path)
        except (ValueError, OSError) as e:
            self.error = str(e)
            self.detector_page.status.setText(f"<span style='color:#d03030'>Cannot save the site: {e}</span>")
            return
        self.written = self.site_path
        super().accept()


def needs_first_run(config: Path | None, db: str | None) -> bool:
    """Whether the window should start with the wizard: nothing chosen, no ``site.yaml``, no cameras yet."""
    if config is not None or db is not None:
        return False
    from app import paths

    folder = paths.data_dir()
    if (folder / SITE_FILE).is_file():
        return False
    db_file = paths.default_db_path(folder)
    if not db_file.is_file():
        return True
    from app.gui.data import site_from_store
    from app.store.db import open_store

    try:
        store = open_store(paths.default_db_url(folder))
    except Exception:  # the window reports database problems itself
        return False
    try:
        site = site_from_store(store)
    finally:
        store.close()
    return site is None or not site.cameras


def screenshot_wizard(
    save: Callable[[QWidget, str], None],
    wait: Callable[[Callable[[], bool], float], bool],
    folder: Path,
    video: str | None,
) -> None:
    """Walk the wizard page by page as a user would and ``save`` each (``gui --screenshot``).

    Args:
        save: writes a widget's picture under a name of :data:`WIZARD_SHOTS`.
        wait: processes events until the condition holds or the timeout (s) passes.
        folder: a scratch folder (the wizard's data folder and site file; nothing else is touched).
        video: a video file for the camera page's connection test (the site's first camera), or None.
    """
    wiz = FirstRunWizard(folder / SITE_FILE, data_dir=folder / "data", online=lambda url: False)
    wiz.resize(860, 680)
    wiz.show()
    wait(lambda: True, 0.3)
    wiz.store_page.name_edit.setText("Main Street store")
    wiz.store_page.tz_box.setCurrentText("Europe/Berlin")
    save(wiz, WIZARD_SHOTS[0])
    wiz.next()
    wait(lambda: True, 0.3)
    save(wiz, WIZARD_SHOTS[1])
    wiz.next()
    if video:
        form = wiz.camera_page.form
        form.kind_box.setCurrentIndex(1)
        form.file_edit.setText(video)
        form.test_connection()
        wait(lambda: form.last_probe is not None, 30)
    wait(lambda: True, 0.3)
    save(wiz, WIZARD_SHOTS[2])
    wiz.next()
    line = wiz.line_page
    wait(lambda: line.canvas.has_image(), 30)
    if wiz.currentId() == wiz.LINE:
        line.canvas.set_shapes([Shape("entrance", "Entrance", "entrance_line", ((0.74, 0.16), (0.74, 0.86)))])
        line.canvas.set_mode(Mode.EDIT)
        line.note.setText("Drag its ends to adjust. The arrow points into the store.")
        wait(lambda: True, 0.3)
        save(wiz, WIZARD_SHOTS[3])
        wiz.next()
    wait(lambda: True, 0.3)
    save(wiz, WIZARD_SHOTS[4])
    wiz.next()
    wait(lambda: wiz.detector_page.is_online is not None, 10)
    save(wiz, WIZARD_SHOTS[5])
    wiz.reject()
