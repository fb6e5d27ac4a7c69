"""The queue module's config: checkouts pair queue zones with counters; bad ids are one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from app.config import SiteConfig, load_config
from app.errors import ConfigError

ZONES = [
    {"id": "q1", "type": "queue", "points": [[0, 0], [0.2, 0], [0.2, 1]]},
    {"id": "q2", "type": "queue", "points": [[0.3, 0], [0.5, 0], [0.5, 1]]},
    {"id": "c1", "type": "counter", "points": [[0.6, 0], [0.7, 0], [0.7, 1]]},
    {"id": "c2", "type": "counter", "points": [[0.8, 0], [0.9, 0], [0.9, 1]]},
    {"id": "dept", "type": "department", "points": [[0, 0], [1, 0], [1, 1]]},
]


def camera(queue: dict) -> dict:
    return {"id": "cam", "source": "0", "zones": ZONES, "modules": {"queue": queue}}


def test_default_pairs_every_queue_with_every_counter() -> None:
    cfg = SiteConfig.model_validate({"site": {"name": "S"}, "cameras": [camera({})]})
    assert [(c.queue, c.counters) for c in cfg.cameras[0].checkouts()] == [
        ("q1", ["c1", "c2"]),
        ("q2", ["c1", "c2"]),
    ]


def test_configured_checkouts() -> None:
    queue = {"checkouts": [{"queue": "q2", "counters": ["c2"], "counters_open": 1}, {"queue": "q1"}]}
    cam = SiteConfig.model_validate({"site": {"name": "S"}, "cameras": [camera(queue)]}).cameras[0]
    assert [(c.queue, c.counters, c.counters_open) for c in cam.checkouts()] == [
        ("q2", ["c2"], 1),
        ("q1", ["c1", "c2"], None),
    ]


@pytest.mark.parametrize(
    ("queue", "message"),
    [
        (
            {"checkouts": [{"queue": "nope"}]},
            "modules.queue.checkouts[0].queue: 'nope' is not a zone of type 'queue'",
        ),
        (
            {"checkouts": [{"queue": "q1", "counters": ["dept"]}]},
            "checkouts[0].counters: 'dept' is not a zone of type 'counter'",
        ),
        ({"alert_length": 0}, "alert_length: Input should be greater than or equal to 1"),
        ({"checkout": []}, "unknown key"),
    ],
)
def test_bad_queue_config_is_one_line(tmp_path: Path, queue: dict, message: str) -> None:
    path = tmp_path / "site.yaml"
    path.write_text(yaml.safe_dump({"version": 1, "site": {"name": "S"}, "cameras": [camera(queue)]}))
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_demo_config_has_a_checkout_with_a_counter() -> None:
    cfg = load_config(Path(__file__).resolve().parents[2] / "resources" / "demo" / "site.yaml")
    (co,) = cfg.cameras[0].checkouts()
    assert (co.queue, co.counters) == ("checkout_queue", ["checkout_counter"])
    assert cfg.cameras[0].modules.queue.alert_length == 2
