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
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal
from urllib.parse import quote, urlsplit, urlunsplit

import yaml
from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)

# The shared building blocks (re-exported: the app reads ZoneType, DetectionSettings… from here).
from app.config_types import ZONE_TYPE_LOOK as ZONE_TYPE_LOOK
from app.config_types import Coord as Coord
from app.config_types import DetectionSettings as DetectionSettings
from app.config_types import Ident as Ident
from app.config_types import Point as Point
from app.config_types import StrictModel as _Model
from app.config_types import ZoneType as ZoneType
from app.config_types import bounded, check_unique, enabled_field
from app.errors import ConfigError
from app.modules.pose.settings import PoseConfig
from app.modules.roles.settings import RolesConfig

if TYPE_CHECKING:
    from app.modules.queue.settings import CheckoutConfig

CONFIG_VERSION = 1


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


def _modules_config() -> type[_Model]:
    """The ``modules`` section of a camera: one field per section of the module packages.

    Every section comes from a package found by :mod:`app.modules.registry` (the built-in ones in
    ``app/modules/<name>/settings.py``, a plug-in's own folder, an entry point or
    ``STORESIGHT_MODULES``), so a new module adds its section without any edit to this file.
    """
    from app.modules.registry import config_sections

    fields: dict[str, Any] = {
        sec.key: (sec.model, Field(default_factory=sec.model, title=sec.title)) for sec in config_sections()
    }
    return create_model(  # type: ignore[no-any-return, call-overload]
        "ModulesConfig",
        __base__=_Model,
        __module__=__name__,
        __doc__="Analytics modules of one camera and their thresholds.",
        **fields,
    )


ModulesConfig = _modules_config()


