"""Multi-object tracking metrics (CLEAR MOT and identity metrics) from MOTChallenge files.

Definitions follow py-motmetrics / the MOTChallenge devkit:

* per frame, ground-truth (GT) boxes and tracker (hypothesis) boxes are matched one-to-one when their
  IoU is at least ``iou``; a match from the previous frame is kept while it still passes the gate,
  the rest is assigned by minimum cost (1 - IoU);
* **ID switch**: a GT object matched to a different track id than the last time it was matched;
* **fragmentation**: a GT trajectory that was tracked, then not tracked, then tracked again
  (counted per interruption);
* **MOTA** = 1 - (FN + FP + IDSW) / GT boxes; **MOTP** = mean IoU of the matches;
* **IDF1** (Ristani et al. 2016): GT ids and track ids are matched one-to-one over the whole
  sequence so that the number of frames where a pair overlaps (IoU ≥ ``iou``) is maximal;
  IDF1 = 2 IDTP / (GT boxes + track boxes);
* **tracks per person**: distinct track ids that were matched to any GT object, divided by the number
  of GT identities (1.0 is perfect; fragments and re-numbering raise it).

Only frames that appear in the GT file are evaluated (the GT may label a sample of the frames, e.g. every
20th frame); tracker rows on other frames are ignored. Pure numpy (no SciPy): the assignment problem is
solved with a small Hungarian algorithm, fine for the tens of objects a camera sees.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: frame -> (ids (N,), boxes (N, 4) x1 y1 x2 y2)
MotFrames = dict[int, tuple[np.ndarray, np.ndarray]]


class MotFormatError(ValueError):
    """A MOT file that cannot be read; the message names the file and line."""


def read_mot(path: str | Path, *, truth: bool = True) -> MotFrames:
    """Read a MOTChallenge CSV (``frame,id,x,y,w,h,conf,...``; extra columns ignored).

    In a ground-truth file rows whose 7th column (the "consider" flag) is 0 are skipped, as in MOT GT files.
    In a tracker's file that column is a confidence and every row counts (StoreSight writes 0 for a track
    hidden behind someone, whose box the identity lag interpolated).

    Args:
        path: the file.
        truth: whether it is ground truth (False: a tracker's output).

    Returns:
        Per frame number, the ids and x1 y1 x2 y2 boxes.

    Raises:
        MotFormatError: the file is missing, empty or has a malformed line.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise MotFormatError(
            f"{p}: cannot read ({getattr(e, 'strerror', None) or e.__class__.__name__})"
        ) from None
    rows: dict[int, list[tuple[int, float, float, float, float]]] = {}
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(",")
        try:
            if len(parts) < 6:
                raise ValueError
            f, i = int(float(parts[0])), int(float(parts[1]))
            x, y, w, h = (float(v) for v in parts[2:6])
            consider = float(parts[6]) if len(parts) > 6 else 1.0
        except ValueError:
            raise MotFormatError(
                f"{p}:{n}: expected 'frame,id,x,y,w,h[,conf,...]', got {line[:60]!r}"
            ) from None
        if w <= 0 or h <= 0 or not np.isfinite([x, y, w, h]).all():
            raise MotFormatError(f"{p}:{n}: box width and height must be positive numbers")
        if consider == 0 and truth:
            continue
        rows.setdefault(f, []).append((i, x, y, x + w, y + h))
    if not rows:
        raise MotFormatError(f"{p}: no boxes")
    out: MotFrames = {}
    for f, r in rows.items():
        a = np.asarray(r, dtype=np.float64)
        out[f] = (a[:, 0].astype(np.int64), a[:, 1:5])
    return out


def iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of every box in ``a`` (N, 4) with every box in ``b`` (M, 4), x1 y1 x2 y2."""
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)))
    x1 = np.maximum(a[:, None, 0], b[None, :, 0])
    y1 = np.maximum(a[:, None, 1], b[None, :, 1])
    x2 = np.minimum(a[:, None, 2], b[None, :, 2])
    y2 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return inter / np.maximum(area_a[:, None] + area_b[None, :] - inter, 1e-12)


def linear_assignment(cost: np.ndarray) -> list[tuple[int, int]]:
    """Minimum-cost one-to-one assignment of rows to columns (Hungarian algorithm, O(n³)).

    Args:
        cost: (N, M) finite costs; a rectangular matrix assigns min(N, M) pairs.

    Returns:
        (row, column) pairs.

    Example:
        >>> linear_assignment(np.array([[4.0, 1.0], [2.0, 8.0]]))
        [(0, 1), (1, 0)]
    """
    c = np.asarray(cost, dtype=np.float64)
    transposed = c.shape[0] > c.shape[1]
    if transposed:
        c = c.T
    n, m = c.shape
    if n == 0:
        return []
    inf = float("inf")
    u = [0.0] * (n + 1)
    v = [0.0] * (m + 1)
    p = [0] * (m + 1)  # p[j]: row (1-based) assigned to column j
    way = [0] * (m + 1)
    for i in range(1, n + 1):
        p[0] = i
        j0 = 0
        minv = [inf] * (m + 1)
        used = [False] * (m + 1)
        while True:
            used[j0] = True
            i0 = p[j0]
            delta = inf
            j1 = 0
            row = c[i0 - 1]
            for j in range(1, m + 1):
                if not used[j]:
                    cur = row[j - 1] - u[i0] - v[j]
                    if cur < minv[j]:
                        minv[j] = cur
                        way[j] = j0
                    if minv[j] < delta:
                        delta = minv[j]
                        j1 = j
            for j in range(m + 1):
                if used[j]:
                    u[p[j]] += delta
                    v[j] -= delta
                else:
                    minv[j] -= delta
            j0 = j1
            if p[j0] == 0:
                break
        while True:
            j1 = way[j0]
            p[j0] = p[j1]
            j0 = j1
            if j0 == 0:
                break
    pairs = [(p[j] - 1, j - 1) for j in range(1, m + 1) if p[j] != 0]
    if transposed:
        pairs = [(b, a) for a, b in pairs]
    return sorted(pairs)


@dataclass(frozen=True, slots=True)
class MotMetrics:
    """Tracking quality against ground truth (see the module docstring for definitions).

    Attributes:
        frames: frames evaluated (those in the GT).
        gt_boxes: GT boxes on those frames.
        gt_ids: GT identities.
        track_boxes: tracker boxes on those frames.
        track_ids: distinct tracker ids on those frames.
        matched_track_ids: distinct tracker ids matched to some GT object.
        tp: matched boxes; fp: unmatched tracker boxes; fn: unmatched GT boxes.
        id_switches: ID switches.
        fragmentations: interruptions of tracked GT trajectories.
        mota: MOTA; motp: mean IoU of matches.
        idf1, idp, idr: identity F1, precision, recall.
        mostly_tracked: GT ids matched on ≥ 80 % of their frames; mostly_lost: on < 20 %.
        tracks_per_person: matched_track_ids / gt_ids.
        switches: every ID switch as ``(frame, gt id, track id before, track id after)``.
    """

    frames: int
    gt_boxes: int
    gt_ids: int
    track_boxes: int
    track_ids: int
    matched_track_ids: int
    tp: int
    fp: int
    fn: int
    id_switches: int
    fragmentations: int
    mota: float
    motp: float
    idf1: float
    idp: float
    idr: float
    mostly_tracked: int
    mostly_lost: int
    tracks_per_person: float
    switches: tuple[tuple[int, int, int, int], ...] = ()

    def table(self) -> str:
        """The metrics as an aligned text table (what ``storesight eval-tracking`` prints)."""
        rows = [
            ("IDF1", f"{self.idf1:.3f}"),
            ("IDP / IDR", f"{self.idp:.3f} / {self.idr:.3f}"),
            ("MOTA", f"{self.mota:.3f}"),
            ("MOTP (IoU)", f"{self.motp:.3f}"),
            ("ID switches", str(self.id_switches)),
            ("fragmentations", str(self.fragmentations)),
            ("FP / FN", f"{self.fp} / {self.fn}"),
            ("GT ids / boxes / frames", f"{self.gt_ids} / {self.gt_boxes} / {self.frames}"),
            ("track ids matched / seen", f"{self.matched_track_ids} / {self.track_ids}"),
            ("tracks per person", f"{self.tracks_per_person:.2f}"),
            ("mostly tracked / lost", f"{self.mostly_tracked} / {self.mostly_lost}"),
        ]
        w = max(len(k) for k, _ in rows)
        return "\n".join(f"{k:<{w}}  {v}" for k, v in rows)


def evaluate(gt: MotFrames, hyp: MotFrames, iou: float = 0.5) -> MotMetrics:
    """Score tracker output against ground truth on the frames the GT labels.

    Args:
        gt: ground truth (:func:`read_mot`).
        hyp: tracker output.
        iou: minimum IoU for a box to count as the same object.

    Returns:
        The metrics.

    Example:
        >>> g = {1: (np.array([1]), np.array([[0.0, 0, 10, 10]]))}
        >>> evaluate(g, g).idf1
        1.0
    """
    frames = sorted(gt)
    empty = (np.zeros(0, np.int64), np.zeros((0, 4)))
    last_match: dict[int, int] = {}  # gt id -> track id it was last matched to
    prev_pairs: dict[int, int] = {}  # gt id -> track id matched on the previous evaluated frame
    tracked_state: dict[int, bool] = {}
    gt_frames: dict[int, int] = {}
    gt_matched_frames: dict[int, int] = {}
    pair_overlap: dict[tuple[int, int], int] = {}
    gt_count: dict[int, int] = {}
    hyp_count: dict[int, int] = {}
    matched_hyp: set[int] = set()
    tp = fp = fn = sw = frag = 0
    switches: list[tuple[int, int, int, int]] = []
    iou_sum = 0.0
    n_gt = n_hyp = 0
    for f in frames:
        gid, gbox = gt[f]
        hid, hbox = hyp.get(f, empty)
        n_gt += len(gid)
        n_hyp += len(hid)
        ious = iou_matrix(gbox, hbox)
        ok = ious >= iou
        for gi, g in enumerate(gid.tolist()):
            gt_count[g] = gt_count.get(g, 0) + 1
            gt_frames[g] = gt_frames.get(g, 0) + 1
            for hj in np.flatnonzero(ok[gi]).tolist():
                key = (g, int(hid[hj]))
                pair_overlap[key] = pair_overlap.get(key, 0) + 1
        for h in hid.tolist():
            hyp_count[h] = hyp_count.get(h, 0) + 1
        # CLEAR MOT: keep last frame's matches that still pass the gate, then assign the rest.
        matches: list[tuple[int, int]] = []
        free_g = set(range(len(gid)))
        free_h = set(range(len(hid)))
        hpos = {int(h): j for j, h in enumerate(hid.tolist())}
        for gi, g in enumerate(gid.tolist()):
            h = prev_pairs.get(g)
            if h is not None and h in hpos and hpos[h] in free_h and ok[gi, hpos[h]]:
                matches.append((gi, hpos[h]))
                free_g.discard(gi)
                free_h.discard(hpos[h])
        rg, rh = sorted(free_g), sorted(free_h)
        if rg and rh:
            sub = np.where(ok[np.ix_(rg, rh)], 1.0 - ious[np.ix_(rg, rh)], 1e6)
            for a, b in linear_assignment(sub):
                if sub[a, b] < 1e6:
                    matches.append((rg[a], rh[b]))
        cur: dict[int, int] = {}
        for gi, hj in matches:
            g, h = int(gid[gi]), int(hid[hj])
            cur[g] = h
            iou_sum += float(ious[gi, hj])
            matched_hyp.add(h)
            if g in last_match and last_match[g] != h:
                sw += 1
                switches.append((f, g, last_match[g], h))
            last_match[g] = h
            gt_matched_frames[g] = gt_matched_frames.get(g, 0) + 1
        for g in gid.tolist():
            now = g in cur
            if now and tracked_state.get(g) is False:
                frag += 1
            if now or g in tracked_state:
                tracked_state[g] = now
        tp += len(matches)
        fp += len(hid) - len(matches)
        fn += len(gid) - len(matches)
        prev_pairs = cur
    # IDF1: one-to-one GT id <-> track id maximising co-occurring matches.
    gids = sorted(gt_count)
    hids = sorted(hyp_count)
    idtp = 0
    if gids and hids:
        w = np.zeros((len(gids), len(hids)))
        gi_of = {g: i for i, g in enumerate(gids)}
        hj_of = {h: j for j, h in enumerate(hids)}
        for (g, h), n in pair_overlap.items():
            w[gi_of[g], hj_of[h]] = n
        idtp = int(sum(w[a, b] for a, b in linear_assignment(-w)))
    idp = idtp / n_hyp if n_hyp else 0.0
    idr = idtp / n_gt if n_gt else 0.0
    idf1 = 2 * idtp / (n_gt + n_hyp) if (n_gt + n_hyp) else 0.0
    ratio = {g: gt_matched_frames.get(g, 0) / gt_frames[g] for g in gt_frames}
    return MotMetrics(
        frames=len(frames),
        gt_boxes=n_gt,
        gt_ids=len(gids),
        track_boxes=n_hyp,
        track_ids=len(hids),
        matched_track_ids=len(matched_hyp),
        tp=tp,
        fp=fp,
        fn=fn,
        id_switches=sw,
        fragmentations=frag,
        mota=1.0 - (fn + fp + sw) / n_gt if n_gt else 0.0,
        motp=iou_sum / tp if tp else 0.0,
        idf1=idf1,
        idp=idp,
        idr=idr,
        mostly_tracked=sum(1 for r in ratio.values() if r >= 0.8),
        mostly_lost=sum(1 for r in ratio.values() if r < 0.2),
        tracks_per_person=len(matched_hyp) / len(gids) if gids else 0.0,
        switches=tuple(switches),
    )
