"""Settings of the checkout-queue module (``cameras[].modules.queue``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from app.config_types import Ident, StrictModel, ZoneType, bounded, enabled_field
from app.modules.registry import ModuleSettings

if TYPE_CHECKING:
    from app.config import CameraConfig


class CheckoutConfig(StrictModel):
    """One checkout: a queue zone and the counter zones it feeds."""

    queue: Ident = Field(title="Queue zone", description="Id of the camera's zone of type 'queue'.")
    counters: list[Ident] = Field(
        default_factory=list,
        title="Counter zones",
        description="Ids of the zones of type 'counter' this queue feeds. Empty: every counter zone of the camera.",
    )
    name: str = Field(
        "", title="Name", max_length=120, description="Name in alerts; empty: the queue zone's."
    )
    counters_open: int | None = bounded(
        None, 0, 50, "Open counters",
        "A fixed number of open counters. Empty: counted from staff at the counters, "
        "else from counters that served somebody in the last minutes.",
    )


class QueueSettings(ModuleSettings):
    """Checkout queues: live length and wait, a 5–15 minute forecast and alerts."""

    enabled: bool = enabled_field(True, "Watch the camera's checkout queues.")
    checkouts: list[CheckoutConfig] = Field(
        default_factory=list,
        title="Checkouts",
        description="Queue zones paired with their counter zones. Empty: each queue zone of the camera "
        "with every counter zone of the camera.",
    )
    min_frames: int = bounded(3, 1, 100, "Inertia (frames)", "Frames inside/outside before joining/leaving.")
    min_wait: float = bounded(
        5.0, 0.0, 600.0, "Passer-by under (s)",
        "A shorter stay in the queue that reaches no counter is a passer-by, not an abandonment.",
    )
    handoff_seconds: float = bounded(
        5.0, 0.0, 120.0, "Queue → counter gap (s)",
        "Reaching a counter this soon after leaving the queue zone counts as served.",
    )
    min_service: float = bounded(
        5.0, 0.0, 600.0, "Minimum service (s)", "A shorter stay at a counter is no sale."
    )
    smoothing: float = bounded(10.0, 0.0, 600.0, "Smoothing (s)", "Time constant of the shown queue length.")
    snapshot_interval: float = bounded(
        10.0, 1.0, 3600.0, "Record every (s)", "How often the queue's length, wait and forecast are stored."
    )
    service_window: float = bounded(
        600.0, 60.0, 7200.0, "Service window (s)",
        "Recent period for the service rate, service time and recent wait.",
    )
    alert_length: int | None = bounded(
        5, 1, 500, "Alert at length", "Alert when this many people wait. Empty: off."
    )
    alert_wait: float | None = bounded(
        300.0, 1.0, 7200.0, "Alert at wait (s)", "Alert when somebody has waited this long. Empty: off."
    )
    forecast_alert: bool = Field(
        True,
        title="Forecast alert",
        description="Warn ahead ('open another checkout in ~N minutes') when the forecast reaches the alert length.",
    )
    forecast_minutes: int = bounded(15, 1, 60, "Forecast horizon (min)", "How far ahead the forecast looks.")
    hysteresis: float = bounded(
        1.5, 0.0, 100.0, "Hysteresis (people)",
        "An alert clears only once the length is this far below its threshold.",
    )
    wait_hysteresis: float = bounded(60.0, 0.0, 3600.0, "Hysteresis (s)", "The same for the wait alert.")
    raise_seconds: float = bounded(
        10.0, 0.0, 600.0, "Raise after (s)", "A condition must hold this long to alert."
    )
    clear_seconds: float = bounded(30.0, 0.0, 3600.0, "Clear after (s)", "Calm must hold this long to clear.")
    cooldown: float = bounded(
        300.0, 0.0, 86400.0, "Cooldown (s)",
        "After an alert clears, the same alert waits this long before it may come again.",
    )
    visit_minutes: float = bounded(
        12.0, 0.0, 240.0, "Typical entry → checkout (min)",
        "Assumed time from entering the store to joining the queue, until it is learnt.", open_lo=True,
    )
    checkout_share: float = bounded(
        0.6, 0.0, 1.0, "Share who buy", "Assumed share of entrants who go to a checkout, until it is learnt."
    )
    service_seconds: float = bounded(
        60.0, 0.0, 3600.0, "Typical service (s)",
        "Assumed service time at a counter, until it is measured.", open_lo=True,
    )
    save_snapshots: bool = Field(
        True, title="Alert photos", description="Attach the frame and a crop of the queue to each alert."
    )

    def check_camera(self, camera: CameraConfig) -> None:
        """Every configured checkout names a queue zone and counter zones of this camera.

        Raises:
            ValueError: ``modules.queue.checkouts[i].queue: 'x' is not a zone of type 'queue' …``.
        """
        types = {z.id: z.type for z in camera.zones}
        for i, co in enumerate(self.checkouts):
            where = f"modules.queue.checkouts[{i}]"
            if types.get(co.queue) is not ZoneType.QUEUE:
                raise ValueError(f"{where}.queue: {co.queue!r} is not a zone of type 'queue' on this camera")
            for c in co.counters:
                if types.get(c) is not ZoneType.COUNTER:
                    raise ValueError(
                        f"{where}.counters: {c!r} is not a zone of type 'counter' on this camera"
                    )

    def checkouts_of(self, camera: CameraConfig) -> list[CheckoutConfig]:
        """The camera's checkouts: as configured, or each queue zone with every counter zone."""
        counters = [z.id for z in camera.zones if z.type is ZoneType.COUNTER]
        if self.checkouts:
            return [
                co if co.counters else co.model_copy(update={"counters": counters}) for co in self.checkouts
            ]
        return [
            CheckoutConfig(queue=z.id, counters=counters) for z in camera.zones if z.type is ZoneType.QUEUE
        ]