class CameraConfig(DetectionSettings):
    """One camera: where frames come from, how often to analyse them, its zones and modules."""

    id: Ident = Field(
        title="Camera id", description="Short unique id, e.g. 'entrance'. Used in the database."
    )
    name: str = Field("", title="Name", description="Name shown in the GUI and reports.", max_length=120)
    enabled: bool = enabled_field(True, "Analyse this camera.")
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
    fps: float | None = bounded(
        None, 0, 120, "Max frame rate",
        "Analyse at most this many frames per second (live sources drop the rest).", open_lo=True,
    )
    stride: int = bounded(
        1, 1, 100, "Detect every N-th frame",
        "Run the detector on every N-th frame; the tracker predicts in between.",
    )
    detect_fps: float | None = bounded(
        None, 0, 120, "Detections per second",
        "Run the detector at most this many times per second (5 is plenty for people); the "
        "tracker predicts in between. Empty: every stride-th frame.",
        open_lo=True,
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
        check_unique((z.id for z in self.zones), "zone id")
        return self

    @model_validator(mode="after")
    def _modules_agree_with_the_camera(self) -> CameraConfig:
        """Each module section that checks itself against the camera (the queue's checkouts) does so."""
        for key in type(self.modules).model_fields:
            check = getattr(getattr(self.modules, key), "check_camera", None)
            if check is not None:
                check(self)
        return self

    def checkouts(self) -> list[CheckoutConfig]:
        """The camera's checkouts: as configured, or each queue zone with every counter zone."""
        return self.modules.queue.checkouts_of(self)  # type: ignore[no-any-return]

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
    threads: int = bounded(0, 0, 64, "CPU threads", "Inference threads; 0 = automatic.")
    iou: float = bounded(0.5, 0.05, 0.95, "NMS IoU", "Overlap above which boxes are merged.")
    input_size: int = bounded(0, 0, 1920, "Input size", "Network input side; 0 = model default.")
    precision: Literal["float", "int8"] = Field(
        "float",
        title="Precision",
        description="int8: the built-in NanoDet's INT8 quantisation (about 1.5x faster on CPU; "
        "accuracy in docs/scale.md). YOLO ignores it.",
    )


class EngineConfig(_Model):
    """How every camera's analysis copes with a failing module or stage."""

    fault_limit: int = bounded(
        5, 1, 10000, "Disable after errors in a row",
        "A module or stage (plates, faces, a plug-in…) that fails on this many frames in a row is "
        "turned off for the rest of the run; the camera and the other modules go on, and the camera's "
        "status says which one failed.",
    )


class TrackerConfig(_Model):
    """Multi-object tracker (Ultralytics ByteTrack / BoT-SORT) settings."""

    type: Literal["bytetrack", "botsort"] = Field(
        "bytetrack", title="Tracker", description="Tracking algorithm."
    )
    track_high_thresh: float = bounded(0.35, 0.0, 1.0, "High threshold", "First association score.")
    track_low_thresh: float = bounded(
        0.2, 0.0, 1.0, "Low threshold",
        "Detections from this score up to the detection confidence only continue people "
        "already followed (second association): a half-hidden person keeps their track and role evidence.",
    )
    new_track_thresh: float = bounded(0.4, 0.0, 1.0, "New track threshold", "Score to start a track.")
    track_buffer: float = bounded(
        3.0, 0, 120, "Keep lost tracks (s)", "Seconds a lost track may be re-found.", open_lo=True
    )
    match_thresh: float = bounded(0.8, 0.0, 1.0, "Match threshold", "IoU cost gate for matching.")
    fuse_score: bool = Field(
        True, title="Fuse score", description="Fuse detection score into the matching cost."
    )
    appearance: bool = Field(
        True,
        title="Appearance cue",
        description="Tell people apart by the colours of their upper and lower body: fewer ID switches "
        "when people cross, a person re-found after being hidden keeps their number.",
    )
    appearance_weight: float = bounded(
        0.5, 0.0, 1.0, "Appearance weight", "Share of appearance in the matching cost."
    )
    appearance_gate: float = bounded(
        0.15, 0.0, 1.0, "Appearance gate",
        "Appearance distance (0 same colours, 1 different) above which a track never takes a box.",
    )
    relink_thresh: float = bounded(
        0.1, 0.0, 1.0, "Re-find threshold",
        "Appearance distance below which a lost person is re-found near where they were lost.",
    )
    new_clear: float = bounded(
        0.3, 0.0, 1.0, "No new track next to walkers",
        "A left-over box overlapping a walking person's box (IoU above this) starts no new track: in a "
        "crowd it is that person's box again, not somebody new. Never in queue and counter zones. 0 = off.",
    )
    static_after: float = bounded(
        2.0, 0.0, 600.0, "Static false positive after (s)",
        "A 'person' that has not moved since it appeared and scores low (a sign, a mannequin) is no longer "
        "counted after this many seconds. 0 = off.",
    )
    identity_lag: float = bounded(
        0.8, 0.0, 5.0, "Identity repair delay (s)",
        "Results are held this many seconds so that a short ID switch (someone hidden behind another for a "
        "moment, their box taken by the other's track) is mended before anything counts it. The Live picture "
        "and events come this much later. 0 = off.",
    )


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
    retention_days: int = bounded(90, 1, 3650, "Keep events (days)", "Older events and crops are deleted.")


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
    keep_days: int = bounded(
        0, 0, 3650, "Keep daily reports (days)",
        "Delete daily reports older than this many days; 0 keeps them all.",
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


def _events_field(examples: str) -> Any:
    """The ``events`` list of a notification channel (Telegram chat, webhook): at least one pattern."""
    return Field(
        min_length=1,
        title="Events",
        description=f"Which events to send, as module.type with * wildcards, e.g. {examples}.",
    )


def _cameras_field() -> Any:
    """The ``cameras`` filter of a notification channel."""
    return Field(None, title="Cameras", description="Only events of these cameras. Empty: every camera.")


class TelegramConfig(_Model):
    """A Telegram bot that posts chosen events (with a photo) to a chat."""

    enabled: bool = enabled_field(True, "Send events to this Telegram chat.")
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
    events: list[EventPattern] = _events_field("'*.alert', 'footfall.in'")
    cameras: list[Ident] | None = _cameras_field()
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
    enabled: bool = enabled_field(True, "Send events to this webhook.")
    url: str = Field(
        title="URL",
        description="https://… address that accepts a JSON POST; only its host is ever logged.",
        pattern=r"^https?://\S+$",
    )
    token: SecretStr | None = Field(
        None, title="Bearer token", description="Sent as 'Authorization: Bearer …'; never logged."
    )
    events: list[EventPattern] = _events_field("'*.alert', 'ppe.*'")
    cameras: list[Ident] | None = _cameras_field()
    send_photo: bool = Field(
        True, title="Send photo", description="Include the event's photo (JPEG, base64) in the JSON."
    )


class NotificationsConfig(_Model):
    """Telegram and webhook notifications, sent through a queue in the database (nothing is lost offline)."""

    enabled: bool = enabled_field(False, "Send notifications while the app runs.")
    telegram: TelegramConfig | None = Field(None, title="Telegram")
    webhooks: list[WebhookConfig] = Field(default_factory=list, title="Webhooks")
    timeout: float = bounded(15.0, 1.0, 300.0, "Timeout (s)", "How long to wait for a server's answer.")
    retry_initial: float = bounded(5.0, 0.1, 3600.0, "First retry after (s)", "Wait before the first retry.")
    retry_max: float = bounded(
        600.0, 1.0, 86400.0, "Longest retry wait (s)",
        "Retry waits double up to this (Telegram's own retry_after is always respected).",
    )
    expire_hours: float = bounded(
        24.0, 0.0, 8760.0, "Give up after (h)",
        "A message not delivered within this many hours is dropped as stale; 0 = never.",
    )
    min_interval: float = bounded(
        1.0, 0.0, 60.0, "Pause between messages (s)",
        "Minimum time between two messages to one chat or webhook (Telegram allows ~1/s per chat).",
    )
    poll_interval: float = bounded(2.0, 0.2, 300.0, "Check every (s)", "How often new events are looked for.")

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
    engine: EngineConfig = Field(default_factory=EngineConfig, title="Analysis engine")
    roles: RolesConfig = Field(default_factory=RolesConfig, title="Staff and customers")
    pose: PoseConfig = Field(default_factory=PoseConfig, title="Pose")
    cameras: list[CameraConfig] = Field(default_factory=list, title="Cameras")
    reports: ReportsConfig = Field(default_factory=ReportsConfig, title="Reports")
    notifications: NotificationsConfig = Field(default_factory=NotificationsConfig, title="Notifications")

    @model_validator(mode="after")
    def _unique_camera_ids(self) -> SiteConfig:
        check_unique((c.id for c in self.cameras), "camera id")
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
