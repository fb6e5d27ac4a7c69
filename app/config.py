"""The site config: one readable YAML file validated by pydantic v2 models.

Every model forbids unknown keys, and every field carries a title, a description and
bounds, so the GUI can reuse them as labels and tooltips. A bad file raises
:class:`~app.errors.ConfigError` with one line naming the field and the problem.

Example:
    >>> cfg = SiteConfig.model_validate({"version": 1, "site": {"name": "Demo"},
    ...     "cameras": [{"id": "cam1", "source": "video.mp4"}]})
    >>> cfg.cameras[0].stride
    1
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlsplit, urlunsplit

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)

from app.errors import ConfigError

CONFIG_VERSION = 1

Coord = Annotated[float, Field(ge=0.0, le=1.0)]
Point = tuple[Coord, Coord]
Ident = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class ZoneType(StrEnum):
    """What a zone or line means to the store."""

    ENTRANCE_LINE = "entrance_line"
    LINE = "line"
    DEPARTMENT = "department"
    QUEUE = "queue"
    COUNTER = "counter"
    SHELF = "shelf"
    WATCH = "watch"
    STAFF_ONLY = "staff_only"
    WORKSTATION = "workstation"
    PARKING = "parking"
    PPE = "ppe"

    @property
    def is_line(self) -> bool:
        """True for zone types drawn as a directed line rather than a polygon."""
        return self in (ZoneType.ENTRANCE_LINE, ZoneType.LINE)

    @property
    def label(self) -> str:
        """The type in a store's words (zone editor, reports)."""
        return ZONE_TYPE_LOOK[self][0]

    @property
    def color(self) -> str:
        """Its outline colour, RGB hex (the GUI; the pictures use :attr:`bgr`)."""
        return ZONE_TYPE_LOOK[self][1]

    @property
    def bgr(self) -> tuple[int, int, int]:
        """Its outline colour as an OpenCV BGR tuple.

        Example:
            >>> ZoneType.QUEUE.label, ZoneType.QUEUE.color, ZoneType.QUEUE.bgr
            ('Checkout queue', '#ffd700', (0, 215, 255))
        """
        h = self.color.lstrip("#")
        r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
        return (b, g, r)


#: The one table of zone types: words people read and outline colour (RGB hex), in menu order.
ZONE_TYPE_LOOK: dict[ZoneType, tuple[str, str]] = {
    ZoneType.ENTRANCE_LINE: ("Entrance line", "#3ce63c"),
    ZoneType.LINE: ("Counting line", "#3cc8e6"),
    ZoneType.DEPARTMENT: ("Department", "#ffffff"),
    ZoneType.QUEUE: ("Checkout queue", "#ffd700"),
    ZoneType.COUNTER: ("Counter", "#ffa500"),
    ZoneType.SHELF: ("Shelf", "#a0ffff"),
    ZoneType.STAFF_ONLY: ("Staff only", "#ff5050"),
    ZoneType.WORKSTATION: ("Workstation", "#ffa0ff"),
    ZoneType.PARKING: ("Parking", "#c8c8c8"),
    ZoneType.WATCH: ("Watched items", "#ff8c00"),
    ZoneType.PPE: ("PPE required", "#e6ff00"),
}


class ZoneConfig(_Model):
    """A polygon or a directed line on one camera, in 0–1 coordinates of the frame."""

    id: Ident = Field(title="Zone id", description="Short unique id within the camera, e.g. 'dept_a'.")
    name: str = Field("", title="Name", description="Name shown in the GUI and reports.", max_length=120)
    type: ZoneType = Field(title="Type", description="What the zone means: entrance line, department, queue…")
    points: list[Point] = Field(
        title="Points",
        description="Vertices as [x, y] in 0–1 of the frame width/height. A line has two points, "
        "drawn so that 'in' is crossing from its left to its right side when looking from the first "
        "point to the second.",
    )
    ppe_items: list[Literal["helmet", "vest"]] | None = Field(
        None,
        title="Required PPE",
        description="PPE zones: the items everyone inside must wear, e.g. [helmet, vest] (empty: the "
        "PPE module's default).",
    )

    @model_validator(mode="after")
    def _check_points(self) -> ZoneConfig:
        if self.type.is_line and len(self.points) != 2:
            raise ValueError(f"{self.type.value} needs exactly 2 points, got {len(self.points)}")
        if not self.type.is_line and len(self.points) < 3:
            raise ValueError(f"{self.type.value} polygon needs at least 3 points, got {len(self.points)}")
        if self.ppe_items and self.type != ZoneType.PPE:
            raise ValueError(f"ppe_items is for zones of type ppe, not {self.type.value}")
        return self

    @property
    def label(self) -> str:
        """The name, or the id when there is no name."""
        return self.name or self.id


class DetectionSettings(_Model):
    """Thresholds shared by detection modules (the seeds' config.ini keys)."""

    confidence: float | None = Field(
        None,
        ge=0.01,
        le=1.0,
        title="Detection confidence",
        description="Minimum detector score (seeds: confidence_ratio). Higher: fewer false alarms, more misses.",
    )
    classes: list[str] | None = Field(
        None,
        title="Classes",
        description="Class names of the detector to look for (seeds: class_list), e.g. [person, car].",
    )
    box_expand: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        title="Box expansion",
        description="Grow each box by this share of its size on every side before cropping (seeds: BoundingBox).",
    )

    @field_validator("classes")
    @classmethod
    def _known_classes(cls, v: list[str] | None) -> list[str] | None:
        if v is None:
            return v
        if not v:
            raise ValueError("class list is empty")
        return v


class TracksSettings(DetectionSettings):
    """Records every track (first/last seen, path) and its start/end events with a crop."""

    enabled: bool = Field(True, title="Enabled", description="Record tracks and their crops.")
    min_frames: int = Field(
        3,
        ge=1,
        le=1000,
        title="Minimum frames",
        description="A track seen in fewer frames is treated as noise and not stored.",
    )
    save_crops: bool = Field(True, title="Save crops", description="Store a JPEG crop of each track.")
    path_interval: float = Field(
        0.5,
        ge=0.0,
        le=60.0,
        title="Path sample interval (s)",
        description="Store the track's position at most this often (seconds).",
    )


