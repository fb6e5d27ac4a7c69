"""The dashboard: headline numbers and charts for a period, camera and role (customers / staff / all).

Footfall per hour and per day, people in each zone over time, how long people stay per zone,
the visits funnel (came in → department → checkout) and people in the checkout queue. The
data are computed on a worker thread (:func:`app.gui.data.dashboard`); the page only draws.

While the analysis runs the page refreshes itself every :data:`AUTO_REFRESH_MS` when it is on
screen; a quick period ("Today", "7 days"…) then moves with the clock and the newest data.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.gui import charts
from app.gui.data import Dashboard, dashboard, day_bounds, default_period, fmt_duration
from app.gui.kpi_card import KpiCard
from app.gui.period_picker import PeriodPicker, quick_range
from app.gui.qt_util import ReadsInBackground
from app.store import stats
from app.store.db import Store
from app.store.runs import partial_runs, partial_warning

ROLES = (("customer", "Customers"), ("staff", "Staff"), ("all", "Everyone"))

#: How often the page refreshes itself while the analysis runs (milliseconds).
AUTO_REFRESH_MS = 30_000

Days = tuple[dt.date, dt.date]


@dataclass(frozen=True, slots=True)
class _Loaded:
    """A worker's result: for which filters, the days it covers and the data."""

    request: tuple[object, ...]
    span: Days | None
    days: Days | None
    data: Dashboard
    #: Runs of the period that are running, incomplete or failed, in one line ("" when none).
    warning: str = ""


