"""sync_site mirrors the config idempotently and never stores camera credentials."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from app.config import ModulesConfig, SiteConfig
from app.store.db import Store, open_store
from app.store.schema import Camera, CameraFunction, Site, Zone
from app.store.sync import redact_source, sync_site

pytestmark = pytest.mark.timeout(120)


def _cfg(zones: list[dict[str, Any]] | None = None, cameras: int = 2, **site: Any) -> SiteConfig:
    door = {"id": "door", "type": "entrance_line", "points": [[0.1, 0.5], [0.9, 0.5]]}
    shelf = {"id": "shelf", "name": "Dairy", "type": "shelf", "points": [[0, 0], [0.5, 0], [0.5, 0.5]]}
    cams = [
        {
            "id": "entrance",
            "source": "rtsp://admin:Secret1@10.0.0.5:554/live?channel=1&password=Secret1",
            "zones": zones if zones is not None else [door, shelf],
            "modules": {"tracks": {"min_frames": 5}},
        },
        {
            "id": "hall",
            "name": "Hall",
            "source": "rtsp://10.0.0.6/live",
            "username": "u",
            "password": "Secret2",
        },
    ][:cameras]
    return SiteConfig.model_validate({"site": {"name": "Shop 1", **site}, "cameras": cams})


def _count(store: Store, model: type) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_sync_is_idempotent(db_url: str) -> None:
    store = open_store(db_url)
    first = sync_site(store, _cfg(region="North"))
    with store.session() as s:
        stamp = s.scalar(select(Camera.updated_at).where(Camera.config_id == "entrance"))
    second = sync_site(store, _cfg(region="North"))
    assert first == second and set(first) == {"entrance", "hall"}
    n_modules = len(ModulesConfig.model_fields)
    assert [_count(store, m) for m in (Site, Camera, Zone, CameraFunction)] == [1, 2, 2, 2 * n_modules]
    with store.session() as s:
        assert s.scalar(select(Camera.updated_at).where(Camera.config_id == "entrance")) == stamp  # untouched
        site = s.scalar(select(Site))
        assert site is not None and site.region == "North"
        func_ = s.scalar(
            select(CameraFunction).where(
                CameraFunction.camera_id == first["entrance"], CameraFunction.module == "tracks"
            )
        )
        assert func_ is not None and func_.enabled and func_.settings["min_frames"] == 5
        assert func_.settings["confidence"] == pytest.approx(0.35) and func_.settings["classes"] == ["person"]
    store.close()


def test_no_credentials_in_the_database(db_url: str) -> None:
    store = open_store(db_url)
    sync_site(store, _cfg())
    with store.session() as s:
        sources = dict(s.execute(select(Camera.config_id, Camera.source)).all())
    assert sources == {
        "entrance": "rtsp://10.0.0.5:554/live?channel=1&password=***",
        "hall": "rtsp://10.0.0.6/live",
    }
    store.close()


def test_removed_zone_and_camera_are_deactivated_then_revived(db_url: str) -> None:
    store = open_store(db_url)
    ids = sync_site(store, _cfg())
    door = {"id": "door", "name": "Front door", "type": "entrance_line", "points": [[0.2, 0.5], [0.8, 0.5]]}
    assert sync_site(store, _cfg(zones=[door], cameras=1)) == {"entrance": ids["entrance"]}
    with store.session() as s:
        zones = {z.config_id: z for z in s.scalars(select(Zone))}
        cams = {c.config_id: c for c in s.scalars(select(Camera))}
    assert not zones["shelf"].active and zones["door"].active
    assert zones["door"].name == "Front door" and zones["door"].points == [[0.2, 0.5], [0.8, 0.5]]
    assert not cams["hall"].active and cams["entrance"].active
    assert sync_site(store, _cfg()) == ids  # same rows come back
    with store.session() as s:
        assert all(s.scalars(select(Zone.active)))
        assert all(s.scalars(select(Camera.active)))
    store.close()


@pytest.mark.parametrize(
    ("source", "expect"),
    [
        ("rtsp://a:b@host/x", "rtsp://host/x"),
        ("rtsp://user@[fe80::1]:554/s", "rtsp://[fe80::1]:554/s"),
        ("http://h/v?user=a&pwd=b&q=1", "http://h/v?user=***&pwd=***&q=1"),
        ("/videos/a b.mp4", "/videos/a b.mp4"),
        ("0", "0"),
    ],
)
def test_redact_source(source: str, expect: str) -> None:
    assert redact_source(source) == expect