class FootfallSettings(_Model):
    """In/out counts on the camera's lines (entrance lines and counting lines)."""

    enabled: bool = Field(True, title="Enabled", description="Count line crossings.")
    min_distance: float = Field(
        0.02,
        ge=0.0,
        le=0.5,
        title="Side distance",
        description="How far from the line (share of the frame height) a person must be to count as on a side; "
        "jitter on the line never counts.",
    )
    min_frames: int = Field(
        2,
        ge=1,
        le=100,
        title="Confirm frames",
        description="Consecutive frames on the new side before a crossing counts.",
    )
    save_crops: bool = Field(
        True, title="Save crops", description="Attach a photo of the person to each crossing."
    )


class ZonesSettings(_Model):
    """Enter/exit, occupancy and dwell time in the camera's polygon zones."""

    enabled: bool = Field(True, title="Enabled", description="Track presence in zones.")
    min_frames: int = Field(
        3,
        ge=1,
        le=100,
        title="Inertia (frames)",
        description="Consecutive frames inside (outside) before an enter (exit) counts, so a flickering box "
        "does not double count.",
    )
    min_seconds: float = Field(
        0.0, ge=0.0, le=60.0, title="Inertia (s)", description="Minimum time span of those frames."
    )
    lost_timeout: float = Field(
        2.0,
        gt=0.0,
        le=120.0,
        title="Lost after (s)",
        description="A person unseen this long has left the zone.",
    )


class VisitsSettings(_Model):
    """Store visits: entering to leaving, time in store, zones in order."""

    enabled: bool = Field(True, title="Enabled", description="Build visits from tracks.")
    join_seconds: float = Field(
        2.0,
        ge=0.0,
        le=60.0,
        title="Join gap (s)",
        description="Longest gap of an ID switch that is joined into one visit.",
    )
    join_distance: float = Field(
        0.15,
        ge=0.0,
        le=1.0,
        title="Join distance",
        description="Farthest jump (share of the frame height) of an ID switch that is joined.",
    )
    min_duration: float = Field(
        1.0, ge=0.0, le=3600.0, title="Minimum visit (s)", description="Shorter visits are noise."
    )


class HeatmapSettings(_Model):
    """Time spent per place, accumulated per hour."""

    enabled: bool = Field(True, title="Enabled", description="Accumulate a heatmap.")
    cell: int = Field(
        8, ge=2, le=64, title="Cell (px)", description="Grid cell side in pixels of the analysed frame."
    )
    max_dt: float = Field(
        1.0, gt=0.0, le=10.0, title="Max step (s)", description="A gap longer than this adds no more time."
    )


class CheckoutConfig(_Model):
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
    counters_open: int | None = Field(
        None,
        ge=0,
        le=50,
        title="Open counters",
        description="A fixed number of open counters. Empty: counted from staff at the counters, "
        "else from counters that served somebody in the last minutes.",
    )


class QueueSettings(_Model):
    """Checkout queues: live length and wait, a 5–15 minute forecast and alerts."""

    enabled: bool = Field(True, title="Enabled", description="Watch the camera's checkout queues.")
    checkouts: list[CheckoutConfig] = Field(
        default_factory=list,
        title="Checkouts",
        description="Queue zones paired with their counter zones. Empty: each queue zone of the camera "
        "with every counter zone of the camera.",
    )
    min_frames: int = Field(
        3, ge=1, le=100, title="Inertia (frames)", description="Frames inside/outside before joining/leaving."
    )
    min_wait: float = Field(
        5.0,
        ge=0.0,
        le=600.0,
        title="Passer-by under (s)",
        description="A shorter stay in the queue that reaches no counter is a passer-by, not an abandonment.",
    )
    handoff_seconds: float = Field(
        5.0,
        ge=0.0,
        le=120.0,
        title="Queue → counter gap (s)",
        description="Reaching a counter this soon after leaving the queue zone counts as served.",
    )
    min_service: float = Field(
        5.0,
        ge=0.0,
        le=600.0,
        title="Minimum service (s)",
        description="A shorter stay at a counter is no sale.",
    )
    smoothing: float = Field(
        10.0, ge=0.0, le=600.0, title="Smoothing (s)", description="Time constant of the shown queue length."
    )
    snapshot_interval: float = Field(
        10.0,
        ge=1.0,
        le=3600.0,
        title="Record every (s)",
        description="How often the queue's length, wait and forecast are stored.",
    )
    service_window: float = Field(
        600.0,
        ge=60.0,
        le=7200.0,
        title="Service window (s)",
        description="Recent period for the service rate, service time and recent wait.",
    )
    alert_length: int | None = Field(
        5, ge=1, le=500, title="Alert at length", description="Alert when this many people wait. Empty: off."
    )
    alert_wait: float | None = Field(
        300.0,
        ge=1.0,
        le=7200.0,
        title="Alert at wait (s)",
        description="Alert when somebody has waited this long. Empty: off.",
    )
    forecast_alert: bool = Field(
        True,
        title="Forecast alert",
        description="Warn ahead ('open another checkout in ~N minutes') when the forecast reaches the alert length.",
    )
    forecast_minutes: int = Field(
        15, ge=1, le=60, title="Forecast horizon (min)", description="How far ahead the forecast looks."
    )
    hysteresis: float = Field(
        1.5,
        ge=0.0,
        le=100.0,
        title="Hysteresis (people)",
        description="An alert clears only once the length is this far below its threshold.",
    )
    wait_hysteresis: float = Field(
        60.0, ge=0.0, le=3600.0, title="Hysteresis (s)", description="The same for the wait alert."
    )
    raise_seconds: float = Field(
        10.0,
        ge=0.0,
        le=600.0,
        title="Raise after (s)",
        description="A condition must hold this long to alert.",
    )
    clear_seconds: float = Field(
        30.0, ge=0.0, le=3600.0, title="Clear after (s)", description="Calm must hold this long to clear."
    )
    cooldown: float = Field(
        300.0,
        ge=0.0,
        le=86400.0,
        title="Cooldown (s)",
        description="After an alert clears, the same alert waits this long before it may come again.",
    )
    visit_minutes: float = Field(
        12.0,
        gt=0.0,
        le=240.0,
        title="Typical entry → checkout (min)",
        description="Assumed time from entering the store to joining the queue, until it is learnt.",
    )
    checkout_share: float = Field(
        0.6,
        ge=0.0,
        le=1.0,
        title="Share who buy",
        description="Assumed share of entrants who go to a checkout, until it is learnt.",
    )
    service_seconds: float = Field(
        60.0,
        gt=0.0,
        le=3600.0,
        title="Typical service (s)",
        description="Assumed service time at a counter, until it is measured.",
    )
    save_snapshots: bool = Field(
        True, title="Alert photos", description="Attach the frame and a crop of the queue to each alert."
    )


