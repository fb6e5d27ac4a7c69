"""Report sheet "Parking": per vehicle, entries, exits, time parked and repeat visits (plates module).

The numbers come from :func:`analytics.plates.parking_stats` over the period's ``plates``/``read``
events; the sheet is left out of workbooks of sites that never read a plate.

Example:
    >>> from app.store.db import open_store
    >>> from app.reports.sheets import Scope
    >>> parking(Scope.make(open_store("sqlite://"), 0.0, 86400.0)) is None
    True
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from analytics.plates import Passage, parking_stats
from app.reports.sheets import Column, Scope, Sheet
from app.store import queries, stats


def counted_passages(reads: Iterable[queries.EventRow]) -> list[Passage]:
    """Stored ``plates``/``read`` events as the :class:`analytics.plates.Passage` es that count as visits.

    Uncertain reads (:func:`analytics.plates.is_uncertain`, stored with each read) and reads without text
    are left out: their text may be wrong and would make phantom vehicles. They stay in ``plates log``
    and the Plates tab's list. The report's sheet and the Plates tab's visits both count through this.
    """
    return [
        Passage(
            str(e.payload.get("text", "")), e.ts, str(e.payload.get("direction", "")), e.payload.get("listed")
        )
        for e in reads
        if e.payload.get("text") and not e.payload.get("uncertain")
    ]


def period_reads(scope: Scope) -> list[queries.EventRow]:
    """The period's plate reads with text, of the scope's cameras."""
    rows = queries.events(scope.store, None, "plates", "read", scope.since, scope.until, limit=None)
    return [e for e in rows if scope.includes(e.camera) and e.payload.get("text")]


def parking(scope: Scope) -> Sheet | None:
    """One row per vehicle: plate, visits, entries, exits, first and last seen, time parked, repeat, list."""
    if not scope.has_events("plates"):
        return None
    reads = period_reads(scope)
    passages = counted_passages(reads)
    vehicles = parking_stats(passages)
    unsure = len(reads) - len(passages) if not passages else 0
    cols = (
        Column("plate", "Plate"),
        Column("visits", "Visits", "int"),
        Column("entries", "Entries", "int"),
        Column("exits", "Exits", "int"),
        Column("first", "First seen", "datetime"),
        Column("last", "Last seen", "datetime"),
        Column("parked_s", "Time parked", "duration"),
        Column("repeat", "Repeat vehicle"),
        Column("listed", "List"),
    )
    df = pd.DataFrame(
        [
            {
                "plate": v.text,
                "visits": v.visits,
                "entries": v.entries,
                "exits": v.exits,
                "first": stats.local_time(v.first_ts, scope.tz),
                "last": stats.local_time(v.last_ts, scope.tz),
                "parked_s": v.parked_s,
                "repeat": "yes" if v.repeat else "",
                "listed": v.listed or "",
            }
            for v in vehicles
        ],
        columns=[c.key for c in cols],
    )
    note = "No plates read in this period."
    if unsure:
        note = f"No confident plate reads in this period ({unsure} uncertain: see storesight plates log)."
    return Sheet("parking", "Parking", df, cols, empty_note=note)
