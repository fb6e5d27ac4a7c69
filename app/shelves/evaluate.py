"""Score the shelf-gap module on generated episodes (:mod:`app.shelves.sim`) against their truth.

For every episode the classical meter measures every frame (with the "detector's" person
boxes, some people missed), the :class:`analytics.shelf.GapTracker` turns the readings into
gaps, and the result is compared with the truth:

- **MAE** of the empty fraction per segment: over frames where the segment was measured,
  |measured − true|, per frame (raw) and after the tracker's running median (smoothed);
- **gap detection**: true gaps are runs of true empty fraction ≥ ``on`` lasting at least
  ``confirm`` seconds; a detected gap (start → end event, or still open at the end) matches a
  true gap of the same segment when their time spans overlap. Precision = matched detected /
  detected, recall = matched true / true; **delay** = when the start event was decided −
  when the true gap began; **restock error** = detected end − true end;
- **people in front**: gap events decided for a segment while a person truly stood in front
  of it (box over the segment), and detected gaps with no true gap (false) during episodes
  where the shelf never changes but people stand in front for minutes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from analytics.shelf import GapEvent, GapTracker
from app.shelves.sim import EPOCH, Episode, EpisodeFrame, make_episode
from models.shelf import ClassicalShelfMeter, ShelfGeometry


@dataclass(slots=True)
class GapMatch:
    """Detected vs true gaps of one episode."""

    detected: int = 0
    true: int = 0
    matched_detected: int = 0
    matched_true: int = 0
    delays: list[float] = field(default_factory=list)
    start_errors: list[float] = field(default_factory=list)
    restock_errors: list[float] = field(default_factory=list)


@dataclass(slots=True)
class EpisodeScore:
    """Scores of one episode."""

    seed: int
    panel: str
    empty_example: bool
    abs_err_raw: list[float]
    abs_err_smooth: list[float]
    per_segment_mae: np.ndarray
    measured_share: float
    gaps: GapMatch
    events_in_front: int
    events: list[GapEvent]
    seconds: float
    ms_per_frame: float


def true_gaps(truth: np.ndarray, times: np.ndarray, *, on: float, min_len: float) -> list[tuple[int, float, float]]:
    """(segment, start, end) of runs of truth ≥ ``on`` lasting ≥ ``min_len`` s (end = episode end if open)."""
    out = []
    for s in range(truth.shape[1]):
        above = truth[:, s] >= on
        k = 0
        while k < len(times):
            if not above[k]:
                k += 1
                continue
            j = k
            while j + 1 < len(times) and above[j + 1]:
                j += 1
            end = times[j + 1] if j + 1 < len(times) else times[-1]
            if end - times[k] >= min_len:
                out.append((s, float(times[k]), float(end)))
            k = j + 1
    return out


def detected_gaps(events: list[GapEvent], end_ts: float) -> list[tuple[int, float, float, float]]:
    """(segment, start, end, decided) per detected gap; a gap still open ends at ``end_ts``."""
    open_: dict[int, GapEvent] = {}
    out = []
    for e in events:
        if e.kind == "start":
            open_[e.segment] = e
        elif e.kind == "end" and e.segment in open_:
            st = open_.pop(e.segment)
            out.append((e.segment, e.start, float(e.end or e.ts), st.ts))
    out += [(s, e.start, end_ts, e.ts) for s, e in open_.items()]
    return out


def match_gaps(true: list[tuple[int, float, float]], det: list[tuple[int, float, float, float]], *, open_end: float) -> GapMatch:
    """Overlap matching of detected and true gaps (same segment, overlapping spans)."""
    m = GapMatch(detected=len(det), true=len(true))
    used: set[int] = set()
    for s, a, b in true:
        hit = [i for i, (ds, da, db, _) in enumerate(det) if ds == s and da < b and db > a and i not in used]
        if not hit:
            continue
        i = min(hit, key=lambda i: abs(det[i][1] - a))
        used.add(i)
        m.matched_true += 1
        m.delays.append(det[i][3] - a)
        m.start_errors.append(det[i][1] - a)
        if b < open_end and det[i][2] < open_end:
            m.restock_errors.append(det[i][2] - b)
    m.matched_detected = sum(
        1 for (ds, da, db, _) in det if any(s == ds and da < b and db > a for s, a, b in true)
    )
    return m


def _covered_segments(geo: ShelfGeometry, boxes: np.ndarray) -> set[int]:
    out = set()
    for i in range(geo.segments):
        poly = geo.segment_polygon(i)
        x1, x2 = poly[:, 0].min(), poly[:, 0].max()
        y1, y2 = poly[:, 1].min(), poly[:, 1].max()
        for b in boxes:
            if b[0] < x2 and b[2] > x1 and b[1] < y2 and b[3] > y1:
                out.add(i)
    return out


class _Scorer:
    """One meter + tracker over one episode, fed frame by frame."""

    def __init__(self, ep: Episode, *, empty_example: bool, tracker_kw: dict | None, boxes: bool = True) -> None:
        self.kw = {"on": 0.5, "off": 0.3, "confirm": 120.0, "clear": 60.0, "window": 60.0, "alert_after": 600.0}
        self.kw.update(tracker_kw or {})
        self.ep = ep
        self.empty_example = empty_example
        self.boxes = boxes
        self.geo = ShelfGeometry(ep.scene.corners, rows=ep.scene.rows, columns=ep.scene.columns)
        self.meter = ClassicalShelfMeter(
            self.geo, ep.reference(), empty_example=ep.empty_example() if empty_example else None
        )
        self.tracker = GapTracker(self.geo.segments, **self.kw)
        self.raw: list[float] = []
        self.smooth: list[float] = []
        self.seg_err: list[list[float]] = [[] for _ in range(self.geo.segments)]
        self.truth = np.empty((len(ep.times), self.geo.segments))
        self.events: list[GapEvent] = []
        self.in_front = 0
        self.measured = 0
        self.spent = 0.0

    def feed(self, k: int, f: EpisodeFrame) -> None:
        self.truth[k] = f.truth
        t0 = time.perf_counter()
        r = self.meter.measure(f.image, f.boxes if self.boxes else np.zeros((0, 4), np.float32))
        ev = self.tracker.update(f.ts, r.fraction, r.valid)
        self.spent += time.perf_counter() - t0
        for s in np.flatnonzero(r.valid):
            e = abs(float(r.fraction[s]) - float(f.truth[s]))
            self.raw.append(e)
            self.seg_err[s].append(e)
        sm = self.tracker.smoothed()
        ok = np.isfinite(sm) & r.valid
        self.smooth += np.abs(sm[ok] - f.truth[ok]).tolist()
        self.measured += int(r.valid.sum())
        if ev:
            covered = _covered_segments(self.geo, f.true_boxes)
            self.in_front += sum(1 for e in ev if e.segment in covered)
        self.events += ev

    def score(self) -> EpisodeScore:
        ep = self.ep
        end_ts = EPOCH + float(ep.times[-1])
        true = true_gaps(self.truth, ep.times + EPOCH, on=self.kw["on"], min_len=self.kw["confirm"])
        det = detected_gaps(self.events, end_ts)
        return EpisodeScore(
            seed=ep.seed,
            panel=ep.scene.panel,
            empty_example=self.empty_example,
            abs_err_raw=self.raw,
            abs_err_smooth=self.smooth,
            per_segment_mae=np.array([np.mean(e) if e else np.nan for e in self.seg_err]),
            measured_share=self.measured / (len(ep.times) * self.geo.segments),
            gaps=match_gaps(true, det, open_end=end_ts),
            events_in_front=self.in_front,
            events=self.events,
            seconds=float(ep.times[-1] - ep.times[0]),
            ms_per_frame=self.spent * 1000 / len(ep.times),
        )


def score_episodes(
    ep: Episode,
    *,
    empty_examples: tuple[bool, ...] = (True, False),
    tracker_kw: dict | None = None,
    variants: tuple[tuple[bool, bool], ...] | None = None,
) -> list[EpisodeScore]:
    """Run the classical meter variants and the tracker over an episode; each frame is rendered once.

    Args:
        ep: the episode.
        empty_examples: one variant per value (with / without the empty example), person boxes given.
        tracker_kw: GapTracker arguments.
        variants: instead, (empty example?, person boxes given?) per variant.
    """
    variants = variants or tuple((e, True) for e in empty_examples)
    scorers = [_Scorer(ep, empty_example=e, tracker_kw=tracker_kw, boxes=b) for e, b in variants]
    for k in range(len(ep.times)):
        f = ep.frame(k)
        for sc in scorers:
            sc.feed(k, f)
    return [sc.score() for sc in scorers]


def score_episode(ep: Episode, *, empty_example: bool, tracker_kw: dict | None = None) -> EpisodeScore:
    """Score one variant over an episode (see :func:`score_episodes`)."""
    return score_episodes(ep, empty_examples=(empty_example,), tracker_kw=tracker_kw)[0]


@dataclass(frozen=True, slots=True)
class BenchRow:
    """One line of the benchmark's table."""

    name: str
    episodes: int
    mae_raw: float
    mae_smooth: float
    worst_segment_mae: float
    precision: float
    recall: float
    detected: int
    true: int
    delay_median: float
    delay_max: float
    restock_err_median: float
    events_in_front: int
    false_gaps: int
    measured_share: float
    ms_per_frame: float


