"""The database schema (SQLAlchemy 2 declarative), the same on SQLite and PostgreSQL.

Times of things seen in video (``Event.ts``, ``Track.first_ts``...) are float epoch seconds
(UTC, double precision: microsecond resolution). They are the only time columns for video time:
range filters and the indexes work on them directly on both databases, there is no second
column that could disagree, and grouping by hour/day needs the *site's* time zone, which is done
in Python/pandas (``datetime.fromtimestamp(ts, tz)``), not portably in SQL. Wall-clock
bookkeeping times (run start/finish, row creation) are timezone-aware UTC ``DateTime``.

Rows that history points at (cameras, zones) are never deleted by :func:`app.store.sync.sync_site`;
they are marked ``active = False`` when they leave the config.

Example:
    >>> sorted(Base.metadata.tables)[:3]
    ['alerts', 'analysis_runs', 'audit_log']
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: JSON everywhere; JSONB on PostgreSQL (indexable, comparable).
JsonType = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> dt.datetime:
    """The current time, timezone-aware UTC."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive, in UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        """Aware datetime -> UTC (naive on SQLite); a naive datetime is refused."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; use an aware datetime")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        """Whatever the driver returns -> aware UTC."""
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class RunStatus(StrEnum):
    """State of an analysis run."""

    RUNNING = "running"
    COMPLETE = "complete"
    INCOMPLETE = "incomplete"
    FAILED = "failed"


class Base(DeclarativeBase):
    """Declarative base with a constraint naming convention (stable names for migrations)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Site(Base):
    """A store (or warehouse, office, parking lot); identified by its name."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    region: Mapped[str] = mapped_column(String(120), default="")
    timezone: Mapped[str | None] = mapped_column(String(64))
    #: ``site.opening_hours`` of the config as JSON (:mod:`app.opening_hours`); None: always open.
    opening_hours: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    cameras: Mapped[list[Camera]] = relationship(back_populates="site")


