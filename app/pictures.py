"""A camera's heatmap or people's paths for a period, as a picture: one function for the CLI and the GUI.

:func:`camera_picture` reads the stored heatmap hours (or track paths) and the camera's background
picture and draws them with :mod:`app.render`; ``storesight heatmap`` writes the result as PNG,
the heatmap view shows it.

Example:
    >>> from app.store.db import open_store
    >>> store = open_store("sqlite://")
    >>> camera_picture(store, None, 0, 1, data_dir=Path("."))  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.render import ZoneShape, decode_image, heatmap_picture, paths_picture
from app.store import stats
from app.store.db import Store
from app.store.query import ROLE_SHORT, ROLE_WORDS, Moment, Role
from app.store.stats import CameraRow


@dataclass(frozen=True, slots=True)
class CameraPicture:
    """A drawn heatmap (or paths) picture and a line about it.

    Attributes:
        image: BGR picture, None when there was nothing to draw (``note`` says so).
        note: one line: the people-time drawn, the number of paths, or why there is no picture.
        warning: a problem that did not stop the picture (no background picture), or "".
        count: paths drawn (0 for a heatmap).
    """

    image: np.ndarray | None
    note: str
    warning: str = ""
    count: int = 0


def zone_shapes(cam: CameraRow) -> list[ZoneShape]:
    """The camera's active zones as drawing shapes."""
    return [ZoneShape(z.config_id, z.label, z.type, z.points) for z in cam.zones if z.active]


def background_image(store: Store, cam: CameraRow, until: Moment, data_dir: Path) -> tuple[np.ndarray | None, str]:
    """The camera's stored background (BGR) before ``until``, or None with a warning saying why."""
    row = stats.background_for(store, cam.config_id, until)
    if row is None:
        return None, f"camera {cam.config_id} has no background picture yet; drawing on grey"
    path = data_dir / row.path
    try:
        image = decode_image(path.read_bytes())
    except OSError:
        image = None
    if image is None:
        return None, f"background picture {path} cannot be read (wrong --data-dir?); drawing on grey"
    return image, ""


def camera_picture(
    store: Store,
    camera: str,
    since: Moment,
    until: Moment,
    *,
    data_dir: Path,
    role: Role = "customer",
    period: str = "",
    paths: bool = False,
) -> CameraPicture:
    """The camera's heatmap (or its people's paths) over its background for ``[since, until)``.

    Args:
        store: the database.
        camera: the camera's config id.
        since: start of the period (None: all data).
        until: end of the period (exclusive).
        data_dir: the data folder holding the background pictures.
        role: whose time and paths (``customer`` = everyone not staff).
        period: the period in words, for the subtitle and the messages.
        paths: draw the paths people walked instead of the heatmap.
    """
    cam = stats.cameras(store, camera)[0]
    tz = stats.site_timezone(store, camera)
    where = f"the period {period}" if period else "this period"
    grid = stats.heatmap_grid(store, camera, since, until, role=role)
    if grid is None or grid.seconds <= 0:
        return CameraPicture(None, f"no heatmap data for camera {cam.config_id} ({ROLE_WORDS[role]}) in {where}")
    background, warning = background_image(store, cam, until, data_dir)
    zones = zone_shapes(cam)
    subtitle = f"{cam.site}  |  {period}, {stats.timezone_name(tz)}  |  {ROLE_SHORT[role]}"
    if paths:
        tracks = stats.track_paths(store, camera, since, until, role=role)
        if not tracks:
            return CameraPicture(None, f"no paths for camera {cam.config_id} ({ROLE_WORDS[role]}) in {where}")
        first = min(float(t.points[0, 0]) for t in tracks)
        last = max(float(t.points[-1, 0]) for t in tracks)
        start = max(since if since is not None else first, first)  # type: ignore[type-var]
        end = min(until if until is not None else last, last)  # type: ignore[type-var]
        pic = paths_picture(
            [t.points for t in tracks],
            width=grid.width,
            height=grid.height,
            start=float(start),
            end=max(float(end), float(start) + 1),
            tz=tz,
            background=background,
            zones=zones,
            title=f"Paths: where people walked - {cam.label} ({cam.config_id})",
            subtitle=subtitle,
        )
        return CameraPicture(pic, f"{len(tracks)} paths", warning, len(tracks))
    from app.cli.stats_cmd import fmt_duration  # the CLI's wording of durations

    if grid.hours:
        hours = "1 stored hour" if grid.hours == 1 else f"{grid.hours} stored hours"
    else:  # stats.heatmap_grid drew a period that is not whole hours from the paths
        hours = "from people's paths: the period is not whole hours"
    note = f"{fmt_duration(grid.seconds)} of people's time in all ({hours})"
    pic = heatmap_picture(
        grid.grid,
        width=grid.width,
        height=grid.height,
        cell=grid.cell,
        background=background,
        zones=zones,
        title=f"Heatmap: where people spent time - {cam.label} ({cam.config_id})",
        subtitle=subtitle,
        note=note,
    )
    return CameraPicture(pic, note, warning)