class DashboardPage(QWidget, ReadsInBackground):
    """Charts of one period from the database.

    Signals:
        loaded: new numbers are on screen (tests and screenshots wait for it).

    Attributes:
        auto_timer: refreshes the page while it is visible, once :meth:`set_auto_refresh` started it.

    Args:
        store: the database (read only).

    Example:
        >>> page = DashboardPage(store); page.refresh()     # doctest: +SKIP
    """

    loaded = Signal()
    reportRequested = Signal()

    def __init__(self, store: Store | None) -> None:
        super().__init__()
        self.store = store
        self.data: Dashboard | None = None
        self.tz: dt.tzinfo | None = None
        self._shown: Dashboard | None = None
        self._refit = QTimer(self)
        self._refit.setSingleShot(True)
        self._refit.setInterval(150)
        self._refit.timeout.connect(self._refit_funnel)
        self.auto_timer = QTimer(self)
        self.auto_timer.setInterval(AUTO_REFRESH_MS)
        self.auto_timer.timeout.connect(self._auto_refresh)

        self.camera_box = QComboBox()
        self.camera_box.setMinimumWidth(160)
        self.role_box = QComboBox()
        for key, text in ROLES:
            self.role_box.addItem(text, key)
        self.role_box.setToolTip(
            "Customers: everyone not recognised as staff. Staff and everyone are also available."
        )
        self.period = PeriodPicker()
        self.refresh_button = QPushButton("Refresh")
        self.report_button = QPushButton("Export report…")
        self.report_button.setToolTip(
            "Excel workbook and CSV files for a period (footfall, dwell, queues, staff…)."
        )
        self.note = QLabel("")
        self.note.setStyleSheet("color: #5a6068;")
        #: Runs of the period that are not complete (the numbers may be low); hidden when none.
        self.warning = QLabel("")
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #8a4b00; font-weight: bold;")
        self.warning.setVisible(False)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Camera"))
        bar.addWidget(self.camera_box)
        bar.addWidget(self.period)
        bar.addWidget(QLabel("Who"))
        bar.addWidget(self.role_box)
        bar.addWidget(self.refresh_button)
        bar.addStretch(1)
        bar.addWidget(self.report_button)

        self.cards = {
            "in": KpiCard("Came in"),
            "out": KpiCard("Went out"),
            "visits": KpiCard("Visits"),
            "visit_time": KpiCard("Typical time in store"),
            "peak": KpiCard("Busiest zone"),
            "dwell": KpiCard("Typical stay in a zone"),
            "ppe": KpiCard("PPE compliance"),
            "returning": KpiCard("Returning visitors"),
            "women": KpiCard("Women / men"),
        }
        self.cards["ppe"].setVisible(False)  # shown where the PPE module ran
        self.cards["returning"].setVisible(False)  # shown where returning visitors ran
        self.cards["women"].setVisible(False)  # shown where age and gender ran
        cards = QHBoxLayout()
        for c in self.cards.values():
            cards.addWidget(c, 1)

        self.hourly = charts.make_plot("Footfall per hour")
        self.daily = charts.make_plot("Footfall per day")
        self.occupancy = charts.make_plot("People in each zone", time_axis=True)
        self.dwell = charts.make_plot("How long people stay")
        self.funnel = charts.make_plot("Visits funnel")
        self.queue = charts.make_plot("Checkout queue (and forecast)", time_axis=True)
        # the faces module's row (shown where it ran): the catalogue's face numbers
        self.ages = charts.make_plot("Age bands (people seen with a face)")
        self.departments = charts.make_plot("Women and men per department")
        self.visitors = charts.make_plot("Visitors per hour (new / returning)")
        self.face_charts = (self.ages, self.departments, self.visitors)
        grid = QGridLayout()
        grid.setSpacing(8)
        for i, w in enumerate((self.hourly, self.daily, self.occupancy, self.dwell, self.funnel, self.queue,
                               *self.face_charts)):  # fmt: skip
            grid.addWidget(w, i // 3, i % 3)
            w.setMinimumHeight(200)
        for w in self.face_charts:
            w.setVisible(False)

        body = QWidget()
        body.setObjectName("dashboardBody")
        body.setStyleSheet("#dashboardBody { background: #f3f5f7; }")
        bl = QVBoxLayout(body)
        bl.addLayout(cards)
        bl.addWidget(self.note)
        bl.addWidget(self.warning)
        bl.addLayout(grid, 1)
        for r in range(3):
            grid.setRowStretch(r, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(bar)
        lay.addWidget(body, 1)

        self.refresh_button.clicked.connect(self.refresh)
        self.report_button.clicked.connect(self.reportRequested)
        self.period.changed.connect(self.refresh)
        self.role_box.activated.connect(lambda _i: self.refresh())
        self.camera_box.activated.connect(lambda _i: self.refresh())

    # --- data -----------------------------------------------------------------------------

    def set_store(self, store: Store | None) -> None:
        """Read from this database."""
        self.store = store
        self.reset_filters()

    def reset_filters(self) -> None:
        """Cameras of the database, and the period that has data (the last 7 days up to it)."""
        self.camera_box.clear()
        self.camera_box.addItem("All cameras", None)
        if self.store is None:
            return
        for c in stats.cameras(self.store):
            self.camera_box.addItem(c.label, c.config_id)
        self.tz = stats.site_timezone(self.store)
        self.period.tz = self.tz
        first, last = default_period(self.store)
        self.period.set_data_span(_days(stats.data_span(self.store), self.tz))
        self.period.set_range(first, last, quick="7")  # the last 7 days up to the newest data

    def filters(self) -> tuple[float, float, str | None, str]:
        """(since, until, camera id or None, role) as chosen."""
        since, until = self.period.bounds(self.tz)
        return since, until, self.camera_box.currentData(), self.role_box.currentData()

    def set_auto_refresh(self, on: bool, interval_ms: int | None = None) -> None:
        """Refresh by itself every ``interval_ms`` (default :data:`AUTO_REFRESH_MS`) while ``on``.

        The main window turns it on while the analysis runs. A tick does nothing while the page
        is hidden (another tab) or still loading.
        """
        if interval_ms is not None:
            self.auto_timer.setInterval(interval_ms)
        if on:
            self.auto_timer.start()
        else:
            self.auto_timer.stop()

    def _auto_refresh(self) -> None:
        if self.store is not None and self.isVisible() and not self.loading:
            self._load(quiet=True)

    def _request(self) -> tuple[object, ...]:
        """What the numbers on screen must match: camera, role and the period (a quick choice or days)."""
        key = self.period.quick_key
        return (self.camera_box.currentData(), self.role_box.currentData(), key or self.period.dates())

    def refresh(self) -> None:
        """Recompute the charts for the chosen filters (on a worker thread)."""
        if self.store is not None:
            self._load()

    def _load(self, *, quiet: bool = False) -> None:
        """Read the numbers on a worker thread; a quick period is worked out there for now and the newest data."""
        store, tz, request = self.store, self.tz, self._request()
        camera, role = self.camera_box.currentData(), self.role_box.currentData()
        key, today, fixed = self.period.quick_key, self.period.today(), self.period.bounds(tz)

        def work() -> _Loaded:
            span = days = None
            since, until = fixed
            if key is not None:
                span = _days(stats.data_span(store), tz)
                days = quick_range(key, span, today)
                since, until = day_bounds(*days, tz)
            data = dashboard(store, since, until, camera=camera, role=role)
            partial = partial_runs(store, since, until, [camera] if camera else None)
            return _Loaded(request, span, days, data, partial_warning(partial))

        if self.read_in_background(work, self._show, self._failed, again=self._load) and not quiet:
            self.note.setText("loading…")

    def _failed(self, message: str) -> None:
        self.note.setText(f"Could not read the database: {message}")
        self.loaded.emit()

    def _show(self, result: _Loaded) -> None:
        if result.request != self._request():  # the filters changed meanwhile: stale
            self._load()
            return
        if result.days is not None:  # a quick period, moved with the clock and the newest data
            self.period.set_data_span(result.span)
            self.period.set_range(*result.days, quick=self.period.quick_key)
        d = self.data = result.data
        who = dict(ROLES)[d.role].lower()
        k = d.kpis
        self.cards["in"].set_value(str(k["in"]), f"{who}, entrance lines")
        self.cards["out"].set_value(str(k["out"]), f"{who}, entrance lines")
        self.cards["visits"].set_value(str(k["visits"]), f"of {k['people']} people seen")
        self.cards["visit_time"].set_value(fmt_duration(k["median_visit_s"]), "median visit")
        self.cards["peak"].set_value(
            f"{k['peak']} people" if k["peak"] else "–",
            f"at once in {k['peak_zone']}" if k["peak_zone"] else "",
        )
        self.cards["dwell"].set_value(
            fmt_duration(k["median_dwell_s"]), f"median of {k['stays']} stays" if k["stays"] else ""
        )
        self._show_ppe(d)
        self._show_faces(d)
        camera = self.camera_box.currentText()
        self.note.setText(
            f"{camera} · {self.period.text()} · {who} · times in {d.tz}"
            + ("" if d.has_data else " — nothing recorded in this period; try “All data”.")
        )
        self.warning.setText(result.warning.replace("warning: ", "⚠ ", 1))
        self.warning.setVisible(bool(result.warning))
        self._draw(d)
        self.loaded.emit()

    def _show_ppe(self, d: Dashboard) -> None:
        """The PPE card: compliance over the PPE zones (the catalogue's ``ppe_compliance``), if any ran."""
        card, p = self.cards["ppe"], d.ppe
        card.setVisible(not p.empty)
        if p.empty:
            return
        told = int(p.ppe_checked.sum() - p.ppe_unknown.sum())
        ok, viol = int(p.ppe_compliant.sum()), int(p.ppe_violations.sum())
        card.set_value(f"{100 * ok / told:.0f} %" if told else "–",
                       f"{told} checked · {viol} violation{'s' * (viol != 1)}")  # fmt: skip

    def _show_faces(self, d: Dashboard) -> None:
        """Returning visitors and demographics (the catalogue's face numbers), where the faces module ran."""
        from analytics.faces import AGE_BANDS

        n, f, fh = d.numbers, d.faces, d.faces_hourly
        ran = "demographics_tracks" in n
        seen, back = int(n.get("visitors_seen", 0) or 0), int(n.get("visitors_returning", 0) or 0)
        people = int(n.get("demographics_tracks", 0) or 0)
        self.cards["returning"].setVisible(ran and seen > 0)
        if seen:
            self.cards["returning"].set_value(f"{100 * back / seen:.0f} %", f"{back} of {seen} recognised visitors")
        self.cards["women"].setVisible(ran and people > 0)
        if people:
            share = n.get("demographics_women_share")
            value = "–" if share is None or not math.isfinite(share) else f"{100 * share:.0f} % women"
            top = n.get("demographics_top_band") or "–"
            self.cards["women"].set_value(value, f"{people} people · most {top}")
        for w in self.face_charts:
            w.setVisible(ran and not f.empty)
        if not ran or f.empty:
            return
        women, men = charts.PALETTE[6], charts.PALETTE[0]
        bands = [b for b, _, _ in AGE_BANDS]
        tot = fh[bands].sum()  # each person once (not per department)
        charts.grouped_bars(self.ages, bands, [("people", [int(tot[b]) for b in bands], charts.PALETTE[2])],
                            empty="No age estimates in this period")  # fmt: skip
        per = f.groupby("department", sort=True)[["female", "male"]].sum()
        charts.grouped_bars(self.departments, [str(x) for x in per.index],
                            [("women", list(per.female), women), ("men", list(per.male), men)],
                            empty="No gender estimates in this period")  # fmt: skip
        hours = fh.groupby("hour", sort=True)[["visitors", "returning"]].sum()
        hours = hours[hours.visitors > 0]
        many_days = len({h.date() for h in hours.index}) > 1
        charts.grouped_bars(
            self.visitors, [h.strftime("%d.%m %H:00" if many_days else "%H:00") for h in hours.index],
            [("new", list(hours.visitors - hours.returning), charts.PALETTE[7]),
             ("returning", list(hours.returning), charts.PALETTE[1])],
            empty="No visitors recognised (returning visitors off?)",
        )  # fmt: skip

    def resizeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        """Redraw the funnel for the new width (its group names are shortened to fit)."""
        super().resizeEvent(event)
        self._refit.start()

    def _refit_funnel(self) -> None:
        if self._shown is not None:
            charts.funnel_bars(self.funnel, self._funnel_steps(self._shown), empty="No visits in this period")

    def _draw(self, d: Dashboard) -> None:
        self._shown = d
        span = (d.since or 0) + 1
        off = charts.utc_offset(self.tz, span)
        for w in (self.occupancy, self.queue):
            w.getPlotItem().getAxis("bottom").utcOffset = off
        hours = list(d.hourly.hour)
        many_days = len({h.date() for h in hours}) > 1
        charts.in_out_bars(
            self.hourly,
            list(range(len(hours))),
            list(d.hourly["in"]),
            list(d.hourly["out"]),
            labels=[h.strftime("%d.%m %H:00" if many_days else "%H:00") for h in hours],
        )
        charts.in_out_bars(
            self.daily,
            list(range(len(d.daily))),
            list(d.daily["in"]),
            list(d.daily["out"]),
            labels=[day.strftime("%a %d.%m") for day in d.daily.day],
        )
        zones = [s for s in d.occupancy if s.type not in stats.CHECKOUT_TYPES]
        charts.occupancy_lines(
            self.occupancy, zones, since=d.since, until=d.until, empty="Nobody was in a zone in this period"
        )
        charts.dwell_histogram(self.dwell, d.dwell, empty="No stays in zones in this period")
        charts.funnel_bars(self.funnel, self._funnel_steps(d), empty="No visits in this period")
        if d.queue_forecast:
            charts.queue_forecast_lines(self.queue, d.queue_forecast)
            return
        charts.occupancy_lines(
            self.queue,
            d.queues,
            since=d.since,
            until=d.until,
            empty="No checkout queue zone, or nobody queued.\nDraw a 'Checkout queue' zone in the zone editor.",
        )

    @staticmethod
    def _funnel_steps(d: Dashboard) -> list[tuple[str, list[tuple[str, int]]]]:
        f = d.funnel
        if f.empty:
            return []
        many = f.camera.nunique() > 1
        out = []
        for row in f.itertuples(index=False):
            group = row.department_name if row.department != "(any)" else "any department"
            if many:
                group = f"{row.camera}: {group}"
            steps = [("came in", int(row.visits)), ("entered the department", int(row.reached))]
            if row.checkout is not None and not (
                isinstance(row.checkout, float) and math.isnan(row.checkout)
            ):
                steps.append(("went on to a checkout", int(row.checkout)))
            else:
                steps.append(("went on to a checkout", 0))
            out.append((group, steps))
        return out


def _days(span: tuple[float, float] | None, tz: dt.tzinfo | None) -> Days | None:
    """The first and the last day (in ``tz``) of a :func:`app.store.stats.data_span`."""
    if span is None:
        return None
    return dt.datetime.fromtimestamp(span[0], tz).date(), dt.datetime.fromtimestamp(span[1], tz).date()