class PoseStageSettings(_Model):
    """Pose keypoints (COCO-17) of the camera's tracked people; the behaviour module needs them."""

    enabled: bool = Field(
        False,
        title="Enabled",
        description="Estimate body keypoints of tracked people (the built-in model costs about 6-12 ms "
        "per person per frame on a CPU).",
    )
    every: int = Field(
        1,
        ge=1,
        le=100,
        title="Every N-th frame",
        description="Estimate a person's keypoints every N-th analysed frame (people take turns); in "
        "between the last keypoints move with the person's box.",
    )
    zone_types: list[ZoneType] = Field(
        default_factory=list,
        title="Only near zones of type",
        description="Estimate only for people near a zone of these types, e.g. [shelf]. Empty: everyone "
        "(needed for posture everywhere).",
    )
    zone_margin: float = Field(
        0.5,
        ge=0.0,
        le=5.0,
        title="Near (box heights)",
        description="How close to such a zone (in the person's box heights) counts as near.",
    )
    smoothing: float = Field(
        0.15,
        ge=0.0,
        le=2.0,
        title="Smoothing (s)",
        description="Time constant of the keypoint smoothing; 0 turns it off.",
    )
    min_score: float = Field(
        0.3,
        ge=0.01,
        le=1.0,
        title="Keypoint score",
        description="Keypoints scoring less count as not seen.",
    )


class PostureSettings(_Model):
    """Standing / walking / sitting / bending intervals per person."""

    enabled: bool = Field(True, title="Enabled", description="Store each person's posture intervals.")
    min_seconds: float = Field(
        0.6,
        ge=0.0,
        le=30.0,
        title="Hold (s)",
        description="A new posture must hold this long before it counts.",
    )
    min_interval: float = Field(
        1.0,
        ge=0.0,
        le=600.0,
        title="Store from (s)",
        description="Shorter posture intervals are not stored.",
    )
    walk_speed: float = Field(
        0.25,
        gt=0.0,
        le=5.0,
        title="Walking from (heights/s)",
        description="Floor speed, in body heights per second, from which a person walks.",
    )
    bend_tilt: float = Field(
        40.0,
        ge=5.0,
        le=90.0,
        title="Bending from (°)",
        description="Torso tilt from vertical from which a person is bending.",
    )
    sit_leg_ratio: float = Field(
        0.9,
        ge=0.1,
        le=3.0,
        title="Sitting below (leg/torso)",
        description="Ankles less than this many torso lengths below the hips (torso upright): sitting.",
    )
    crouch_leg_ratio: float = Field(
        0.6,
        ge=0.0,
        le=3.0,
        title="Crouching below (leg/torso)",
        description="Ankles less than this many torso lengths below the hips: crouching.",
    )


class ReachSettings(_Model):
    """Interaction with goods: a hand in a shelf zone."""

    enabled: bool = Field(True, title="Enabled", description="Detect reaches into the camera's shelf zones.")
    min_seconds: float = Field(
        1.0,
        ge=0.0,
        le=60.0,
        title="Minimum reach (s)",
        description="A wrist must stay in a shelf zone this long to count as a reach.",
    )
    gap: float = Field(
        0.5,
        ge=0.0,
        le=10.0,
        title="Allowed gap (s)",
        description="A wrist may leave (or be unseen) this long without ending the reach.",
    )
    near: float = Field(
        0.75,
        ge=0.0,
        le=5.0,
        title="Near (box heights)",
        description="The person's feet must be this close to the shelf zone, in box heights (passers-by "
        "in front of the shelf are not counted).",
    )
    min_extension: float = Field(
        0.5,
        ge=0.0,
        le=3.0,
        title="Arm out (torso lengths)",
        description="The wrist must be this far from the hip, in torso lengths (a hanging hand is about "
        "0.3); 0 accepts any wrist.",
    )
    save_crops: bool = Field(
        True, title="Save photos", description="Attach a photo (with the skeleton drawn) to each reach."
    )


class ContactSettings(_Model):
    """Staff–customer contact (consultation)."""

    enabled: bool = Field(
        True, title="Enabled", description="Detect consultations (needs staff/customer roles)."
    )
    distance: float = Field(
        1.0,
        gt=0.0,
        le=10.0,
        title="Closer than (box heights)",
        description="Floor points closer than this many box heights are in contact.",
    )
    min_seconds: float = Field(
        5.0,
        ge=0.0,
        le=3600.0,
        title="Minimum contact (s)",
        description="They must stay close this long to count as a consultation.",
    )
    gap: float = Field(
        1.5,
        ge=0.0,
        le=60.0,
        title="Allowed gap (s)",
        description="They may be apart (or one unseen) this long without ending it.",
    )
    save_crops: bool = Field(True, title="Save photos", description="Attach a photo of both people.")


class BehaviourSettings(_Model):
    """Behaviour from pose keypoints: posture, reaching into shelves, staff–customer contact."""

    enabled: bool = Field(
        True,
        title="Enabled",
        description="Posture and reaches need the pose module; contacts need staff/customer roles.",
    )
    posture: PostureSettings = Field(default_factory=PostureSettings, title="Posture")
    reach: ReachSettings = Field(default_factory=ReachSettings, title="Reaching into shelves")
    contact: ContactSettings = Field(default_factory=ContactSettings, title="Staff–customer contact")


class ServiceSettings(_Model):
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


