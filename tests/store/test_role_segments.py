"""People and their roles per role segment: a track split at an ID switch counts as two people.

The role stage closes a segment of a track where the person's look changes abruptly (the track went on
with somebody else) and decides each segment's role on its own (one ``roles/decision`` event per
segment). Statistics then count one person per segment (``people_seen``), and every event of the
track (a line crossing, a visit) takes the role of the segment it happened in, not the track's final
role. A user's label is the role of the whole track.
"""

from __future__ import annotations

from pathlib import Path

from app.config import SiteConfig
from app.store import metrics, stats
from app.store.db import Store, open_store
from app.store.query import segment_roles
from app.store.records import EventRecord, TrackRecord
from app.store.roles import find_track, set_label
from app.store.schema import RunStatus
from app.store.sync import sync_site
from app.store.writer import StoreWriter

T0 = 1_795_168_800.0  # 2026-11-20 10:00 UTC
SITE = SiteConfig.model_validate(
    {
        "site": {"name": "Walkway", "timezone": "UTC"},
        "cameras": [
            {
                "id": "cam",
                "source": "cam.mp4",
                "zones": [{"id": "door", "type": "entrance_line", "points": [[0.5, 0], [0.5, 1]]}],
            }
        ],
    }
)


def _decision(tid: int, segment: int, role: str, t0: float, t1: float) -> EventRecord:
    payload = {"role": role, "confidence": 0.9, "employee_id": None, "segment": segment}
    return EventRecord("cam", t0, "roles", "decision", tid, None, payload, ts_end=t1)


def _store(tmp_path: Path) -> Store:
    """Track 1 follows a customer who walks in (10 s), then, after an ID switch at 30 s, a man in the
    staff uniform who walks out (50 s): two segments, customer then staff; the track's final role is
    the last segment's (staff). Track 2 is a customer who walks in at 20 s (one segment)."""
    store = open_store(f"sqlite:///{tmp_path / 's.db'}")
    cam = sync_site(store, SITE)["cam"]
    with StoreWriter(store, tmp_path) as w:
        run = w.start_run(cam, "cam.mp4")
        w.put_track(run, TrackRecord("cam", 1, 0, T0 + 5, T0 + 60, 500, role="staff", role_confidence=0.9))
        w.put_track(run, TrackRecord("cam", 2, 0, T0 + 15, T0 + 40, 200, role="customer", role_confidence=0.8))
        w.put_event(run, _decision(1, 0, "customer", T0 + 5, T0 + 29.5))
        w.put_event(run, _decision(1, 1, "staff", T0 + 30, T0 + 60))
        w.put_event(run, _decision(2, 0, "customer", T0 + 15, T0 + 40))
        w.put_event(run, EventRecord("cam", T0 + 10, "footfall", "in", 1, "door", {"role": "customer"}))
        w.put_event(run, EventRecord("cam", T0 + 20, "footfall", "in", 2, "door", {"role": "customer"}))
        w.put_event(run, EventRecord("cam", T0 + 50, "footfall", "out", 1, "door", {"role": "staff"}))
        w.finish_run(run, RunStatus.COMPLETE, frames=600, first_ts=T0, last_ts=T0 + 60)
        w.flush()
        assert w.stats().dropped == 0
    return store


def store_camera(store: Store) -> int:
    """The camera's row id (what the writer's runs take)."""
    return sync_site(store, SITE)["cam"]


def _foot(store: Store, role: str) -> tuple[int, int]:
    df = stats.footfall_by_hour(store, role=role)
    return int(df["in"].sum()), int(df["out"].sum())