def summarise(name: str, scores: list[EpisodeScore]) -> BenchRow:
    """Pool episode scores into one table row."""
    det = sum(s.gaps.detected for s in scores)
    tru = sum(s.gaps.true for s in scores)
    md = sum(s.gaps.matched_detected for s in scores)
    mt = sum(s.gaps.matched_true for s in scores)
    delays = [d for s in scores for d in s.gaps.delays]
    rest = [abs(d) for s in scores for d in s.gaps.restock_errors]
    segs = np.concatenate([s.per_segment_mae for s in scores])
    return BenchRow(
        name=name,
        episodes=len(scores),
        mae_raw=float(np.mean([e for s in scores for e in s.abs_err_raw])),
        mae_smooth=float(np.mean([e for s in scores for e in s.abs_err_smooth])),
        worst_segment_mae=float(np.nanmax(segs)),
        precision=md / det if det else float("nan"),
        recall=mt / tru if tru else float("nan"),
        detected=det,
        true=tru,
        delay_median=float(np.median(delays)) if delays else float("nan"),
        delay_max=float(np.max(delays)) if delays else float("nan"),
        restock_err_median=float(np.median(rest)) if rest else float("nan"),
        events_in_front=sum(s.events_in_front for s in scores),
        false_gaps=det - md,
        measured_share=float(np.mean([s.measured_share for s in scores])),
        ms_per_frame=float(np.mean([s.ms_per_frame for s in scores])),
    )