class _BuiltinModules(_Model):
    """Analytics modules of one camera and their thresholds."""

    tracks: TracksSettings = Field(default_factory=TracksSettings, title="Tracks")
    footfall: FootfallSettings = Field(default_factory=FootfallSettings, title="Footfall")
    zones: ZonesSettings = Field(default_factory=ZonesSettings, title="Zones")
    visits: VisitsSettings = Field(default_factory=VisitsSettings, title="Visits")
    heatmap: HeatmapSettings = Field(default_factory=HeatmapSettings, title="Heatmap")
    queue: QueueSettings = Field(default_factory=QueueSettings, title="Checkout queues")
    pose: PoseStageSettings = Field(default_factory=PoseStageSettings, title="Pose keypoints")
    behaviour: BehaviourSettings = Field(default_factory=BehaviourSettings, title="Behaviour")
    service: ServiceSettings = Field(default_factory=ServiceSettings, title="Customer service")



def _modules_config() -> type[_BuiltinModules]:
    """The ``modules`` section: the built-in modules plus one field per module package with settings.

    A package found by :mod:`app.modules.registry` (its own folder, an entry point, or
    ``STORESIGHT_MODULES``) adds its section here without any edit to this file.
    """
    from app.modules.registry import plugin_settings

    fields: dict[str, Any] = {
        name: (pkg.settings, Field(default_factory=pkg.settings, title=pkg.title))
        for name, pkg in plugin_settings().items()
    }
    return create_model(  # type: ignore[no-any-return, call-overload]
        "ModulesConfig", __base__=_BuiltinModules, __module__=__name__, **fields
    )


ModulesConfig = _modules_config()

class CameraConfig(DetectionSettings):
    """One camera: where frames come from, how often to analyse them, its zones and modules."""

    id: Ident = Field(
        title="Camera id", description="Short unique id, e.g. 'entrance'. Used in the database."
    )
    name: str = Field("", title="Name", description="Name shown in the GUI and reports.", max_length=120)
    enabled: bool = Field(True, title="Enabled", description="Analyse this camera.")
    source: str = Field(
        title="Source",
        description="rtsp://host:554/path, a video file path (relative to this config file), or a USB "
        "camera index such as 0.",
        min_length=1,
    )
    username: str | None = Field(None, title="User", description="RTSP user, if not in the URL.")
    password: SecretStr | None = Field(None, title="Password", description="RTSP password; never logged.")
    detect_source: str | None = Field(
        None,
        title="Substream for analysis",
        description="The camera's low-resolution stream (rtsp://…) to analyse; the main Source is then read "
        "only for event photos. Same user and password. Empty: analyse the Source.",
    )
    fps: float | None = Field(
        None,
        gt=0,
        le=120,
        title="Max frame rate",
        description="Analyse at most this many frames per second (live sources drop the rest).",
    )
    stride: int = Field(
        1,
        ge=1,
        le=100,
        title="Detect every N-th frame",
        description="Run the detector on every N-th frame; the tracker predicts in between.",
    )
    detect_fps: float | None = Field(
        None,
        gt=0,
        le=120,
        title="Detections per second",
        description="Run the detector at most this many times per second (5 is plenty for people); the "
        "tracker predicts in between. Empty: every stride-th frame.",
    )
    motion_gating: bool = Field(
        False,
        title="Detect only on motion",
        description="Skip the detector on frames where nothing moved since the last detection (the last "
        "detections stand; at least one detection every 2 s).",
    )
    resolution: tuple[Annotated[int, Field(ge=32, le=8192)], Annotated[int, Field(ge=32, le=8192)]] | None = (
        Field(
            None,
            title="Resize to",
            description="Resize frames to [width, height] before analysis; empty keeps the original.",
        )
    )
    start_time: dt.datetime | None = Field(
        None,
        title="Recording start",
        description="For video files: wall-clock time of the first frame (ISO 8601). Empty: the file's time.",
    )
    zones: list[ZoneConfig] = Field(default_factory=list, title="Zones and lines")
    modules: ModulesConfig = Field(default_factory=ModulesConfig, title="Modules")

    @model_validator(mode="after")
    def _unique_zone_ids(self) -> CameraConfig:
        seen: set[str] = set()
        for z in self.zones:
            if z.id in seen:
                raise ValueError(f"zone id {z.id!r} is used twice")
            seen.add(z.id)
        return self

    @model_validator(mode="after")
    def _checkout_zones_exist(self) -> CameraConfig:
        types = {z.id: z.type for z in self.zones}
        for i, co in enumerate(self.modules.queue.checkouts):
            where = f"modules.queue.checkouts[{i}]"
            if types.get(co.queue) is not ZoneType.QUEUE:
                raise ValueError(f"{where}.queue: {co.queue!r} is not a zone of type 'queue' on this camera")
            for c in co.counters:
                if types.get(c) is not ZoneType.COUNTER:
                    raise ValueError(
                        f"{where}.counters: {c!r} is not a zone of type 'counter' on this camera"
                    )
        return self

    def checkouts(self) -> list[CheckoutConfig]:
        """The camera's checkouts: as configured, or each queue zone with every counter zone."""
        m = self.modules.queue
        if m.checkouts:
            counters = [z.id for z in self.zones if z.type is ZoneType.COUNTER]
            return [co if co.counters else co.model_copy(update={"counters": counters}) for co in m.checkouts]
        counters = [z.id for z in self.zones if z.type is ZoneType.COUNTER]
        return [CheckoutConfig(queue=z.id, counters=counters) for z in self.zones if z.type is ZoneType.QUEUE]

    @property
    def label(self) -> str:
        """The name, or the id when there is no name."""
        return self.name or self.id

    @property
    def kind(self) -> Literal["rtsp", "usb", "file"]:
        """Which kind of source this is."""
        s = self.source.strip()
        if re.match(r"^(rtsps?|rtmp|http|https)://", s, re.I):
            return "rtsp"
        if s.isdigit():
            return "usb"
        return "file"

    @model_validator(mode="after")
    def _substream_of_a_network_camera(self) -> CameraConfig:
        if self.detect_source is not None and (
            self.kind != "rtsp" or not re.match(r"^(rtsps?|rtmp|http|https)://", self.detect_source.strip(), re.I)
        ):
            raise ValueError("detect_source: a substream (rtsp://…) goes with a network camera's rtsp:// source")
        return self

    def detect_source_url(self) -> str | None:
        """The substream with credentials filled in (for opening only), or None."""
        return self._with_credentials(self.detect_source) if self.detect_source else None

    def source_url(self) -> str:
        """The source with credentials filled in — for opening only, never for logs."""
        return self._with_credentials(self.source)

    def _with_credentials(self, source: str) -> str:
        if self.kind != "rtsp" or not (self.username or self.password):
            return source
        parts = urlsplit(source)
        user = quote(self.username or parts.username or "", safe="")
        pwd = quote(self.password.get_secret_value() if self.password else (parts.password or ""), safe="")
        host = parts.hostname or ""
        if parts.port:
            host = f"{host}:{parts.port}"
        return urlunsplit((parts.scheme, f"{user}:{pwd}@{host}", parts.path, parts.query, parts.fragment))