def test_a_split_track_counts_one_person_per_segment_with_its_role(tmp_path: Path) -> None:
    store = _store(tmp_path)
    (seg,) = segment_roles(store).values()
    assert seg.roles == ("customer", "staff") and seg.at(T0 + 10) == "customer" and seg.at(T0 + 50) == "staff"
    assert seg.at(T0 + 61) == "unknown"  # after the last decided segment (a track that goes on)
    assert metrics.people_seen(store, role="customer") == 2  # track 1's first segment, track 2
    assert metrics.people_seen(store, role="staff") == 1  # track 1's second segment
    assert metrics.people_seen(store, role="all") == 3
    assert metrics.people_seen(store, T0 + 25, T0 + 60, role="all") == 1  # only the segment begun then
    # the walk-in happened in the customer segment, the walk-out in the staff one
    assert _foot(store, "customer") == (2, 0)
    assert _foot(store, "staff") == (0, 1)
    nums = metrics.key_numbers(store, role="customer")
    assert nums["people_seen"] == 2 and nums["footfall_in"] == 2 and nums["footfall_out"] == 0


def test_a_track_that_comes_back_to_its_person_counts_them_once(tmp_path: Path) -> None:
    store = _store(tmp_path)
    with StoreWriter(store, tmp_path) as w:  # staff, a customer for 3 s (a crossing), staff again
        run = w.start_run(store_camera(store), "cam2.mp4")
        w.put_track(run, TrackRecord("cam", 9, 0, T0 + 100, T0 + 160, 600, role="staff", role_confidence=0.9))
        w.put_event(run, _decision(9, 0, "staff", T0 + 100, T0 + 129))
        w.put_event(run, _decision(9, 1, "customer", T0 + 130, T0 + 133))
        w.put_event(run, _decision(9, 2, "staff", T0 + 134, T0 + 160))
        w.put_event(run, EventRecord("cam", T0 + 131, "footfall", "in", 9, "door", {"role": "staff"}))
        w.finish_run(run, RunStatus.COMPLETE, frames=600, first_ts=T0 + 100, last_ts=T0 + 160)
        w.flush()
    assert metrics.people_seen(store, T0 + 100, None, role="staff") == 1
    assert metrics.people_seen(store, T0 + 100, None, role="customer") == 1
    assert metrics.people_seen(store, T0 + 120, None, role="all") == 1  # the customer part began at 130
    assert _foot(store, "customer") == (3, 0)  # the crossing at 131 s is the customer's


def test_a_label_is_the_role_of_the_whole_track(tmp_path: Path) -> None:
    store = _store(tmp_path)
    set_label(store, find_track(store, "cam", 1), "customer")  # the user saw one customer, not a switch
    assert segment_roles(store) == {}
    assert metrics.people_seen(store, role="customer") == 2  # track 1 once, track 2
    assert metrics.people_seen(store, role="staff") == 0
    assert _foot(store, "customer") == (2, 1) and _foot(store, "staff") == (0, 0)


def test_tracks_without_a_change_of_role_keep_the_final_role(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'p.db'}")
    cam = sync_site(store, SITE)["cam"]
    with StoreWriter(store, tmp_path) as w:
        run = w.start_run(cam, "cam.mp4")
        w.put_track(run, TrackRecord("cam", 7, 0, T0, T0 + 9, 90, role="staff", role_confidence=0.9))
        w.put_event(run, _decision(7, 0, "staff", T0, T0 + 9))
        w.put_event(run, EventRecord("cam", T0 + 3, "footfall", "in", 7, "door", {"role": "customer"}))
        # split twice where the look changed, but every decided part is staff: one person
        w.put_track(run, TrackRecord("cam", 8, 0, T0 + 20, T0 + 50, 300, role="staff", role_confidence=0.9))
        w.put_event(run, _decision(8, 0, "staff", T0 + 20, T0 + 29))
        w.put_event(run, _decision(8, 1, "unknown", T0 + 30, T0 + 39))
        w.put_event(run, _decision(8, 2, "staff", T0 + 40, T0 + 50))
        w.put_event(run, EventRecord("cam", T0 + 35, "footfall", "out", 8, "door", {"role": "unknown"}))
        w.finish_run(run, RunStatus.COMPLETE, frames=90, first_ts=T0, last_ts=T0 + 9)
        w.flush()
    assert segment_roles(store) == {}
    assert metrics.people_seen(store, role="staff") == 2 and metrics.people_seen(store) == 0
    assert _foot(store, "staff") == (1, 1)  # the track's final role, as before
