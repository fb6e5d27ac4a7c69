"""Every topic sheet of a report is declared by a module package; the workbook keeps its order.

The built-in sheets used to be a central list in ``app/reports/builder.py``; they are now each
package's ``sheets=``, and the packages' ``order`` must give the workbook the order it always had
(the staff timesheet, the roles package's sheet, between the queue and behaviour sheets).
"""

from __future__ import annotations

from pathlib import Path

import app.reports.builder as builder
from app.modules.registry import packages, report_sheets
from app.reports.builder import build_report
from app.store.db import open_store

#: the workbook's topic sheets as they were before they moved into their packages
ORDER = [
    ("retail", "app.reports.sheets:footfall_by_hour"),
    ("retail", "app.reports.sheets:footfall_by_day"),
    ("retail", "app.reports.sheets:occupancy"),
    ("retail", "app.reports.sheets:dwell"),
    ("retail", "app.reports.sheets:visits"),
    ("retail", "app.reports.sheets:funnel"),
    ("queue", "app.reports.sheets:queues"),
    ("queue", "app.reports.sheets:queue_by_hour"),
    ("queue", "app.reports.sheets:queue_alerts"),
    ("roles", "app.reports.sheets:staff_timesheet"),
    ("behaviour", "app.reports.behaviour_sheets:shelf_engagement"),
    ("behaviour", "app.reports.behaviour_sheets:posture"),
    ("behaviour", "app.reports.behaviour_sheets:consultations"),
    ("shelf", "app.shelves.sheets:shelf_gaps"),
    ("shelf", "app.shelves.sheets:shelf_gap_list"),
    ("objects", "app.shelves.sheets:left_items"),
    ("plates", "app.reports.parking_sheets:parking"),
    ("faces", "app.reports.faces_sheets:faces"),
    ("ppe", "app.modules.ppe.sheets:ppe_sheet"),
]


def test_every_topic_sheet_comes_from_its_package_in_the_workbook_order() -> None:
    declared = [(p.name, s) for p in packages().values() for s in p.sheets]
    assert declared[: len(ORDER)] == ORDER
    assert [f"{f.__module__}:{f.__name__}" for f in report_sheets()][: len(ORDER)] == [s for _, s in ORDER]
    assert not hasattr(builder, "SHEETS")  # no central list left beside the packages


def test_a_report_is_the_summary_then_the_packages_sheets(tmp_path: Path) -> None:
    report = build_report(open_store(f"sqlite:///{tmp_path / 'e.db'}"), 0.0, 86400.0, tz=None)
    # an empty database: the sheets that are shown even without data (the others return None)
    assert [s.key for s in report.sheets] == ["summary", "footfall_by_hour", "footfall_by_day", "occupancy",
                                              "dwell_by_zone", "visits", "funnel", "queues", "queue_by_hour",
                                              "queue_alerts"]  # fmt: skip
