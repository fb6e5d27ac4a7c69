"""pyqtgraph chart helpers for the dashboard: one function per kind of chart, white report style.

Each function clears a :class:`pyqtgraph.PlotWidget` and draws one chart into it, with a title,
axis labels, a legend and an empty-state message, so the dashboard only picks the data.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont

from app.gui.data import QueueSeries, ZoneSeries

#: Series colours (colour-blind friendly, readable on white).
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f")
IN_COLOR = "#2a9d4b"
OUT_COLOR = "#8a8f98"


def make_plot(title: str, *, time_axis: bool = False, utc_offset: float | None = None) -> pg.PlotWidget:
    """A white plot with a bold title (and a clock-time x axis when ``time_axis``)."""
    axes = {"bottom": pg.DateAxisItem(orientation="bottom", utcOffset=utc_offset)} if time_axis else {}
    w = pg.PlotWidget(background="w", axisItems=axes)
    w.setMinimumSize(280, 200)
    item = w.getPlotItem()
    item.setTitle(f"<span style='color:#202020; font-size:11pt; font-weight:600'>{title}</span>")
    item.showGrid(x=False, y=True, alpha=0.25)
    item.setMenuEnabled(False)
    w.setMouseEnabled(x=False, y=False)
    item.hideButtons()
    for name in ("left", "bottom"):
        ax = item.getAxis(name)
        ax.setPen(pg.mkPen("#606060"))
        ax.setTextPen(pg.mkPen("#303030"))
    return w


def _reset(w: pg.PlotWidget, *, left: str = "", bottom: str = "") -> pg.PlotItem:
    item = w.getPlotItem()
    item.clear()
    if item.legend is not None:
        item.layout.removeItem(item.legend)
        if item.legend.scene() is not None:
            item.legend.scene().removeItem(item.legend)
        item.legend = None
    item.setLabel("left", left, color="#303030")
    item.setLabel("bottom", bottom, color="#303030")
    item.getAxis("bottom").setTicks(None)
    return item


def _empty(item: pg.PlotItem, text: str) -> None:
    label = pg.TextItem(text, color="#808080", anchor=(0.5, 0.5))
    f = QFont()
    f.setPointSize(10)
    label.setFont(f)
    item.addItem(label)
    label.setPos(0.5, 0.5)
    item.setXRange(0, 1, padding=0)
    item.setYRange(0, 1, padding=0)
    item.getAxis("bottom").setTicks([[]])
    item.getAxis("left").setTicks([[]])


def _legend(item: pg.PlotItem) -> pg.LegendItem:
    """A legend below the plot, outside the data (inside it covered bars and histograms)."""
    # one column: a legend wider than the plot would push the plot out of a small window
    leg = pg.LegendItem(labelTextColor="#202020", labelTextSize="8pt", colCount=1, frame=False, verSpacing=-8)
    item.layout.addItem(leg, 4, 1)
    item.legend = leg
    return leg


def in_out_bars(
    w: pg.PlotWidget,
    x: Sequence[float],
    ins: Sequence[int],
    outs: Sequence[int],
    *,
    labels: Sequence[str],
    empty: str = "No one crossed an entrance line in this period",
) -> None:
    """Grouped in/out bars at categories ``labels`` (hours or days)."""
    item = _reset(w, left="people")
    item.getAxis("left").setTicks(None)
    if not len(x):
        _empty(item, empty)
        return
    pos = np.arange(len(x), dtype=float)
    leg = _legend(item)
    a = pg.BarGraphItem(x=pos - 0.2, height=list(ins), width=0.38, brush=IN_COLOR, pen=None)
    b = pg.BarGraphItem(x=pos + 0.2, height=list(outs), width=0.38, brush=OUT_COLOR, pen=None)
    item.addItem(a)
    item.addItem(b)
    leg.addItem(a, "came in")
    leg.addItem(b, "went out")
    leg.setColumnCount(2)  # two short words side by side
    step = max(1, len(labels) // 12)
    item.getAxis("bottom").setTicks([[(float(i), labels[i]) for i in range(0, len(labels), step)]])
    top = max([*ins, *outs, 1])
    item.setYRange(0, top * 1.3, padding=0)
    pad = max(0.7, (5 - len(x)) / 2)  # a few bars stay slim and centred
    item.setXRange(-pad, len(x) - 1 + pad, padding=0)


def grouped_bars(
    w: pg.PlotWidget,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float], str]],
    *,
    left: str = "people",
    empty: str,
) -> None:
    """Bars of several series side by side at each category (``series``: name, values, colour)."""
    item = _reset(w, left=left)
    item.getAxis("left").setTicks(None)
    if not len(labels) or not any(any(v) for _n, v, _c in series):
        _empty(item, empty)
        return
    pos = np.arange(len(labels), dtype=float)
    k = max(1, len(series))
    width = 0.8 / k
    leg = _legend(item)
    for j, (name, values, colour) in enumerate(series):
        bar = pg.BarGraphItem(x=pos - 0.4 + width * (j + 0.5), height=list(values), width=width * 0.95,
                              brush=colour, pen=None)  # fmt: skip
        item.addItem(bar)
        leg.addItem(bar, name)
    leg.setColumnCount(k)
    step = max(1, len(labels) // 10)
    item.getAxis("bottom").setTicks([[(float(i), labels[i]) for i in range(0, len(labels), step)]])
    top = max([max(v) if len(v) else 0 for _n, v, _c in series] + [1])
    item.setYRange(0, top * 1.3, padding=0)
    pad = max(0.7, (5 - len(labels)) / 2)
    item.setXRange(-pad, len(labels) - 1 + pad, padding=0)


def occupancy_lines(
    w: pg.PlotWidget, series: Sequence[ZoneSeries], *, since: float | None, until: float | None, empty: str
) -> None:
    """People inside each zone over time (steps), one colour per zone."""
    item = _reset(w, left="people inside")
    item.getAxis("left").setTicks(None)
    shown = [s for s in series if len(s.times)]
    if not shown:
        _empty(item, empty)
        return
    leg = _legend(item)
    lo = min(float(s.times[0]) for s in shown)
    hi = max(float(s.times[-1]) for s in shown)
    for i, s in enumerate(shown):
        t = np.concatenate([[lo], s.times, [hi]])
        n = np.concatenate([[0], s.counts, [s.counts[-1]]]).astype(float)
        # steps: each count holds until the next change
        curve = pg.PlotDataItem(
            np.repeat(t, 2)[1:], np.repeat(n, 2)[:-1], pen=pg.mkPen(PALETTE[i % len(PALETTE)], width=2)
        )
        item.addItem(curve)
        leg.addItem(curve, f"{s.label} (peak {s.peak})")
    top = max(s.peak for s in shown)
    item.setYRange(0, max(top, 1) * 1.3, padding=0)
    item.setXRange(lo, hi, padding=0.02)


def queue_forecast_lines(w: pg.PlotWidget, series: Sequence[QueueSeries]) -> None:
    """Queue length: measured (solid), what was forecast for those moments (dashed), the forecast ahead (dots).

    Where people came and went between two snapshots, a thin dash-dot line shows the most waiting at
    once in between — its highest point is the "Longest queue" figure of the report and the CLI.

    The forecast ahead starts at the last measurement and goes through the newest snapshot's
    forecasts (+5, +10, +15 minutes); earlier forecasts are drawn only where they can be compared
    with what was measured.
    """
    item = _reset(w, left="people in the queue")
    item.getAxis("left").setTicks(None)
    leg = _legend(item)
    top, lo, hi = 1.0, math.inf, -math.inf
    for i, s in enumerate(series):
        color = PALETTE[i % len(PALETTE)]
        if not len(s.times):
            continue
        line = pg.PlotDataItem(s.times, s.length, pen=pg.mkPen(color, width=2))
        item.addItem(line)
        leg.addItem(line, f"{s.label}: measured")
        top, lo, hi = max(top, float(s.length.max())), min(lo, float(s.times[0])), max(hi, float(s.times[-1]))
        if len(s.peak) and bool((s.peak > s.length).any()):  # someone came and went between two snapshots
            most = pg.PlotDataItem(
                s.times, s.peak, pen=pg.mkPen(color, width=1, style=Qt.PenStyle.DashDotLine)
            )
            item.addItem(most)
            leg.addItem(most, "most at once between snapshots")
            top = max(top, float(np.nanmax(s.peak)))
        past = s.forecast_times <= s.times[-1]
        if past.any():
            fc = pg.PlotDataItem(
                s.forecast_times[past],
                s.forecast_length[past],
                pen=pg.mkPen(color, width=1.5, style=Qt.PenStyle.DashLine),
            )
            item.addItem(fc)
            leg.addItem(fc, f"forecast made {s.ahead_minutes} min before")
            top = max(top, float(s.forecast_length[past].max()))
        if s.latest:
            xs = [float(s.times[-1]), *(t for t, _ in s.latest)]
            ys = [float(s.length[-1]), *(v for _, v in s.latest)]
            ahead = pg.PlotDataItem(
                xs,
                ys,
                pen=pg.mkPen(color, width=2, style=Qt.PenStyle.DotLine),
                symbol="o",
                symbolSize=7,
                symbolBrush=pg.mkBrush(color),
            )
            item.addItem(ahead)
            leg.addItem(ahead, "forecast ahead (+5, +10, +15 min)")
            top, hi = max(top, *ys), max(hi, *xs)
    item.setYRange(0, top * 1.5, padding=0)
    if math.isfinite(lo):
        item.setXRange(lo, hi, padding=0.02)


def dwell_histogram(w: pg.PlotWidget, samples: dict[str, np.ndarray], *, empty: str) -> None:
    """How many stays lasted how long, per zone (one step line per zone), with the median in the legend."""
    item = _reset(w, left="stays", bottom="seconds in the zone")
    item.getAxis("left").setTicks(None)
    shown = {k: v for k, v in samples.items() if len(v)}
    if not shown:
        _empty(item, empty)
        return
    allv = np.concatenate(list(shown.values()))
    top = float(np.percentile(allv, 98)) if len(allv) > 5 else float(allv.max())
    top = max(top, 1.0)
    edges = np.linspace(0, top, 13)
    leg = _legend(item)
    ymax = 1
    for i, (label, v) in enumerate(shown.items()):
        counts, _ = np.histogram(np.clip(v, 0, top), bins=edges)
        ymax = max(ymax, int(counts.max()))
        color = QColor(PALETTE[i % len(PALETTE)])
        fill = QColor(color)
        fill.setAlpha(40)
        curve = pg.PlotDataItem(
            edges, counts, stepMode="center", pen=pg.mkPen(color, width=2), fillLevel=0, brush=fill
        )
        item.addItem(curve)
        leg.addItem(curve, f"{label}: median {np.median(v):.0f} s, {len(v)} stays")
    item.setYRange(0, ymax * 1.35, padding=0)
    item.setXRange(0, top, padding=0.02)


def funnel_bars(
    w: pg.PlotWidget, steps: Sequence[tuple[str, Sequence[tuple[str, int]]]], *, empty: str
) -> None:
    """Grouped bars per department: came in → entered the department → went on to a checkout.

    Args:
        w: the plot.
        steps: (group label, [(step name, count), ...]) per group.
        empty: text when there is nothing to show.
    """
    item = _reset(w, left="visits")
    item.getAxis("left").setTicks(None)
    if not steps:
        _empty(item, empty)
        return
    names = [n for n, _ in steps[0][1]]
    k = len(names)
    width = 0.8 / k
    leg = _legend(item)
    top = 1
    for j, name in enumerate(names):
        xs = [i - 0.4 + width * (j + 0.5) for i in range(len(steps))]
        hs = [dict(g)[name] for _, g in steps]
        top = max(top, *hs)
        bar = pg.BarGraphItem(x=xs, height=hs, width=width * 0.92, brush=PALETTE[j % len(PALETTE)], pen=None)
        item.addItem(bar)
        leg.addItem(bar, name)
        for x, h in zip(xs, hs, strict=True):
            t = pg.TextItem(str(h), color="#202020", anchor=(0.5, 1.0))
            t.setPos(x, h)
            item.addItem(t)
    # names that would run into each other on a narrow chart are shortened (full names in the tooltip)
    room = max(6, int((w.width() - 70) / max(1, len(steps)) / 8))
    short = [g if len(g) <= room else g[: room - 1].rstrip() + "…" for g, _ in steps]
    item.getAxis("bottom").setTicks([[(float(i), g) for i, g in enumerate(short)]])
    w.setToolTip(" · ".join(g for g, _ in steps))
    item.setYRange(0, top * 1.75, padding=0)
    pad = max(0.6, (3.2 - len(steps)) / 2)
    item.setXRange(-pad, len(steps) - 1 + pad, padding=0)


def utc_offset(tz: dt.tzinfo | None, at: float) -> float | None:
    """The ``utcOffset`` of pyqtgraph (seconds west of UTC) for clock times in ``tz`` (None: local)."""
    if tz is None:
        return None
    off = dt.datetime.fromtimestamp(at, tz).utcoffset()
    return -off.total_seconds() if off is not None else None
