"""What the window's two ways of enrolling a face share: asking for the consent, loading the backend.

Used by the Staff page's employee list (enrol from photos) and its people list (enrol from a
tracked person).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QInputDialog, QWidget

from app.errors import UserError


def ask_consent(parent: QWidget, name: str) -> str | None:
    """Ask on what basis ``name`` consented to face identification; None when cancelled or empty."""
    text, ok = QInputDialog.getText(
        parent, "Consent to face identification",
        f"{name} must consent to face identification first. On what basis "
        "(e.g. 'signed consent form 2026-12-01')?",
    )  # fmt: skip
    return text.strip() if ok and text.strip() else None


def consent_and_backend(store: Any, employee_id: int, basis: str | None) -> Any:
    """Worker thread: load the face backend (a clear error if it cannot run), then record the consent.

    Returns:
        The loaded :class:`models.faces.base.FaceBackend`.

    Raises:
        UserError: no face backend can run here.
    """
    from app.faces.gallery import record_consent
    from models.faces.base import FacesUnavailable
    from models.faces.registry import create_face_backend

    try:
        backend = create_face_backend("auto").backend
    except FacesUnavailable as e:
        raise UserError(str(e)) from None
    if basis:
        record_consent(store, employee_id, True, basis=basis)
    return backend
