"""The camera's queue and counter zones reach the tracker (no new-track rule there, see models/tracking.py)."""

from pathlib import Path

import pytest

from app.config import load_config
from app.engine.pipeline import open_zones, tracker_settings

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo" / "site.yaml"


def test_queue_and_counter_zones_become_the_trackers_open_zones() -> None:
    site = load_config(DEMO)
    cam = site.cameras[0]
    kinds = {z.id: z.type.value for z in cam.zones}
    zones = open_zones(cam)
    wanted = [z for z in cam.zones if z.type.value in ("queue", "counter")]
    assert len(zones) == len(wanted) == 2, kinds  # the demo's checkout queue and counter, nothing else
    assert zones[0] == tuple((pytest.approx(x), pytest.approx(y)) for x, y in wanted[0].points)
    s = tracker_settings(site, 0.4, cam)
    assert s.open_zones == zones and s.new_clear > 0  # the rule is on, except there
    assert tracker_settings(site, 0.4).open_zones == () and open_zones(None) == ()
    no_zones = cam.model_copy(update={"zones": [z for z in cam.zones if z not in wanted]})
    assert open_zones(no_zones) == ()


def test_the_site_config_sets_the_new_track_and_static_rules() -> None:
    """``tracker.new_clear`` and ``tracker.static_after`` in the site YAML reach the tracker; their defaults
    are the tracker's own, 0 turns a rule off, and an impossible value is refused."""
    from pydantic import ValidationError

    from app.config import SiteConfig
    from models.tracking import TrackerSettings

    base = {"site": {"name": "s"}, "cameras": []}
    s = tracker_settings(SiteConfig.model_validate(base))
    assert (s.new_clear, s.static_after) == (TrackerSettings().new_clear, TrackerSettings().static_after)
    off = tracker_settings(SiteConfig.model_validate({**base, "tracker": {"new_clear": 0, "static_after": 0}}))
    assert (off.new_clear, off.static_after) == (0.0, 0.0)
    with pytest.raises(ValidationError, match="new_clear"):
        SiteConfig.model_validate({**base, "tracker": {"new_clear": 2}})
