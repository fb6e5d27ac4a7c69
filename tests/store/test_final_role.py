"""Customer numbers use the track's FINAL role: relabelling a person as staff afterwards changes them.

The footfall/zone statistics already did (app.store.stats); the queue and behaviour statistics read
the role stored on the event until they shared the same rule (app.store.event_rows.final_role).
"""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from app.config import SiteConfig
from app.store import behaviour_stats, queue_stats, stats
from app.store.db import Store, open_store
from app.store.event_rows import final_role
from app.store.records import EventRecord
from app.store.roles import clear_label, find_track, set_label
from app.store.schema import RunStatus
from app.store.sync import sync_site
from app.store.writer import StoreWriter
from tests.fixtures_behaviour import T0, build_behaviour_store

QUEUE_SITE = SiteConfig.model_validate(
    {
        "site": {"name": "Till shop", "timezone": "UTC"},
        "cameras": [
            {
                "id": "till",
                "source": "till.mp4",
                "zones": [
                    {"id": "door", "type": "entrance_line", "points": [[0.5, 0], [0.5, 1]]},
                    {"id": "q", "type": "queue", "points": [[0, 0], [0.4, 0], [0.4, 1]]},
                ],
            }
        ],
    }
)


def _queue_store(url: str, data_dir: Path) -> Store:
    """Three people come in and wait at the till (30, 60, 90 s); at the time all were customers."""
    store = open_store(url)
    cam = sync_site(store, QUEUE_SITE)["till"]
    with StoreWriter(store, data_dir) as w:
        run = w.start_run(cam, "till.mp4")
        for i, tid in enumerate((1, 2, 3)):
            t = T0 + 100.0 * i
            who = {"role": "customer"}
            w.put_event(run, EventRecord("till", t, "footfall", "in", tid, "door", who))
            wait = 30.0 * (i + 1)
            payload = {**who, "wait": wait, "checkout": "Till 1", "counter": "c1"}
            w.put_event(
                run, EventRecord("till", t + 10, "queue", "wait", tid, "q", payload, ts_end=t + 10 + wait)
            )
        w.finish_run(run, RunStatus.COMPLETE, frames=10, first_ts=T0, last_ts=T0 + 400)
        w.flush()
        assert w.stats().dropped == 0
    return store


def test_the_rule() -> None:
    assert final_role("staff", {"role": "customer"}) == "staff"  # the track's final role wins
    assert final_role("customer", {"role": "staff"}) == "customer"
    assert final_role("unknown", {"role": "staff"}) == "staff"  # undecided track: the event's
    assert final_role(None, None) == "unknown"


def test_queue_numbers_follow_a_later_staff_label(tmp_path: Path) -> None:
    store = _queue_store(f"sqlite:///{tmp_path / 'q.db'}", tmp_path)
    (row,) = queue_stats.queue_summary(store).itertuples()
    assert (row.queue_customers, row.queue_served, row.wait_mean_s, row.wait_max_s) == (3, 3, 60.0, 90.0)
    assert len(queue_stats.entry_times(store)) == 3

    set_label(store, find_track(store, "till", 3), "staff")  # the 90 s "customer" was a colleague
    (row,) = queue_stats.queue_summary(store).itertuples()
    assert (row.queue_customers, row.queue_served, row.wait_mean_s, row.wait_max_s) == (2, 2, 45.0, 60.0)
    (staff,) = queue_stats.queue_summary(store, role="staff").itertuples()
    assert (staff.queue_customers, staff.wait_max_s) == (1, 90.0)
    assert queue_stats.waits(store)["role"].tolist() == ["customer", "customer", "staff"]
    assert queue_stats.entry_times(store).tolist() == [T0, T0 + 100.0]  # the forecast's entries too
    footfall = stats.footfall_by_hour(store, tz="UTC")  # the rule stats always used: same answer
    assert int(footfall["in"].sum()) == 2

    clear_label(store, find_track(store, "till", 3))  # back to the role at the time
    (row,) = queue_stats.queue_summary(store).itertuples()
    assert row.queue_customers == 3
    store.close()


@pytest.fixture()
def behaviour_store(tmp_path: Path) -> Store:
    return build_behaviour_store(f"sqlite:///{tmp_path / 'b.db'}", tmp_path)


def test_behaviour_numbers_follow_a_later_staff_label(behaviour_store: Store) -> None:
    store = behaviour_store
    totals = shelf_totals(store)
    assert totals == {"shelf_a": 4, "shelf_b": 1}
    postures = set(behaviour_stats.posture_time(store).posture)
    assert "bending" in postures  # track 2's
    (uplift,) = behaviour_stats.consultation_uplift(store).itertuples(index=False)
    assert uplift.visits == 5

    set_label(store, find_track(store, "shop", 2), "staff")  # track 2 was an employee after all
    assert shelf_totals(store) == {"shelf_a": 3}  # its 2 reaches (one on each shelf) left
    assert "bending" not in set(behaviour_stats.posture_time(store).posture)
    assert "bending" in set(behaviour_stats.posture_time(store, role="staff").posture)
    (uplift,) = behaviour_stats.consultation_uplift(store).itertuples(index=False)
    assert (uplift.visits, uplift.consulted, uplift.other) == (4, 1, 3)  # its consulted visit left

    set_label(store, find_track(store, "shop", 9), "customer")  # and 9 (staff at the time) was not
    assert shelf_totals(store) == {"shelf_a": 4}
    store.close()


def shelf_totals(store: Store) -> dict[str, int]:
    totals = behaviour_stats.shelf_engagement(store).attrs["totals"]
    return {str(r.shelf): int(r.reaches) for r in totals.itertuples()}


def test_the_statistics_share_one_rule() -> None:
    from app.store import query

    assert "final_role(" in inspect.getsource(query)  # the one events query applies it
    for module in (stats, queue_stats, behaviour_stats):
        src = inspect.getsource(module)
        assert "events(store, [" in src and module.events is query.events, module.__name__
        assert 'get("role")' not in src, f"{module.__name__} reads the event's role by itself"
