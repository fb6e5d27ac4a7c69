"""Settings of the customer-service module (``cameras[].modules.service``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from app.config_types import bounded, enabled_field, photos_field
from app.modules.registry import ModuleSettings


class ServiceSettings(ModuleSettings):
    """Customer service: a customer left alone in a department for too long (needs staff/customer roles)."""

    enabled: bool = enabled_field(True, "Alert when a customer waits in a department with no staff near.")
    unattended_seconds: float = bounded(
        120.0, 5.0, 3600.0, "Unattended after (s)",
        "A customer in a department this long with no staff near raises an 'unattended' alert.",
    )
    staff_distance: float = bounded(
        3.0, 0.0, 50.0, "Staff near (box heights)",
        "Staff closer than this many box heights (≈ 1.7 m each) attend the customer.", open_lo=True,
    )
    zone_types: list[Literal["department", "shelf", "counter", "queue", "workstation"]] = Field(
        default_factory=lambda: ["department"],
        title="Zone types",
        description="Zones where customers are watched.",
    )
    save_crops: bool = photos_field("Attach a photo of the customer.")
