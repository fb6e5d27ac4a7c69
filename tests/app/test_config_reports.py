"""The ``reports`` and ``notifications`` sections of the site config."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.config import SiteConfig, load_config, save_config
from app.errors import ConfigError

TOKEN = "123456789:AAE-very-secret"


def site(**extra: Any) -> dict[str, Any]:
    return {"version": 1, "site": {"name": "Shop"}, **extra}


def test_defaults_are_off() -> None:
    cfg = SiteConfig.model_validate(site())
    assert cfg.reports.daily is False and cfg.reports.daily_time == dt.time(7, 0)
    assert cfg.reports.formats == ["xlsx"] and cfg.reports.csv_separator == ";"
    assert cfg.notifications.enabled is False and cfg.notifications.telegram is None


def test_tokens_are_secret_but_saved(tmp_path: Path) -> None:
    cfg = SiteConfig.model_validate(
        site(
            notifications={
                "enabled": True,
                "telegram": {"token": TOKEN, "chat_id": "@store_alerts", "events": ["*.alert"]},
                "webhooks": [
                    {"id": "ops", "url": "https://h.example/x", "token": "bearer-xyz", "events": ["ppe.*"]}
                ],
            },
            reports={"daily": True, "daily_time": "21:30", "formats": ["xlsx", "csv"], "csv_separator": ","},
        )
    )
    assert TOKEN not in repr(cfg) and TOKEN not in str(cfg.model_dump()) and "bearer-xyz" not in repr(cfg)
    path = tmp_path / "site.yaml"
    save_config(cfg, path)
    again = load_config(path)
    assert again.notifications.telegram is not None
    assert again.notifications.telegram.token.get_secret_value() == TOKEN
    assert again.notifications.webhooks[0].token is not None
    assert again.notifications.webhooks[0].token.get_secret_value() == "bearer-xyz"
    assert again.reports.daily_time == dt.time(21, 30) and again.reports.formats == ["xlsx", "csv"]


@pytest.mark.parametrize(
    ("section", "where", "message"),
    [
        ({"notifications": {"telegram": {"token": TOKEN, "chat_id": "my chat", "events": ["*.alert"]}}},
         "notifications.telegram.chat_id", "should match pattern"),
        ({"notifications": {"telegram": {"token": TOKEN, "chat_id": "1", "events": []}}},
         "notifications.telegram.events", "at least 1"),
        ({"notifications": {"telegram": {"token": TOKEN, "chat_id": "1", "events": ["alert"]}}},
         "notifications.telegram.events[0]", "should match pattern"),
        ({"notifications": {"webhooks": [{"id": "a", "url": "ftp://x", "events": ["*.*"]}]}},
         "notifications.webhook a: url", "should match pattern"),
        ({"notifications": {"webhooks": [{"id": "a", "url": "http://x", "events": ["*.*"]}] * 2}},
         "notifications", "webhook id 'a' is used twice"),
        ({"notifications": {"retry_initial": 0}}, "notifications.retry_initial", "greater than or equal"),
        ({"reports": {"formats": ["pdf"]}}, "reports.formats[0]", "'xlsx' or 'csv'"),
        ({"reports": {"daily_time": "25:00"}}, "reports.daily_time", "time"),
        ({"reports": {"csv_separator": "|"}}, "reports.csv_separator", "';', ',' or"),
    ],
)  # fmt: skip
def test_bad_sections_give_one_line_naming_the_field(
    tmp_path: Path, section: dict[str, Any], where: str, message: str
) -> None:
    path = tmp_path / "site.yaml"
    path.write_text(yaml.safe_dump(site(**section)), encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_config(path)
    text = str(e.value)
    assert "\n" not in text and f": {where}: " in text and message in text
    assert TOKEN not in text
