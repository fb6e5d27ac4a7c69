"""The head count module's settings: ``cameras[].modules.headcount`` in the site config."""

from pydantic import Field

from app.modules.registry import ModuleSettings


class HeadcountSettings(ModuleSettings):
    """When a new head count is worth an event."""

    min_people: int = Field(
        2, ge=1, le=500, title="From", description="Report peaks of at least this many people."
    )
