"""Add or edit a camera: network (RTSP), video file or USB, with a "Test connection" snapshot.

Labels and tooltips come from the config model's field titles and descriptions. The camera is
validated like the config file; a problem is shown in one line and the dialog stays open.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QWidget,
)

from app.config import CameraConfig, format_validation_error
from app.engine.engine import CameraProbe, probe_camera
from app.gui.qt_util import float_spin, hbox, int_spin, run_async, to_qpixmap, vbox

KINDS = (("rtsp", "Network camera (RTSP)"), ("file", "Video file"), ("usb", "USB camera"))


def _field(name: str) -> tuple[str, str]:
    info = CameraConfig.model_fields[name]
    return info.title or name, info.description or ""


class CameraDialog(QDialog):
    """Edit one camera's connection and frame-rate settings.

    Args:
        camera: the camera to edit, or None to add a new one.
        taken_ids: ids of the other cameras (a new id must differ).
        parent: the parent window.

    Example:
        >>> dlg = CameraDialog(None, taken_ids={"entrance"})       # doctest: +SKIP
        >>> if dlg.exec(): doc.add_camera(dlg.camera())            # doctest: +SKIP
    """

    def __init__(
        self,
        camera: CameraConfig | None,
        *,
        taken_ids: set[str] | frozenset[str] = frozenset(),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Edit camera" if camera else "Add camera")
        self.setMinimumWidth(620)
        self._original = camera
        self._taken = set(taken_ids) - ({camera.id} if camera else set())
        self._result: CameraConfig | None = None
        self.last_probe: CameraProbe | None = None

        self.id_edit = QLineEdit(camera.id if camera else "")
        self.id_edit.setPlaceholderText("e.g. entrance")
        self.id_edit.setReadOnly(camera is not None)  # the database keys history by the id
        self.name_edit = QLineEdit(camera.name if camera else "")
        self.name_edit.setPlaceholderText("e.g. Entrance, door 1")
        self.kind_box = QComboBox()
        for key, text in KINDS:
            self.kind_box.addItem(text, key)
        self.url_edit = QLineEdit()
        self.url_edit.setPlaceholderText("rtsp://192.168.1.64:554/Streaming/Channels/101")
        self.sub_edit = QLineEdit()
        self.sub_edit.setPlaceholderText("optional: rtsp://192.168.1.64:554/Streaming/Channels/102")
        self.sub_edit.setToolTip(_field("detect_source")[1])
        self.user_edit = QLineEdit()
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.file_edit = QLineEdit()
        self.file_edit.setPlaceholderText("/path/to/recording.mp4")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        self.usb_spin = int_spin(0, 63)
        self.fps_spin = float_spin(0, 120, decimals=1, special="as the camera sends")
        self.stride_spin = int_spin(1, 100)
        self.detect_fps_spin = float_spin(0, 120, decimals=1, special="every N-th frame")
        self.motion_box = QCheckBox(_field("motion_gating")[0])
        self.motion_box.setToolTip(_field("motion_gating")[1])
        self.width_spin = int_spin(0, 8192, special="original")
        self.height_spin = int_spin(0, 8192, special="original")
        self.enabled_box = QCheckBox("Analyse this camera")
        self.enabled_box.setChecked(True)

        # the source, per kind
        self.source_stack = QStackedWidget()
        rtsp = QWidget()
        rf = QFormLayout(rtsp)
        rf.setContentsMargins(0, 0, 0, 0)
        rf.addRow("Stream URL", self.url_edit)
        rf.addRow(_field("username")[0], self.user_edit)
        rf.addRow(_field("password")[0], self.password_edit)
        rf.addRow(_field("detect_source")[0], self.sub_edit)
        file = QWidget()
        fl = QHBoxLayout(file)
        fl.setContentsMargins(0, 0, 0, 0)
        fl.addWidget(self.file_edit, 1)
        fl.addWidget(browse)
        usb = QWidget()
        ul = QFormLayout(usb)
        ul.setContentsMargins(0, 0, 0, 0)
        ul.addRow("Device number", self.usb_spin)
        for w in (rtsp, file, usb):
            self.source_stack.addWidget(w)

        form = QFormLayout()
        for label, widget, name in (
            ("Camera id", self.id_edit, "id"),
            ("Name", self.name_edit, "name"),
            ("Kind", self.kind_box, None),
            ("Source", self.source_stack, "source"),
            (_field("fps")[0], self.fps_spin, "fps"),
            (_field("stride")[0], self.stride_spin, "stride"),
            (_field("detect_fps")[0], self.detect_fps_spin, "detect_fps"),
        ):
            if name:
                widget.setToolTip(_field(name)[1])
            form.addRow(label, widget)
        size = QHBoxLayout()
        size.addWidget(self.width_spin)
        size.addWidget(QLabel("×"))
        size.addWidget(self.height_spin)
        size.addStretch(1)
        size_w = QWidget()
        size_w.setLayout(size)
        size.setContentsMargins(0, 0, 0, 0)
        size_w.setToolTip(_field("resolution")[1])
        form.addRow(_field("resolution")[0], size_w)
        form.addRow("", self.motion_box)
        form.addRow("", self.enabled_box)

        self.test_button = QPushButton("Test connection")
        self.test_button.clicked.connect(self.test_connection)
        self.test_message = QLabel("")
        self.test_message.setWordWrap(True)
        self.picture = QLabel("The camera's picture appears here after a test.")
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setMinimumHeight(240)
        self.picture.setStyleSheet("background: #1e2124; color: #9aa0a6;")
        self.error = QLabel("")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #d03030;")

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        vbox(form, hbox(self.test_button, (self.test_message, 1)), (self.picture, 1), self.error, buttons, parent=self)

        self.kind_box.currentIndexChanged.connect(self._kind_changed)
        self._kind_changed(0)
        if camera is not None:
            self._load(camera)

    def _kind_changed(self, index: int) -> None:
        """Show the source fields of this kind; the others take no room."""
        self.source_stack.setCurrentIndex(index)
        for i in range(self.source_stack.count()):
            policy = QSizePolicy.Policy.Preferred if i == index else QSizePolicy.Policy.Ignored
            self.source_stack.widget(i).setSizePolicy(policy, policy)
        self.source_stack.adjustSize()

    def _load(self, cam: CameraConfig) -> None:
        kind = cam.kind
        self.kind_box.setCurrentIndex([k for k, _ in KINDS].index(kind))
        if kind == "rtsp":
            self.url_edit.setText(cam.source)
            self.user_edit.setText(cam.username or "")
            self.sub_edit.setText(cam.detect_source or "")
            self.password_edit.setText(cam.password.get_secret_value() if cam.password else "")
        elif kind == "usb":
            self.usb_spin.setValue(int(cam.source))
        else:
            self.file_edit.setText(cam.source)
        self.fps_spin.setValue(cam.fps or 0)
        self.stride_spin.setValue(cam.stride)
        self.detect_fps_spin.setValue(cam.detect_fps or 0)
        self.motion_box.setChecked(cam.motion_gating)
        if cam.resolution:
            self.width_spin.setValue(cam.resolution[0])
            self.height_spin.setValue(cam.resolution[1])
        self.enabled_box.setChecked(cam.enabled)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Video file",
            str(Path(self.file_edit.text()).parent),
            "Videos (*.mp4 *.avi *.mkv *.mov *.ts);;All files (*)",
        )
        if path:
            self.file_edit.setText(path)

    def _data(self) -> dict[str, Any]:
        kind = self.kind_box.currentData()
        data: dict[str, Any] = (
            self._original.model_dump(
                exclude={"source", "username", "password", "fps", "stride", "resolution", "detect_fps", "motion_gating",
                         "detect_source"}
            )
            if self._original
            else {}
        )
        data.update(
            id=self.id_edit.text().strip(),
            name=self.name_edit.text().strip(),
            enabled=self.enabled_box.isChecked(),
        )
        if kind == "rtsp":
            data["source"] = self.url_edit.text().strip()
            data["username"] = self.user_edit.text().strip() or None
            data["password"] = self.password_edit.text() or None
            data["detect_source"] = self.sub_edit.text().strip() or None
        elif kind == "usb":
            data["source"] = str(self.usb_spin.value())
        else:
            data["source"] = self.file_edit.text().strip()
        data["fps"] = self.fps_spin.value() or None
        data["stride"] = self.stride_spin.value()
        data["detect_fps"] = self.detect_fps_spin.value() or None
        data["motion_gating"] = self.motion_box.isChecked()
        w, h = self.width_spin.value(), self.height_spin.value()
        data["resolution"] = [w, h] if w and h else None
        return data

    def camera(self) -> CameraConfig:
        """The camera as entered.

        Raises:
            ValueError: one line saying what is wrong.
        """
        data = self._data()
        if not data["id"]:
            raise ValueError("Camera id: enter a short id, e.g. entrance")
        if data["id"] in self._taken:
            raise ValueError(f"Camera id: {data['id']!r} is already used by another camera")
        if not data["source"]:
            raise ValueError("Source: enter the stream URL, the video file or the USB device number")
        try:
            cam = CameraConfig.model_validate(data)
        except ValidationError as e:
            raise ValueError(format_validation_error(e)) from None
        if cam.kind != self.kind_box.currentData():
            raise ValueError(
                f"Source: {data['source']!r} does not look like a {self.kind_box.currentText().lower()}"
            )
        return cam

    def accept(self) -> None:
        """Close with the camera if it is valid; else show why not."""
        try:
            self._result = self.camera()
        except ValueError as e:
            self.error.setText(str(e))
            return
        super().accept()

    def result_camera(self) -> CameraConfig | None:
        """The accepted camera (after ``exec()`` returned true)."""
        return self._result

    def test_connection(self) -> None:
        """Open the camera once on a worker thread and show its picture or the reason it failed."""
        try:
            cam = self.camera().model_copy(update={"id": self.id_edit.text().strip() or "test"})
        except ValueError as e:
            self.error.setText(str(e))
            return
        self.error.setText("")
        self.test_button.setEnabled(False)
        self.test_message.setText("connecting…")
        run_async(lambda: probe_camera(cam), self._tested, self._test_failed)

    def _tested(self, probe: CameraProbe) -> None:
        self.last_probe = probe
        self.test_button.setEnabled(True)
        color = "#1e8a3e" if probe.ok else "#d03030"
        self.test_message.setText(
            f"<span style='color:{color}'>{'OK' if probe.ok else 'Failed'}:</span> {probe.message}"
        )
        if probe.image is not None:
            pix = to_qpixmap(probe.image)
            self.picture.setPixmap(
                pix.scaled(
                    self.picture.width(), self.picture.height(), Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )  # fmt: skip
        else:
            self.picture.setText("No picture.")

    def _test_failed(self, message: str) -> None:
        self._tested(CameraProbe(False, message))