class Camera(Base):
    """A camera of a site. ``source`` never contains credentials."""

    __tablename__ = "cameras"
    __table_args__ = (UniqueConstraint("site_id", "config_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    config_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(120), default="")
    source_kind: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    site: Mapped[Site] = relationship(back_populates="cameras")
    zones: Mapped[list[Zone]] = relationship(back_populates="camera")
    functions: Mapped[list[CameraFunction]] = relationship(back_populates="camera")


class Zone(Base):
    """A polygon or line of a camera; ``points`` are ``[[x, y], ...]`` in 0–1 of the frame."""

    __tablename__ = "zones"
    __table_args__ = (UniqueConstraint("camera_id", "config_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"))
    config_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(120), default="")
    type: Mapped[str] = mapped_column(String(32))
    points: Mapped[list[list[float]]] = mapped_column(JsonType)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    camera: Mapped[Camera] = relationship(back_populates="zones")


class CameraFunction(Base):
    """An analytics module on a camera, with its effective thresholds."""

    __tablename__ = "camera_functions"
    __table_args__ = (UniqueConstraint("camera_id", "module"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"))
    module: Mapped[str] = mapped_column(String(64))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    settings: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    camera: Mapped[Camera] = relationship(back_populates="functions")


class AnalysisRun(Base):
    """One pass of the engine over one camera's source (a file, or a live session).

    ``started_at``/``finished_at`` are wall-clock; ``first_ts``/``last_ts`` are video time.
    """

    __tablename__ = "analysis_runs"
    __table_args__ = (Index("ix_analysis_runs_camera_started", "camera_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"))
    source_label: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default=RunStatus.RUNNING.value, index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    frames: Mapped[int] = mapped_column(Integer, default=0)
    first_ts: Mapped[float | None] = mapped_column(Double)
    last_ts: Mapped[float | None] = mapped_column(Double)
    backend: Mapped[str] = mapped_column(String(200), default="")
    #: The process analysing the run (while ``running``): its PID and host, and when it last said
    #: it is alive; a run whose process is gone is marked incomplete (:mod:`app.store.runs`).
    pid: Mapped[int | None] = mapped_column(Integer)
    host: Mapped[str | None] = mapped_column(String(255))
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Track(Base):
    """One tracked object within a run; ``tracker_id`` is the tracker's id, unique per run."""

    __tablename__ = "tracks"
    __table_args__ = (
        UniqueConstraint("run_id", "tracker_id"),
        Index("ix_tracks_camera_first_ts", "camera_id", "first_ts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("analysis_runs.id", ondelete="CASCADE"))
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"))
    tracker_id: Mapped[int] = mapped_column(Integer)
    class_id: Mapped[int | None] = mapped_column(Integer)
    first_ts: Mapped[float] = mapped_column(Double)
    last_ts: Mapped[float] = mapped_column(Double)
    frames: Mapped[int] = mapped_column(Integer, default=0)
    role: Mapped[str] = mapped_column(String(16), default="unknown")
    role_confidence: Mapped[float] = mapped_column(Double, default=0.0)
    path: Mapped[list[list[float]]] = mapped_column(JsonType, default=list)
    employee_id: Mapped[int | None] = mapped_column(
        ForeignKey("employees.id", ondelete="SET NULL"), index=True
    )


class Event(Base):
    """Something of interest at time ``ts`` (epoch seconds); ``ts_end`` for intervals."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_camera_ts", "camera_id", "ts"),
        Index("ix_events_module_type_ts", "module", "type", "ts"),
        Index("ix_events_ts", "ts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ts: Mapped[float] = mapped_column(Double)
    ts_end: Mapped[float | None] = mapped_column(Double)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"))
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zones.id", ondelete="SET NULL"), index=True)
    module: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(64))
    track_id: Mapped[int | None] = mapped_column(ForeignKey("tracks.id", ondelete="SET NULL"), index=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("analysis_runs.id", ondelete="CASCADE"), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)

    photos: Mapped[list[EventPhoto]] = relationship(back_populates="event", order_by="EventPhoto.id")

    @property
    def time(self) -> dt.datetime:
        """``ts`` as an aware UTC datetime."""
        return dt.datetime.fromtimestamp(self.ts, dt.UTC)


class EventPhoto(Base):
    """A JPEG crop of an event; ``path`` is relative to the data folder, with ``/`` separators."""

    __tablename__ = "event_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="crop")
    path: Mapped[str] = mapped_column(String(400))
    bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    box: Mapped[list[float] | None] = mapped_column(JsonType)

    event: Mapped[Event] = relationship(back_populates="photos")


class Employee(Base):
    """A member of staff (for working time and face identification).

    ``schedule`` is the working time to check against, ``{"start": "09:00", "end": "18:00",
    "days": ["mon", ..., "fri"]}`` (site time; no days = every day); ``workstations`` are the zones
    the employee works at, ``[{"camera": "<camera id>", "zone": "<zone id>"}]`` (config ids).
    """

    __tablename__ = "employees"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    code: Mapped[str | None] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    photo_path: Mapped[str | None] = mapped_column(String(400))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    schedule: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    workstations: Mapped[list[dict[str, str]] | None] = mapped_column(JsonType)


class UniformExample(Base):
    """An example picture of staff in uniform (a whole-person crop) that teaches the uniform's colours.

    ``employee_id`` None: a uniform all staff wear; else this employee's own look (links tracks to
    them). ``path`` is relative to the data folder (``uniforms/…jpg``); ``features`` is the torso
    colour histogram (:func:`analytics.roles.crop_features`), so the picture need not be re-read.
    """

    __tablename__ = "uniform_examples"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int | None] = mapped_column(
        ForeignKey("employees.id", ondelete="CASCADE"), index=True
    )
    path: Mapped[str] = mapped_column(String(400))
    features: Mapped[list[float]] = mapped_column(JsonType)
    source: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class RoleLabel(Base):
    """A person's role as the user labelled it (ground truth for training and for the statistics).

    Setting a label also sets the track's ``role`` (confidence 1) and, for staff, its employee.
    """

    __tablename__ = "role_labels"

    id: Mapped[int] = mapped_column(primary_key=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(16), default="user")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class HeatmapHour(Base):
    """Seconds people spent per grid cell of a camera during one hour, per role.

    ``grid`` is float32, C order, shape ``(ceil(height / cell), ceil(width / cell))``; the writer
    adds every new contribution for the same hour, role and geometry to the stored grid.
    """

    __tablename__ = "heatmap_hours"
    __table_args__ = (
        UniqueConstraint("camera_id", "hour_ts", "role", "width", "height", "cell"),
        Index("ix_heatmap_hours_camera_hour", "camera_id", "hour_ts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"))
    hour_ts: Mapped[float] = mapped_column(Double)
    role: Mapped[str] = mapped_column(String(16))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    cell: Mapped[int] = mapped_column(Integer)
    seconds: Mapped[float] = mapped_column(Double, default=0.0)
    grid: Mapped[bytes] = mapped_column(LargeBinary)


class Background(Base):
    """A picture of a camera's view without people (a median of sampled frames), drawn under heatmaps.

    ``path`` is relative to the data folder (``backgrounds/<camera>/…jpg``, ``/`` separators);
    ``width``/``height`` are the analysed frame size it stands for (the JPEG may be smaller).
    A camera gets a new one now and then; pick the newest made before the end of a period.
    """

    __tablename__ = "backgrounds"
    __table_args__ = (Index("ix_backgrounds_camera_ts", "camera_id", "ts"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("analysis_runs.id", ondelete="SET NULL"))
    ts: Mapped[float] = mapped_column(Double)
    first_ts: Mapped[float | None] = mapped_column(Double)
    samples: Mapped[int] = mapped_column(Integer, default=0)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    path: Mapped[str] = mapped_column(String(400))
    bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Alert(Base):
    """What the user did about an alert: one row per alert event (``type = "alert"``), made on first action.

    An alert *is* its event (``module``/``alert``, payload with ``alert_id``, ``kind``, ``message`` and
    the numbers, photos attached); it clears with an ``alert_end`` event of the same ``alert_id``.
    This row only holds the acknowledgement and the snooze (wall-clock UTC) — see
    :mod:`app.store.alerts`.
    """

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), unique=True)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[str] = mapped_column(String(120), default="")
    snoozed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class NotifyOutbox(Base):
    """A notification waiting to be sent (or sent) to one channel: the outbox of :mod:`app.notify`.

    ``channel`` is ``telegram`` or ``webhook:<id>``; ``message`` is what to send (text, the
    event's fields, the photo's path relative to the data folder), rendered when it was queued.
    ``status`` is ``pending`` → ``sending`` (claimed by a worker until ``next_at``) → ``sent``,
    or ``failed`` (refused for good) / ``expired`` (stale). ``next_at`` is wall-clock UTC.
    """

    __tablename__ = "notify_outbox"
    __table_args__ = (
        UniqueConstraint("channel", "event_id"),
        Index("ix_notify_outbox_status_next", "status", "next_at"),
        Index("ix_notify_outbox_event_id", "event_id"),  # deleting events looks their rows up
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(80))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    message: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)


class NotifyCursor(Base):
    """The last event id a notification channel has looked at (events after it are new)."""

    __tablename__ = "notify_cursors"

    channel: Mapped[str] = mapped_column(String(80), primary_key=True)
    last_event_id: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class UserAccount(Base):
    """A person who may use the window and the service's API (:mod:`app.store.accounts`).

    ``role`` is ``admin`` (cameras, settings, erase), ``manager`` (reports, dashboards, staff) or
    ``operator`` (live view, alerts); ``password_hash`` is Argon2id. ``failed`` counts wrong
    passwords in a row; ``locked_until`` is set after too many.
    """

    __tablename__ = "user_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditEntry(Base):
    """One line of the audit log: logins (and failures, lock-outs), exports, erasures, setting changes."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    user: Mapped[str | None] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text, default="")


class FaceVisitor(Base):
    """A returning visitor: a pseudonymous id (no name) linking a non-employee's visits by face.

    Kept only while the site's ``faces.visitors`` setting is on and for ``faces.retention.visitor_days``
    after the last visit (then erased with its embeddings, see :mod:`app.faces.store`).
    """

    __tablename__ = "face_visitors"

    id: Mapped[int] = mapped_column(primary_key=True)
    first_ts: Mapped[float] = mapped_column(Double)
    last_ts: Mapped[float] = mapped_column(Double)
    visits: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class FaceEmbedding(Base):
    """One face embedding of an employee (enrolled) or a returning visitor — biometric data.

    ``vector`` is encrypted (AES-GCM with the data folder's key, :mod:`app.faces.crypto`) and never
    exported; ``model`` names the embedding model (vectors of two models are never compared).
    ``crop_path`` (relative to the data folder) is the enrolment face picture, if one is kept.
    """

    __tablename__ = "face_embeddings"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int | None] = mapped_column(
        ForeignKey("employees.id", ondelete="CASCADE"), index=True
    )
    visitor_id: Mapped[int | None] = mapped_column(
        ForeignKey("face_visitors.id", ondelete="CASCADE"), index=True
    )
    model: Mapped[str] = mapped_column(String(40))
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    source: Mapped[str] = mapped_column(String(200), default="")
    crop_path: Mapped[str | None] = mapped_column(String(400))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class FaceConsent(Base):
    """The consent register: an employee's consent to face identification given or withdrawn (newest row counts)."""

    __tablename__ = "face_consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"), index=True)
    given: Mapped[bool] = mapped_column(Boolean)
    basis: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class FaceAudit(Base):
    """The audit log of face data: enrolments, erasures, retention runs, consent changes (no biometric data)."""

    __tablename__ = "face_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    action: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(100), default="")
