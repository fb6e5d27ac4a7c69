"""The event catalogue: one registry of event types read by the GUI, notifications and stats."""

from __future__ import annotations

import pytest

from app.events import AlertBook, EventType, alert_types, event_type, event_words, load_catalogue


def test_every_builtin_event_is_declared_once_with_words() -> None:
    cat = load_catalogue()
    expected = {
        ("tracks", "track_start"), ("tracks", "track_end"), ("footfall", "in"), ("footfall", "out"),
        ("zones", "enter"), ("zones", "dwell"), ("visits", "visit"), ("queue", "snapshot"), ("queue", "wait"),
        ("queue", "abandon"), ("queue", "lost"), ("queue", "service"), ("queue", "alert"), ("queue", "alert_end"),
        ("service", "alert"), ("service", "alert_end"), ("service", "unattended"), ("pose", "posture"),
        ("shelf", "reach"), ("contact", "consultation"), ("roles", "decision"),
    }  # fmt: skip
    assert expected <= set(cat)
    assert all(t.words and t.words[0].isupper() for t in cat.values())
    # the built-in alerts clear by themselves: their end is declared in the same module
    assert {t.module for t in alert_types()} >= {"queue", "service"}
    assert all(event_type(m, "alert_end") is not None for m in ("queue", "service"))


def test_words_are_the_same_for_the_event_browser_and_the_notifications() -> None:
    from app.gui.event_model import what
    from app.notify.message import render
    from app.store.queries import EventRow

    msg = render(
        site="Shop", event_id=1, ts=0.0, tz=None, camera="c", camera_name="Door", zone=None, zone_name=None,
        module="service", type_="alert", track=3, payload={"message": "m"},
    )  # fmt: skip
    assert msg["text"].startswith("Customer waiting with no staff near — Shop")
    row = EventRow.__new__(EventRow)
    object.__setattr__(row, "module", "service")
    object.__setattr__(row, "type", "alert")
    assert what(row) == event_words("service", "alert") == "Customer waiting with no staff near"


def test_a_type_declared_twice_differently_is_refused() -> None:
    EventType("test_twice", "x", "Once")
    EventType("test_twice", "x", "Once")  # the same declaration again (a module imported twice) is fine
    with pytest.raises(ValueError, match=r"test_twice\.x is declared twice"):
        EventType("test_twice", "x", "Twice")


def test_alert_book_pairs_alert_and_end_and_ends_what_is_open() -> None:
    book = AlertBook("service", "cam")
    up = book.raise_alert(7, 10.0, kind="unattended", zone_id="dept", track_id=7, id_parts=(7,))
    assert up.payload == {"alert_id": "cam:dept:unattended:7:10000", "kind": "unattended"}
    assert book.end_alert(8, 11.0) is None  # never raised
    book.raise_alert(9, 12.0, kind="unattended", zone_id="dept", track_id=9)
    ends = book.end_all(20.0)
    assert [(e.type, e.track_id, e.ts, e.ts_end) for e in ends] == [
        ("alert_end", 7, 10.0, 20.0),
        ("alert_end", 9, 12.0, 20.0),
    ]
    assert not book.is_raised(7) and book.end_all(21.0) == []
