"""The head count module: the most people in view, as events when it rises."""

from __future__ import annotations

from analytics.types import PERSON_CLASS, Detections, Frame
from app.engine.modules import CameraContext, Module, Record
from headcount.events import HEADCOUNT_PEAK
from headcount.settings import HeadcountSettings


class HeadcountModule(Module):
    """Emits ``headcount.peak`` whenever the people in view exceed every earlier count."""

    name = "headcount"

    def __init__(self, ctx: CameraContext, settings: HeadcountSettings) -> None:
        super().__init__(ctx)
        self.settings = settings
        self.best = 0

    def process(self, frame: Frame, dets: Detections) -> list[Record]:
        """Count this frame's people (and customers, when the role stage ran)."""
        people = dets[dets.is_class(PERSON_CLASS)] if len(dets) else dets
        n = len(people)
        if n <= self.best or n < self.settings.min_people:
            return []
        self.best = n
        roles = people.data.get("role")
        customers = n if roles is None else int((roles != "staff").sum())
        return [
            HEADCOUNT_PEAK.record(frame.camera_id, frame.ts, payload={"people": n, "customers": customers})
        ]


def build(ctx: CameraContext) -> list[Module]:
    """The module of a camera whose ``modules.headcount.enabled`` is on."""
    settings: HeadcountSettings = ctx.camera.modules.headcount  # type: ignore[attr-defined]
    return [HeadcountModule(ctx, settings)] if settings.enabled else []