class DetectorConfig(DetectionSettings):
    """Which person/object detector runs, and its defaults for every camera."""

    backend: Literal["auto", "nanodet", "yolo"] = Field(
        "auto",
        title="Backend",
        description="auto: YOLO when its weights are in the model folder, else the built-in NanoDet (CPU).",
    )
    model_dir: str | None = Field(
        None,
        title="Model folder",
        description="Folder with YOLO weights (e.g. yolo11n.pt). Empty: the data folder's models/.",
    )
    yolo_model: str = Field(
        "yolo11n.pt", title="YOLO weights", description="File name (or .yaml) of the YOLO model."
    )
    allow_download: bool = Field(
        False,
        title="Allow download",
        description="Let Ultralytics download missing YOLO weights (needs internet).",
    )
    device: str = Field(
        "auto", title="Device", description="auto, cpu, cuda or cuda:N.", pattern=r"^(auto|cpu|cuda(:\d+)?)$"
    )
    threads: int = Field(0, ge=0, le=64, title="CPU threads", description="Inference threads; 0 = automatic.")
    iou: float = Field(
        0.5, ge=0.05, le=0.95, title="NMS IoU", description="Overlap above which boxes are merged."
    )
    input_size: int = Field(
        0, ge=0, le=1920, title="Input size", description="Network input side; 0 = model default."
    )
    precision: Literal["float", "int8"] = Field(
        "float",
        title="Precision",
        description="int8: the built-in NanoDet's INT8 quantisation (about 1.5x faster on CPU; "
        "accuracy in docs/scale.md). YOLO ignores it.",
    )


class TrackerConfig(_Model):
    """Multi-object tracker (Ultralytics ByteTrack / BoT-SORT) settings."""

    type: Literal["bytetrack", "botsort"] = Field(
        "bytetrack", title="Tracker", description="Tracking algorithm."
    )
    track_high_thresh: float = Field(
        0.35, ge=0.0, le=1.0, title="High threshold", description="First association score."
    )
    track_low_thresh: float = Field(
        0.1, ge=0.0, le=1.0, title="Low threshold", description="Second association score."
    )
    new_track_thresh: float = Field(
        0.4, ge=0.0, le=1.0, title="New track threshold", description="Score to start a track."
    )
    track_buffer: float = Field(
        3.0, gt=0, le=120, title="Keep lost tracks (s)", description="Seconds a lost track may be re-found."
    )
    match_thresh: float = Field(
        0.8, ge=0.0, le=1.0, title="Match threshold", description="IoU cost gate for matching."
    )
    fuse_score: bool = Field(
        True, title="Fuse score", description="Fuse detection score into the matching cost."
    )
    appearance: bool = Field(
        True,
        title="Appearance cue",
        description="Tell people apart by the colours of their upper and lower body: fewer ID switches "
        "when people cross, a person re-found after being hidden keeps their number.",
    )
    appearance_weight: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        title="Appearance weight",
        description="Share of appearance in the matching cost.",
    )
    appearance_gate: float = Field(
        0.15,
        ge=0.0,
        le=1.0,
        title="Appearance gate",
        description="Appearance distance (0 same colours, 1 different) above which a track never takes a box.",
    )
    relink_thresh: float = Field(
        0.1,
        ge=0.0,
        le=1.0,
        title="Re-find threshold",
        description="Appearance distance below which a lost person is re-found near where they were lost.",
    )


class PoseConfig(_Model):
    """Which pose model gives people's keypoints (for cameras with the pose module on)."""

    backend: Literal["auto", "movenet", "yolo"] = Field(
        "auto",
        title="Backend",
        description="auto: YOLO-pose when its weights are in the model folder, else the built-in MoveNet "
        "(CPU). A YOLO-pose detector (detector.yolo_model: yolo11n-pose.pt) gives keypoints itself.",
    )
    yolo_model: str = Field(
        "yolo11n-pose.pt",
        title="YOLO-pose weights",
        description="File name (or .yaml) of the YOLO-pose model.",
    )
    threads: int = Field(0, ge=0, le=64, title="CPU threads", description="Inference threads; 0 = automatic.")


class StorageConfig(_Model):
    """Where data goes."""

    db_url: str | None = Field(
        None,
        title="Database URL",
        description="sqlite:///path.db or postgresql+psycopg://user@host/db. Empty: SQLite in the data folder.",
    )
    data_dir: str | None = Field(
        None, title="Data folder", description="Crops and the default DB. Empty: per-user data dir."
    )
    retention_days: int = Field(
        90, ge=1, le=3650, title="Keep events (days)", description="Older events and crops are deleted."
    )


