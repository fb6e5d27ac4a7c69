"""Fixed-lag identity repair: hold tracked frames for a short lag and mend "flip and return" ID switches.

When one person (B) is hidden for a moment behind another, the detector often gives a single merged box,
and a live tracker may hand it to the wrong track (A) for a few frames; B's own track is lost meanwhile
and is found again on the same person afterwards. A live tracker cannot take back frames it has already
reported. This buffer delays the tracker's output by ``lag`` seconds (by timestamp) and, inside that
window, looks back at every short gap a track closes:

* B is missing for a few analysed frames and seen again; its box is interpolated over the gap from its
  last box before the gap (kept even when that frame was already released) to its first box after;
* if in those frames another track A holds a box on B's interpolated path (IoU ≥ ``iou``) that fits B
  clearly better than A's own path (A interpolated from its boxes before and after the gap; A's box
  before or after alone when it is only seen on one side; no path at all when A exists only in the gap)
  — and, when appearance features are given, does not look more like A than like B — that box is given
  back to B. A simply has a gap there. A holder keeps all its boxes of the gap when one of them fails
  (no one-frame flicker between two ids).

A second rule mends *fragments*: a track new to the tracker that starts, within ``stitch_gap`` seconds,
near where a track was lost, with a similar box height and look, and while the lost track does not come
back within the window, is reported under the lost track's id from then on ("stitched").

A third rule *fills* short gaps: a track hidden for at most ``fill_gap`` seconds between two sightings is
given its interpolated box in the frames between (flagged, so photos and appearance are not taken from it).

A walker who really crosses in front of a hidden person follows their own path through the gap (their
own interpolation fits as well as B's), so their boxes stay theirs. A track never gets two boxes in a
frame: B is absent from every gap frame, and a box that was moved is never moved again.

Pure numpy; the engine (``app.engine.pipeline``) pushes every frame through it and hands the released,
repaired frames to the stages and modules. Times are timestamps, never frame counts.

Example:
    >>> import numpy as np
    >>> rep = LagRepair(lag=0.3)
    >>> box = np.array([[0.0, 0, 10, 20]])
    >>> [r.payload for r in rep.push(0.0, np.array([1]), box, "a")]
    []
    >>> [r.payload for r in rep.push(0.3, np.array([1]), box, "b")]
    ['a']
    >>> [r.payload for r in rep.flush()]
    ['b']
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from itertools import islice, pairwise
from typing import Any

import numpy as np

#: a stitched pair's box heights differ by at most this factor (the lost track's tallest recent box)
STITCH_HEIGHT_RATIO = 1.7
#: looks (and boxes) of each track's last released sightings kept for the stitch
STITCH_LOOKS = 5
#: seconds a tracker id is remembered after it was last seen (longer than any tracker's buffer)
RAW_MEMORY_S = 60.0
#: a box within this many pixels of the picture's border touches it (someone leaving or entering)
EDGE_PX = 4


@dataclass(frozen=True, slots=True)
class RepairSettings:
    """Thresholds of the repair (tuned on the demo video, see ``docs/tracking.md``).

    Attributes:
        iou: IoU a box needs with the hidden track's interpolated box to be taken for it.
        margin: how much better (IoU) the box must fit the hidden track's path than the holding track's
            own path.
        max_gap: longest gap (seconds, from the last box before to the first box after) that is repaired.
        min_share: share of the gap's frames that must hold such a box (0 = any one is enough).
        min_frames: shortest gap (analysed frames) that is repaired. Two walkers crossing at one point
            often get a single box for one frame, which either track may hold with both paths through it;
            moving it on a hair's difference of looks made switches on the second test clip.
        appearance_weight: when features are given: the score of moving a box is its IoU with the hidden
            track's path minus its IoU with the holding track's own path, plus this times (cosine distance
            to the holding track's look − distance to the hidden track's look), the looks being those
            just before and after the gap; a box moves when the score reaches ``margin``.
        stitch_gap: a track new to the tracker continues a track lost at most this many seconds before
            (0 = no stitching), when it starts near where that one was last seen (within ``stitch_reach``
            body heights, plus 1.5 per second of the gap), its box is of a similar height, and its look is
            within ``stitch_look`` of one of the lost track's last looks; the lost track must not be back
            anywhere in the held window, and the two boxes must not both touch the picture's border
            (someone left there, and someone else came in). Needs features.
        stitch_look: see ``stitch_gap`` (cosine distance).
        stitch_reach: see ``stitch_gap`` (body heights).
        fill_gap: a track hidden in a released frame, seen before it and again within the held window, with
            at most this many seconds between the two sightings, gets its box interpolated between them in
            that frame (``Released.fill_ids`` / ``fill_boxes``; 0 = off). The person was there, hidden
            behind someone: positions, lines and queues keep them, and the box that hid them is no longer
            the only one near their path.
    """

    iou: float = 0.4
    margin: float = 0.1
    max_gap: float = 1.0
    min_share: float = 0.0
    min_frames: int = 2
    appearance_weight: float = 3.0
    stitch_gap: float = 1.0
    stitch_look: float = 0.2
    stitch_reach: float = 1.0
    fill_gap: float = 0.8


@dataclass(slots=True)
class Released:
    """A frame leaving the buffer.

    Attributes:
        ts: its timestamp.
        ids: the (repaired) track id of each box, in the order pushed; None for a frame without tracks
            (a frame that was not analysed).
        payload: what was pushed with it.
        fill_ids: tracks hidden in this frame between two sightings (``RepairSettings.fill_gap``), or None.
        fill_boxes: their interpolated boxes (K, 4), or None.
    """

    ts: float
    ids: np.ndarray | None
    payload: Any
    fill_ids: np.ndarray | None = None
    fill_boxes: np.ndarray | None = None


def released_tracks(item: Released, boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A released frame's track ids and boxes (``boxes``: those pushed), then its hidden tracks' (K rows).

    Example:
        >>> r = Released(0.0, np.array([1]), None, np.array([2]), np.array([[5.0, 0, 9, 9]]))
        >>> ids, boxes = released_tracks(r, np.array([[0.0, 0, 4, 9]]))
        >>> ids.tolist(), boxes[:, 0].tolist()
        ([1, 2], [0.0, 5.0])
    """
    ids = np.zeros(0, dtype=np.int64) if item.ids is None else np.asarray(item.ids)
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    if item.fill_ids is None or not len(item.fill_ids):
        return ids, boxes
    return np.concatenate([ids, item.fill_ids]), np.concatenate([boxes, item.fill_boxes])


