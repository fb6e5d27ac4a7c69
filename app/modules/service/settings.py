"""Settings of the customer-service module (``cameras[].modules.service``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from app.modules.registry import ModuleSettings


class ServiceSettings(ModuleSettings):
    """Customer service: a customer left alone in a department for too long (needs staff/customer roles)."""

    enabled: bool = Field(
        True, title="Enabled", description="Alert when a customer waits in a department with no staff near."
    )
    unattended_seconds: float = Field(
        120.0,
        ge=5.0,
        le=3600.0,
        title="Unattended after (s)",
        description="A customer in a department this long with no staff near raises an 'unattended' alert.",
    )
    staff_distance: float = Field(
        3.0,
        gt=0.0,
        le=50.0,
        title="Staff near (box heights)",
        description="Staff closer than this many box heights (≈ 1.7 m each) attend the customer.",
    )
    zone_types: list[Literal["department", "shelf", "counter", "queue", "workstation"]] = Field(
        default_factory=lambda: ["department"],
        title="Zone types",
        description="Zones where customers are watched.",
    )
    save_crops: bool = Field(True, title="Save photos", description="Attach a photo of the customer.")