class ReportsConfig(_Model):
    """Excel/CSV reports and the daily report the running app writes by itself."""

    daily: bool = Field(
        False,
        title="Daily report",
        description="Write yesterday's report every day at the set time while the app runs "
        "(a missed day is written at the next start).",
    )
    daily_time: dt.time = Field(
        dt.time(7, 0),
        title="Daily report time",
        description="Site time (HH:MM) at which the report of the previous day is written.",
    )
    folder: str | None = Field(
        None,
        title="Report folder",
        description="Where daily reports are written. Empty: the data folder's reports/.",
    )
    formats: list[Literal["xlsx", "csv"]] = Field(
        default_factory=lambda: ["xlsx"],
        min_length=1,
        title="Formats",
        description="xlsx: one Excel workbook with charts; csv: one file per sheet in a folder.",
    )
    csv_separator: Literal[";", ",", "\t"] = Field(
        ";",
        title="CSV separator",
        description="';' suits Excel with a comma decimal (e.g. Russian, German); ',' suits English Excel.",
    )
    csv_decimal: Literal[",", "."] | None = Field(
        None,
        title="CSV decimal mark",
        description="Decimal mark of numbers in CSV files. Empty: ',' with the ';' separator, else '.'.",
    )
    role: Literal["customer", "staff", "all"] = Field(
        "customer",
        title="People",
        description="Whose numbers: customer = everyone not marked staff, staff, or all.",
    )
    keep_days: int = Field(
        0,
        ge=0,
        le=3650,
        title="Keep daily reports (days)",
        description="Delete daily reports older than this many days; 0 keeps them all.",
    )

    @field_validator("daily_time", mode="before")
    @classmethod
    def _yaml_clock(cls, v: Any) -> Any:
        # YAML 1.1 reads an unquoted 19:30 as the base-60 number 1170 (minutes since midnight).
        if isinstance(v, int) and not isinstance(v, bool):
            if not 0 <= v < 24 * 60:
                raise ValueError("use a time of day as HH:MM, e.g. '07:00'")
            return dt.time(v // 60, v % 60)
        return v


#: ``module.type`` of events, with ``*``/``?`` wildcards: ``queue.alert``, ``*.alert``, ``footfall.in``.
EventPattern = Annotated[
    str, Field(min_length=3, max_length=129, pattern=r"^[A-Za-z0-9_*?\-]+\.[A-Za-z0-9_*?\-]+$")
]


class TelegramConfig(_Model):
    """A Telegram bot that posts chosen events (with a photo) to a chat."""

    enabled: bool = Field(True, title="Enabled", description="Send events to this Telegram chat.")
    token: SecretStr = Field(
        title="Bot token",
        description="The token @BotFather gave the bot (123456:ABC…); never logged.",
        min_length=10,
        max_length=200,
    )
    chat_id: str = Field(
        title="Chat",
        description="Numeric chat id (e.g. -1001234567890) or @channelname the bot may post to.",
        pattern=r"^(-?\d{1,20}|@[A-Za-z0-9_]{4,64})$",
    )
    events: list[EventPattern] = Field(
        min_length=1,
        title="Events",
        description="Which events to send, as module.type with * wildcards, e.g. '*.alert', 'footfall.in'.",
    )
    cameras: list[Ident] | None = Field(
        None, title="Cameras", description="Only events of these cameras. Empty: every camera."
    )
    send_photo: bool = Field(
        True, title="Send photo", description="Attach the event's photo when it has one."
    )
    api_url: str = Field(
        "https://api.telegram.org",
        title="Bot API address",
        description="Base URL of the Bot API (a local Bot API server or a proxy).",
        pattern=r"^https?://\S+$",
    )


class WebhookConfig(_Model):
    """An HTTP(S) endpoint that receives chosen events as JSON (photo base64-encoded)."""

    id: Ident = Field(title="Webhook id", description="Short unique id, e.g. 'ops'.")
    enabled: bool = Field(True, title="Enabled", description="Send events to this webhook.")
    url: str = Field(
        title="URL",
        description="https://… address that accepts a JSON POST; only its host is ever logged.",
        pattern=r"^https?://\S+$",
    )
    token: SecretStr | None = Field(
        None, title="Bearer token", description="Sent as 'Authorization: Bearer …'; never logged."
    )
    events: list[EventPattern] = Field(
        min_length=1,
        title="Events",
        description="Which events to send, as module.type with * wildcards, e.g. '*.alert', 'ppe.*'.",
    )
    cameras: list[Ident] | None = Field(
        None, title="Cameras", description="Only events of these cameras. Empty: every camera."
    )
    send_photo: bool = Field(
        True, title="Send photo", description="Include the event's photo (JPEG, base64) in the JSON."
    )


class NotificationsConfig(_Model):
    """Telegram and webhook notifications, sent through a queue in the database (nothing is lost offline)."""

    enabled: bool = Field(False, title="Enabled", description="Send notifications while the app runs.")
    telegram: TelegramConfig | None = Field(None, title="Telegram")
    webhooks: list[WebhookConfig] = Field(default_factory=list, title="Webhooks")
    timeout: float = Field(
        15.0, ge=1.0, le=300.0, title="Timeout (s)", description="How long to wait for a server's answer."
    )
    retry_initial: float = Field(
        5.0, ge=0.1, le=3600.0, title="First retry after (s)", description="Wait before the first retry."
    )
    retry_max: float = Field(
        600.0,
        ge=1.0,
        le=86400.0,
        title="Longest retry wait (s)",
        description="Retry waits double up to this (Telegram's own retry_after is always respected).",
    )
    expire_hours: float = Field(
        24.0,
        ge=0.0,
        le=8760.0,
        title="Give up after (h)",
        description="A message not delivered within this many hours is dropped as stale; 0 = never.",
    )
    min_interval: float = Field(
        1.0,
        ge=0.0,
        le=60.0,
        title="Pause between messages (s)",
        description="Minimum time between two messages to one chat or webhook (Telegram allows ~1/s per chat).",
    )
    poll_interval: float = Field(
        2.0, ge=0.2, le=300.0, title="Check every (s)", description="How often new events are looked for."
    )

    @model_validator(mode="after")
    def _unique_webhook_ids(self) -> NotificationsConfig:
        ids = [w.id for w in self.webhooks]
        dup = next((i for i in ids if ids.count(i) > 1), None)
        if dup is not None:
            raise ValueError(f"webhook id {dup!r} is used twice")
        return self


class SiteInfo(_Model):
    """The site (store) this config describes."""

    name: str = Field(title="Site name", min_length=1, max_length=120, description="Store name for reports.")
    region: str = Field("", title="Region", max_length=120, description="Region or chain branch, optional.")
    timezone: str | None = Field(
        None, title="Time zone", description="IANA name, e.g. Europe/Moscow. Empty: the computer's."
    )
    opening_hours: dict[str, str] | None = Field(
        None,
        title="Opening hours",
        description="Per weekday open-close times in the site's time zone, e.g. mon-fri: \"09:00-21:00\", "
        "sat: \"10:00-18:00\", sun: closed (keys mon..sun, ranges mon-fri, lists sat,sun; several ranges "
        "\"09:00-13:00, 14:00-20:00\"; days not named are closed). Hourly tables fold closed hours and label "
        "data outside them \"outside opening hours\". Empty: every hour is open.",
    )

    @field_validator("opening_hours")
    @classmethod
    def _opening_hours(cls, v: dict[str, str] | None) -> dict[str, str] | None:
        from app.opening_hours import parse

        if v is not None:
            parse(v)  # ValueError: one line naming the day key
        return v or None


class RolesConfig(_Model):
    """Staff or customer: how every tracked person's role is decided (cues are optional)."""

    enabled: bool = Field(True, title="Enabled", description="Decide staff / customer for every person.")
    uniform_dir: str | None = Field(
        None,
        title="Uniform examples folder",
        description="Folder of example pictures (JPEG/PNG crops of a whole person) of staff in uniform, "
        "relative to this config file. Examples added in the database (employees) are used too.",
    )
    uniform_threshold: float = Field(
        0.4,
        ge=0.05,
        le=0.95,
        title="Uniform similarity",
        description="Share of the uniform's colours a torso must show to count for staff; below it counts "
        "for customer.",
    )
    uniform_weight: float = Field(
        4.0, ge=0.0, le=20.0, title="Uniform weight", description="Weight of the uniform cue (log-odds)."
    )
    classifier: bool = Field(
        True,
        title="Use trained classifier",
        description="Use the site's classifier trained from labelled crops (storesight roles train) when there is one.",
    )
    classifier_interval: float = Field(
        2.0,
        ge=0.2,
        le=60.0,
        title="Classify every (s)",
        description="Run the classifier on a person at most this often.",
    )
    classifier_weight: float = Field(
        3.0, ge=0.0, le=20.0, title="Classifier weight", description="Weight of the classifier (log-odds)."
    )
    staff_zone_seconds: float = Field(
        2.0,
        ge=0.0,
        le=600.0,
        title="Staff zone after (s)",
        description="A person this long in a staff-only zone (behind the counter, staff room) is staff.",
    )
    decide_confidence: float = Field(
        0.8,
        gt=0.5,
        lt=1.0,
        title="Decide at",
        description="Probability at which a person is called staff or customer; below it the role stays unknown.",
    )
    sample_interval: float = Field(
        0.5, ge=0.05, le=10.0, title="Sample every (s)", description="How often a person's look is sampled."
    )
    crops_per_track: int = Field(
        4,
        ge=0,
        le=20,
        title="Crops per person",
        description="Photos kept per track for labelling and training the classifier.",
    )


class SiteConfig(_Model):
    """The whole site config file."""

    version: Literal[1] = Field(
        CONFIG_VERSION, title="Config version", description="Format version of this file."
    )
    site: SiteInfo
    storage: StorageConfig = Field(default_factory=StorageConfig, title="Storage")
    detector: DetectorConfig = Field(
        default_factory=lambda: DetectorConfig(confidence=0.35, classes=["person"])
    )
    tracker: TrackerConfig = Field(default_factory=TrackerConfig, title="Tracker")
    roles: RolesConfig = Field(default_factory=RolesConfig, title="Staff and customers")
    pose: PoseConfig = Field(default_factory=PoseConfig, title="Pose")
    cameras: list[CameraConfig] = Field(default_factory=list, title="Cameras")
    reports: ReportsConfig = Field(default_factory=ReportsConfig, title="Reports")
    notifications: NotificationsConfig = Field(default_factory=NotificationsConfig, title="Notifications")

    @model_validator(mode="after")
    def _unique_camera_ids(self) -> SiteConfig:
        seen: set[str] = set()
        for c in self.cameras:
            if c.id in seen:
                raise ValueError(f"camera id {c.id!r} is used twice")
            seen.add(c.id)
        return self

    @model_validator(mode="after")
    def _classes_of_the_detector(self) -> SiteConfig:
        """Every class list names classes the chosen detector knows (one line naming the valid ones)."""
        from models.base import check_classes
        from models.registry import known_classes

        d = self.detector
        known = known_classes(d.backend, d.yolo_model)
        if known is None:
            return self  # a custom model: checked against its names when it is loaded
        layers: list[tuple[str, list[str] | None]] = [("detector.classes", d.classes)]
        for c in self.cameras:
            layers += [(f"camera {c.id}: classes", c.classes)]
            layers += [(f"camera {c.id}: modules.tracks.classes", c.modules.tracks.classes)]
        for where, classes in layers:
            try:
                check_classes(
                    classes or [], known, f"{d.backend} detector" if d.backend != "auto" else "detector"
                )
            except ValueError as e:
                raise ValueError(f"{where}: {e}") from None
        return self

    def camera(self, camera_id: str) -> CameraConfig:
        """Return the camera with this id.

        Raises:
            KeyError: no such camera.
        """
        for c in self.cameras:
            if c.id == camera_id:
                return c
        raise KeyError(camera_id)

    def effective(self, camera: CameraConfig, module: DetectionSettings | None = None) -> DetectionSettings:
        """Resolve confidence/classes/box_expand: module, then camera, then detector defaults."""
        out: dict[str, Any] = {}
        for key in ("confidence", "classes", "box_expand"):
            val = None
            for layer in (module, camera, self.detector):
                if layer is not None and getattr(layer, key) is not None:
                    val = getattr(layer, key)
                    break
            out[key] = val
        out["confidence"] = out["confidence"] if out["confidence"] is not None else 0.35
        out["classes"] = out["classes"] or ["person"]
        out["box_expand"] = out["box_expand"] if out["box_expand"] is not None else 0.1
        return DetectionSettings(**out)


# --- loading, migration, errors ---------------------------------------------------------------


def _loc(loc: tuple[Any, ...], data: Any = None) -> str:
    """Where a problem is: ``camera walkway, zone dept_b: type`` (list items by their ``id`` when they have one)."""
    words = {"cameras": "camera", "zones": "zone", "checkouts": "checkout", "webhooks": "webhook"}
    out = ""
    before = ""  # ``out`` before the last key, to replace "cameras[0]" by "camera walkway"
    named = False  # the last thing written is a named item: the next key follows a colon
    before_named = False
    node = data
    for i, part in enumerate(loc):
        item = None
        if isinstance(node, (list, tuple)) and isinstance(part, int) and 0 <= part < len(node):
            item = node[part]
        elif isinstance(node, dict):
            item = node.get(part)
        name = item.get("id") if isinstance(item, dict) and isinstance(part, int) else None
        if isinstance(part, int) and name and i:
            owner = str(loc[i - 1])
            join = ", " if before_named else "."
            out = (before + join if before else "") + f"{words.get(owner, owner.rstrip('s'))} {name}"
            named = True
        elif isinstance(part, int):
            out += f"[{part}]"
            named = False
        else:
            before, before_named = out, named
            out += (": " if named else ".") + str(part) if out else str(part)
            named = False
        node = item
    return out or "(top level)"


def format_validation_error(err: ValidationError, data: Any = None) -> str:
    """One line naming every bad field (by the ids of its camera and zone) and its problem."""
    problems = []
    for e in err.errors():
        loc = _loc(
            tuple(p for p in e["loc"] if not (isinstance(p, str) and p.startswith("function-after"))), data
        )
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            msg = "unknown key (check the spelling)"
        elif e["type"] == "missing":
            msg = "required field is missing"
        if loc == "(top level)" and e["type"] == "value_error" and ": " in msg:
            problems.append(msg)  # a whole-file check names its own field
        else:
            problems.append(f"{loc}: {msg}")
    if len(problems) == 1:
        return problems[0]
    return f"{len(problems)} problems: " + "; ".join(problems)


def _migrate(data: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """Bring an older config dict to the current version. Returns (data, changed)."""
    changed = False
    if "version" not in data:
        # v0: the seeds' config.ini names at the top level.
        det = dict(data.get("detector") or {})
        for old, new in (
            ("confidence_ratio", "confidence"),
            ("class_list", "classes"),
            ("BoundingBox", "box_expand"),
        ):
            if old in data:
                det[new] = data.pop(old)
        if det:
            data["detector"] = det
        data["version"] = CONFIG_VERSION
        changed = True
    return data, changed


def load_config(path: str | Path) -> SiteConfig:
    """Read, migrate (with a backup) and validate a site config file.

    Relative file sources are resolved against the config file's folder.

    Args:
        path: the YAML file.

    Returns:
        The validated config.

    Raises:
        ConfigError: the file is missing, unreadable, not YAML, or invalid — one line.
    """
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"config file not found: {p}")
    try:
        text = p.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{p}: cannot read the config file ({e.__class__.__name__})") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(e, "problem", None) or "invalid YAML"
        raise ConfigError(f"{p}: not valid YAML{where}: {problem}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{p}: the config must be a YAML mapping (key: value), got {type(data).__name__}")
    version = data.get("version")
    if version is not None and version != CONFIG_VERSION:
        raise ConfigError(
            f"{p}: version: this StoreSight reads config version {CONFIG_VERSION}, the file has {version!r}"
        )
    data, changed = _migrate(data)
    from app import vault  # ${keyring:NAME} references: secrets kept out of the YAML (app/vault.py)

    if vault.has_refs(data):
        data = vault.resolve_refs(data)
    try:
        cfg = SiteConfig.model_validate(data)
    except ValidationError as e:
        raise ConfigError(f"{p}: {format_validation_error(e, data)}") from None
    if changed:
        backup = p.with_name(p.name + ".bak")
        try:
            shutil.copy2(p, backup)
            save_config(cfg, p)
        except OSError:
            pass  # a read-only config is still usable; it is migrated in memory
    base = p.resolve().parent
    for cam in cfg.cameras:
        if cam.kind == "file" and not Path(cam.source).expanduser().is_absolute():
            cam.source = str(base / cam.source)
    if cfg.roles.uniform_dir and not Path(cfg.roles.uniform_dir).expanduser().is_absolute():
        cfg.roles.uniform_dir = str(base / cfg.roles.uniform_dir)
    return cfg


def config_to_dict(cfg: SiteConfig) -> dict[str, Any]:
    """Plain dict of the config for writing (secrets included: the file is the secret store)."""
    data = cfg.model_dump(mode="json", exclude_none=True, exclude_defaults=False)
    for cam, cam_model in zip(data.get("cameras", []), cfg.cameras, strict=True):
        if cam_model.password is not None:
            cam["password"] = cam_model.password.get_secret_value()
    notes, notes_model = data.get("notifications", {}), cfg.notifications
    if notes_model.telegram is not None:
        notes["telegram"]["token"] = notes_model.telegram.token.get_secret_value()
    for hook, hook_model in zip(notes.get("webhooks", []), notes_model.webhooks, strict=True):
        if hook_model.token is not None:
            hook["token"] = hook_model.token.get_secret_value()
    return data


def save_config(cfg: SiteConfig, path: str | Path) -> None:
    """Write the config atomically (temp file + rename) so a crash never leaves half a file."""
    p = Path(path)
    tmp = p.with_name(p.name + ".tmp")
    from app.vault import protect  # secrets from the vault go back as their ${keyring:NAME}

    data = protect(config_to_dict(cfg))
    tmp.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    tmp.replace(p)


# Old names of the module settings (they clashed with the engine's module classes); kept so code
# written against them still imports. New code uses the *Settings names.
TracksModule = TracksSettings
FootfallModule = FootfallSettings
ZonesModule = ZonesSettings
VisitsModule = VisitsSettings
HeatmapModule = HeatmapSettings
QueueModule = QueueSettings
PoseModule = PoseStageSettings
BehaviourModule = BehaviourSettings
ServiceModule = ServiceSettings