class _Entry:
    __slots__ = ("boxes", "feats", "ids", "moved", "payload", "ts")

    def __init__(self, ts: float, ids: np.ndarray | None, boxes: np.ndarray | None,
                 feats: np.ndarray | None, payload: Any) -> None:
        self.ts = ts
        self.ids = ids
        self.boxes = boxes
        self.feats = feats
        self.payload = payload
        self.moved: set[int] = set()  # rows whose id the repair set


#: (timestamp, box, feature or None) of one sighting of a track
_Sighting = tuple[float, np.ndarray, np.ndarray | None]


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    """IoU of two boxes x1 y1 x2 y2."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / union) if union > 0 else 0.0


def _interpolate(before: _Sighting, after: _Sighting, ts: float) -> np.ndarray:
    t0, b0, _ = before
    t1, b1, _ = after
    a = (ts - t0) / (t1 - t0) if t1 > t0 else 0.0
    return b0 + a * (b1 - b0)


def _nearest(f: np.ndarray, sightings: tuple[_Sighting | None, ...]) -> float | None:
    """Smallest cosine distance of feature ``f`` to the looks of ``sightings`` (None: no look known)."""
    out = None
    for s in sightings:
        if s is None or s[2] is None:
            continue
        n = float(np.linalg.norm(f) * np.linalg.norm(s[2]))
        if n > 0:
            d = 1.0 - float(f @ s[2]) / n
            out = d if out is None else min(out, d)
    return out


class LagRepair:
    """Delays tracked frames by ``lag`` seconds and repairs short identity flips inside that window.

    Push every frame in timestamp order (analysed frames with their track ids and boxes, other frames
    with ``ids=None``); each call returns the frames that are now ``lag`` seconds older than the newest
    one, in the order pushed, with repaired ids. :meth:`flush` returns the rest at the end of a run.
    With ``lag`` 0 every frame comes back at once, unchanged (the same ``ids`` array).

    Args:
        lag: delay in seconds (0 = off: pass-through).
        settings: repair thresholds.
    """

    def __init__(self, lag: float, settings: RepairSettings | None = None) -> None:
        self.lag = max(float(lag), 0.0)
        self.settings = settings or RepairSettings()
        self._buf: deque[_Entry] = deque()
        #: track id -> its last sighting in a released frame
        self._last: dict[int, _Sighting] = {}
        #: timestamp of the last released analysed frame
        self._head_ts: float | None = None
        #: boxes moved and new tracks stitched so far (for benchmarks and logs)
        self.moved = 0
        self.stitched = 0
        #: tracker id -> the id it is reported as (a stitched new track)
        self._alias: dict[int, int] = {}
        #: tracker ids new in a held frame -> that frame's timestamp (the stitch is decided at its release)
        self._births: dict[int, float] = {}
        #: tracker id -> when it was last seen (an id not in here is a track new to the tracker)
        self._raw_seen: dict[int, float] = {}
        #: track id -> (box, look) of its last few released sightings
        self._looks: dict[int, deque[tuple[np.ndarray, np.ndarray]]] = {}
        #: the picture's (width, height), for the stitch's border rule (None: unknown, no border rule)
        self.frame_size: tuple[int, int] | None = None
        #: a list to record every candidate box weighed (ts, hidden id, holding id, IoU with the hidden
        #: track's path, IoU with the holder's own path, look distances to hidden / holder, score); None: off
        self.trace: list[tuple[Any, ...]] | None = None

    def __len__(self) -> int:
        return len(self._buf)

    def push(
        self,
        ts: float,
        ids: np.ndarray | None,
        boxes: np.ndarray | None,
        payload: Any = None,
        feats: np.ndarray | None = None,
    ) -> list[Released]:
        """Add one frame; return the frames released by it (oldest first).

        Args:
            ts: the frame's timestamp (seconds).
            ids: track id of each box (N,); None for a frame that was not analysed.
            boxes: (N, 4) x1 y1 x2 y2 (ignored when ``ids`` is None).
            payload: anything; handed back with the frame.
            feats: optional (N, D) appearance features of the boxes.
        """
        if self.lag <= 0:
            return [Released(ts, ids, payload)]
        if ids is not None:
            ids = np.array(ids, dtype=np.int64, copy=True)
            boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
            feats = None if feats is None or not len(feats) else np.asarray(feats, dtype=np.float64)
        if ids is not None and len(ids) and self.settings.stitch_gap > 0:
            ids = self._map_new(float(ts), ids)
        self._buf.append(_Entry(float(ts), ids, boxes, feats, payload))
        if ids is not None and len(ids):
            self._repair()
        out = []
        while self._buf and ts - self._buf[0].ts >= self.lag - 1e-9:
            out.append(self._release())
        return out

    def drain(self) -> list[Released]:
        """Release every frame still held, oldest first, keeping what the repair knows of the tracks.

        For a live source that stalls: the results of its last frames are not held until it comes back.
        """
        return [self._release() for _ in range(len(self._buf))]

    def flush(self) -> list[Released]:
        """Release every frame still held (end of a run), oldest first; the buffer is empty afterwards."""
        out = self.drain()
        self._last.clear()
        self._looks.clear()
        self._alias.clear()
        self._births.clear()
        self._head_ts = None
        return out

    # --- internals ----------------------------------------------------------------------

    def _map_new(self, ts: float, raw: np.ndarray) -> np.ndarray:
        """Tracker ids to reported ids (stitched new tracks); ids new to the tracker are remembered.

        When the track a new one was stitched to is found again by the tracker while the new one is
        still followed, the stitch ends (the new one is reported under its own id from then on): an id
        is never given to two boxes of a frame.
        """
        out = raw.copy()
        for r, tid in enumerate(raw.tolist()):
            if tid not in self._raw_seen:
                self._births[tid] = ts
            self._raw_seen[tid] = ts
            out[r] = self._alias.get(tid, tid)
        if len(self._raw_seen) > 1024:  # bounded memory
            self._raw_seen = {k: v for k, v in self._raw_seen.items() if v >= ts - RAW_MEMORY_S}
        vals, counts = np.unique(out, return_counts=True)
        for v in vals[counts > 1].tolist():  # the stitched-to track is back while the new one runs: unstitch
            for r in np.flatnonzero(out == v).tolist():
                if int(raw[r]) != v:
                    self._alias.pop(int(raw[r]), None)
                    out[r] = raw[r]
        return out

    def _stitch(self, e: _Entry, born: list[int]) -> None:
        """Tracks new to the tracker in this frame (``born``) that continue one lost just before get its id."""
        s = self.settings
        held = {t for f in self._buf if f.ids is not None for t in f.ids.tolist()}
        for tid in born:
            rows = np.flatnonzero(e.ids == tid)
            if not len(rows) or e.feats is None:
                continue  # its box was given to a hidden track by the repair
            box, look = e.boxes[rows[0]], e.feats[rows[0]]
            h = max(box[3] - box[1], 1.0)
            best, best_d = None, s.stitch_look
            for cand, (t0, b0, f0) in self._last.items():
                gap = e.ts - t0
                if cand in held or f0 is None or not 0 < gap <= s.stitch_gap + 1e-9:
                    continue
                recent = self._looks.get(cand, ((b0, f0),))
                h0 = max(max(b[3] - b[1] for b, _ in recent), 1.0)  # a half-hidden last box is shorter
                dist = np.hypot((box[0] + box[2] - b0[0] - b0[2]) / 2, (box[1] + box[3] - b0[1] - b0[3]) / 2)
                if dist > h0 * s.stitch_reach * (1.0 + 1.5 * gap):
                    continue
                if not 1 / STITCH_HEIGHT_RATIO <= h / h0 <= STITCH_HEIGHT_RATIO:
                    continue
                d = _nearest(look, tuple((t0, b, x) for b, x in recent))
                if d is not None and d <= best_d:
                    best, best_d = cand, d
            if best is None or (self._at_edge(box) and self._at_edge(self._last[best][1])):
                continue  # none, or one walked out of the picture and someone else walked in there
            self._alias[tid] = best
            held.add(best)
            if self.trace is not None:
                self.trace.append(("stitch", e.ts, tid, best, best_d))
            for f in self._buf:
                if f.ids is not None:
                    f.ids[f.ids == tid] = best
            self.stitched += 1

    def _at_edge(self, box: np.ndarray) -> bool:
        """Whether a box touches the picture's border (unknown size: never)."""
        if self.frame_size is None:
            return False
        w, h = self.frame_size
        m = EDGE_PX
        return bool(box[0] <= m or box[1] <= m or box[2] >= w - m or box[3] >= h - m)

    def _release(self) -> Released:
        e = self._buf[0]
        if e.ids is not None and self._births:
            born = [t for t, ts in self._births.items() if ts <= e.ts]
            for t in born:
                del self._births[t]
            self._stitch(e, born)
        fills = self._fills(e) if e.ids is not None and self.settings.fill_gap > 0 else None
        self._buf.popleft()
        if e.ids is not None:
            self._head_ts = e.ts
            keep_looks = e.feats is not None and self.settings.stitch_gap > 0
            for r, tid in enumerate(e.ids.tolist()):
                self._last[tid] = (e.ts, e.boxes[r], None if e.feats is None else e.feats[r])
                if keep_looks:
                    self._looks.setdefault(tid, deque(maxlen=STITCH_LOOKS)).append((e.boxes[r], e.feats[r]))
            if len(self._last) > 256:  # bounded memory: forget tracks gone for longer than any gap
                horizon = e.ts - max(self.settings.max_gap, self.settings.stitch_gap)
                self._last = {k: v for k, v in self._last.items() if v[0] >= horizon}
                self._looks = {k: v for k, v in self._looks.items() if k in self._last}
                self._alias = {k: v for k, v in self._alias.items() if v in self._last}
        if fills:
            return Released(e.ts, e.ids, e.payload, np.array([t for t, _ in fills], dtype=np.int64),
                            np.array([b for _, b in fills]).reshape(-1, 4))
        return Released(e.ts, e.ids, e.payload)

    def _fills(self, e: _Entry) -> list[tuple[int, np.ndarray]]:
        """The tracks hidden in frame ``e``, with their boxes interpolated to its timestamp.

        A track counts when seen before ``e`` (released) and again after it (held), at most ``fill_gap``
        seconds apart. Returns (track id, box) pairs.
        """
        gap = self.settings.fill_gap
        present = set(e.ids.tolist())
        want = {t: v for t, v in self._last.items() if t not in present and e.ts - gap <= v[0] < e.ts}
        out: list[tuple[int, np.ndarray]] = []
        if not want:
            return out
        for f in islice(self._buf, 1, None):
            if f.ids is None:
                continue
            if f.ts - e.ts > gap:
                break
            for r, tid in enumerate(f.ids.tolist()):
                v = want.pop(tid, None)
                if v is not None and f.ts - v[0] <= gap:
                    out.append((tid, _interpolate(v, (f.ts, f.boxes[r], None), e.ts)))
            if not want:
                break
        return out

    def _sightings(self) -> tuple[list[_Entry], dict[int, list[int]]]:
        """The analysed entries, and per track id the positions (in that list) where it is seen."""
        frames = [e for e in self._buf if e.ids is not None]
        seen: dict[int, list[int]] = {}
        for p, e in enumerate(frames):
            for tid in e.ids.tolist():
                seen.setdefault(tid, []).append(p)
        return frames, seen

    @staticmethod
    def _at(frames: list[_Entry], p: int, tid: int) -> _Sighting:
        e = frames[p]
        r = int(np.flatnonzero(e.ids == tid)[0])
        return e.ts, e.boxes[r], None if e.feats is None else e.feats[r]

    def _repair(self) -> None:
        """Mend every gap closed inside the buffer whose frames another track held on the gap's path."""
        while self._repair_one():  # each move marks its boxes as moved for good: this ends
            pass

    def _repair_one(self) -> bool:
        """Mend the first gap that can be mended (whether one was)."""
        frames, seen = self._sightings()
        for tid in sorted(seen):
            pos = seen[tid]
            gaps: list[tuple[_Sighting, int, int]] = []  # (sighting before, first gap pos, pos after)
            last = self._last.get(tid)
            if pos[0] > 0 and last is not None and self._head_ts is not None and last[0] >= self._head_ts:
                gaps.append((last, 0, pos[0]))
            gaps.extend(
                (self._at(frames, a, tid), a + 1, b) for a, b in pairwise(pos) if b > a + 1
            )
            for before, lo, hi in gaps:
                if hi - lo < self.settings.min_frames:
                    continue  # a one-frame gap at a crossing: two walkers taking turns on one box
                after = self._at(frames, hi, tid)
                if after[0] - before[0] <= self.settings.max_gap + 1e-9 and self._fill(
                    frames, seen, tid, before, after, lo, hi
                ):
                    return True
        return False

    def _track_path(
        self, frames: list[_Entry], seen: dict[int, list[int]], tid: int, lo: int, hi: int
    ) -> tuple[_Sighting | None, _Sighting | None]:
        """Track ``tid``'s sightings just before position ``lo`` and from ``hi`` on (either may be None)."""
        pos = seen.get(tid, [])
        before = next((self._at(frames, p, tid) for p in reversed(pos) if p < lo), None)
        if before is None:
            last = self._last.get(tid)
            before = last if last is not None else None
        after = next((self._at(frames, p, tid) for p in pos if p >= hi), None)
        return before, after

    def _fill(
        self,
        frames: list[_Entry],
        seen: dict[int, list[int]],
        tid: int,
        before: _Sighting,
        after: _Sighting,
        lo: int,
        hi: int,
    ) -> bool:
        """Give ``tid`` the boxes on its interpolated path in gap positions ``lo``..``hi - 1`` (whether any)."""
        s = self.settings
        moves: list[tuple[_Entry, int]] = []
        paths: dict[int, tuple[_Sighting | None, _Sighting | None]] = {}
        refused: set[int] = set()
        for p in range(lo, hi):
            e = frames[p]
            want = _interpolate(before, after, e.ts)
            best, best_iou = -1, s.iou
            for r in range(len(e.ids)):
                if r in e.moved:
                    continue
                v = _iou(want, e.boxes[r])
                if v >= best_iou:
                    best, best_iou = r, v
            if best < 0:
                continue
            other = int(e.ids[best])
            if other not in paths:
                paths[other] = self._track_path(frames, seen, other, lo, hi)
            a_before, a_after = paths[other]
            if a_before is not None and a_after is not None:
                fit = _iou(_interpolate(a_before, a_after, e.ts), e.boxes[best])
            elif a_before is not None or a_after is not None:
                fit = _iou((a_before or a_after)[1], e.boxes[best])  # type: ignore[index]
            else:
                fit = 0.0
            score = best_iou - fit
            db = da = None
            if s.appearance_weight > 0 and e.feats is not None:
                f = e.feats[best]
                db = _nearest(f, (before, after))
                da = _nearest(f, (a_before, a_after))
                if db is not None and da is not None:
                    score += s.appearance_weight * (da - db)
            if self.trace is not None:
                self.trace.append((e.ts, tid, other, best_iou, fit, db, da, score))
            if score < s.margin:
                refused.add(other)
                continue
            moves.append((e, best))
        # a holder whose box fails in one gap frame keeps its boxes in all of them (no one-frame flicker)
        moves = [(e, r) for e, r in moves if int(e.ids[r]) not in refused]
        if not moves or len(moves) < s.min_share * (hi - lo) - 1e-9:
            return False
        for e, r in moves:
            e.ids[r] = tid
            e.moved.add(r)
        self.moved += len(moves)
        return True
