"""Mirror the site config (site, cameras, zones, module settings) into the database.

Idempotent: the natural keys are the site name, (site, camera id), (camera, zone id) and
(camera, module). Cameras and zones that left the config are kept with ``active = False``
(events and tracks point at them; reports of last month must still name them) and come back
to life if the id reappears. Module rows of modules that no longer exist are deleted (nothing
points at them).

Example:
    >>> from app.config import SiteConfig
    >>> from app.store.db import open_store
    >>> store = open_store("sqlite://")
    >>> cfg = SiteConfig.model_validate({"site": {"name": "Demo"},
    ...     "cameras": [{"id": "cam1", "source": "rtsp://admin:secret@10.0.0.5/live"}]})
    >>> sync_site(store, cfg) == sync_site(store, cfg)
    True
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app import opening_hours
from app.config import CameraConfig, DetectionSettings, SiteConfig
from app.redaction import plain_text, strip_credentials
from app.store.db import Store
from app.store.schema import Camera, CameraFunction, Site, Zone

log = logging.getLogger(__name__)

def redact_source(source: str) -> str:
    """A camera source as stored: no user-info, credential-like query values masked (:mod:`app.redaction`).

    Example:
        >>> redact_source("rtsp://admin:pw@10.0.0.5:554/Streaming?channel=1&password=pw")
        'rtsp://10.0.0.5:554/Streaming?channel=1&password=***'
    """
    return strip_credentials(source, mask_users=True)


def module_settings(cfg: SiteConfig, cam: CameraConfig) -> dict[str, tuple[bool, dict[str, Any]]]:
    """Module name -> (enabled, settings) with detection thresholds resolved to effective values."""
    out: dict[str, tuple[bool, dict[str, Any]]] = {}
    for name in type(cam.modules).model_fields:
        mod = getattr(cam.modules, name)
        if not isinstance(mod, BaseModel):
            continue
        settings = mod.model_dump(mode="json", exclude={"enabled"})
        if isinstance(mod, DetectionSettings):
            settings.update(cfg.effective(cam, mod).model_dump(mode="json"))
        out[name] = (bool(getattr(mod, "enabled", True)), settings)
    return out


def _set(obj: Any, **values: Any) -> None:
    """Assign only what changed, so an unchanged config does not bump ``updated_at``."""
    for key, val in values.items():
        if getattr(obj, key) != val:
            setattr(obj, key, val)


def _sync_camera(s: Session, site: Site, cfg: SiteConfig, cc: CameraConfig, cam: Camera | None) -> Camera:
    if cam is None:
        cam = Camera(site=site, config_id=cc.id)
        s.add(cam)
    source = redact_source(cc.source)
    _set(cam, name=plain_text(cc.label), source_kind=cc.kind, source=source, enabled=cc.enabled, active=True)
    zones = {z.config_id: z for z in cam.zones}
    for zc in cc.zones:
        zone = zones.pop(zc.id, None)
        if zone is None:
            zone = Zone(camera=cam, config_id=zc.id)
            s.add(zone)
        points = [[float(x), float(y)] for x, y in zc.points]
        _set(zone, name=plain_text(zc.label), type=zc.type.value, points=points, active=True)
    for gone in zones.values():
        _set(gone, active=False)
    funcs = {f.module: f for f in cam.functions}
    for name, (enabled, settings) in module_settings(cfg, cc).items():
        func = funcs.pop(name, None)
        if func is None:
            func = CameraFunction(camera=cam, module=name)
            s.add(func)
        _set(func, enabled=enabled, settings=settings)
    for gone_func in funcs.values():
        s.delete(gone_func)
    return cam


def sync_site(store: Store, cfg: SiteConfig) -> dict[str, int]:
    """Upsert the site, its cameras, zones and module settings from the config.

    Call at startup before the writer starts (it writes directly, in one transaction).

    Args:
        store: the open database.
        cfg: the validated site config.

    Returns:
        Camera config id -> camera row id, for every camera in the config.
    """
    with store.session(write=True) as s:
        site = s.scalar(
            select(Site)
            .where(Site.name == cfg.site.name)
            .options(selectinload(Site.cameras).selectinload(Camera.zones))
            .options(selectinload(Site.cameras).selectinload(Camera.functions))
        )
        if site is None:
            site = Site(name=cfg.site.name)
            s.add(site)
            existing: dict[str, Camera] = {}
        else:
            existing = {c.config_id: c for c in site.cameras}
        _set(
            site,
            region=cfg.site.region,
            timezone=cfg.site.timezone,
            opening_hours=opening_hours.to_text(cfg.site.opening_hours),
        )
        cams = {cc.id: _sync_camera(s, site, cfg, cc, existing.pop(cc.id, None)) for cc in cfg.cameras}
        for gone in existing.values():
            _set(gone, active=False)
        s.flush()
        ids = {cid: cam.id for cid, cam in cams.items()}
    log.info("site %r synced: %d camera(s)", cfg.site.name, len(ids))
    return ids