def run_bench(seeds: list[int], *, minutes: float = 60.0, progress=None) -> list[BenchRow]:
    """The shelf benchmark: episodes with removals, and people-only ones (half as long, six people standing).

    Each set is measured with the person boxes of the "detector" and with none at all (every
    person missed: only the board and motion cues keep people from making gaps).
    """
    sets: dict[str, list[EpisodeScore]] = {}
    names = ["removals, panel learnt", "removals, no empty example", "removals, no person boxes at all"]
    for s in seeds:
        res = score_episodes(make_episode(s, minutes=minutes), variants=((True, True), (False, True), (True, False)))
        for n, r in zip(names, res, strict=True):
            sets.setdefault(n, []).append(r)
        if progress:
            progress(f"removals seed {s}")
    people = ["no removals, 6 people standing 2-6 min", "no removals, people standing, no person boxes"]
    for s in seeds:
        ep = make_episode(s, minutes=max(10.0, minutes / 2), removals=False, standers=6)
        for n, r in zip(people, score_episodes(ep, variants=((True, True), (True, False))), strict=True):
            sets.setdefault(n, []).append(r)
        if progress:
            progress(f"people only seed {s}")
    return [summarise(n, sc) for n, sc in sets.items()]


def format_table(rows: list[BenchRow]) -> str:
    """The benchmark rows as a Markdown table."""
    head = (
        "| set | episodes | MAE/frame | MAE smoothed | worst segment MAE | gaps true | detected | precision | "
        "recall | delay median s | delay max s | restock err median s | events with person in front | "
        "false gaps | measured share | ms/frame |"
    )
    lines = [head, "|" + "---|" * 16]
    for r in rows:
        lines.append(
            f"| {r.name} | {r.episodes} | {r.mae_raw:.3f} | {r.mae_smooth:.3f} | {r.worst_segment_mae:.3f} | "
            f"{r.true} | {r.detected} | {r.precision:.2f} | {r.recall:.2f} | {r.delay_median:.0f} | "
            f"{r.delay_max:.0f} | {r.restock_err_median:.0f} | {r.events_in_front} | {r.false_gaps} | "
            f"{r.measured_share:.2f} | {r.ms_per_frame:.1f} |"
        )
    return "\n".join(lines)
