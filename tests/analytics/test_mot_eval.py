"""MOT metrics on hand-built cases whose numbers are worked out by hand, and on the committed labels."""

from pathlib import Path

import numpy as np
import pytest

from analytics.mot_eval import MotFormatError, evaluate, linear_assignment, read_mot

TRUTH = Path(__file__).resolve().parents[1] / "data" / "tracking" / "vtest_gt.txt"


def _frames(rows: list[tuple[int, int, float]]) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """(frame, id, x) rows of 10x20 boxes at x."""
    out: dict[int, list[tuple[int, float]]] = {}
    for f, i, x in rows:
        out.setdefault(f, []).append((i, x))
    return {
        f: (np.array([i for i, _ in r]), np.array([[x, 0, x + 10, 20] for _, x in r], dtype=float))
        for f, r in out.items()
    }


def test_perfect_tracking_scores_one() -> None:
    gt = _frames([(f, 1, f) for f in range(1, 6)] + [(f, 2, 50 + f) for f in range(1, 6)])
    hyp = _frames([(f, 7, f) for f in range(1, 6)] + [(f, 9, 50 + f) for f in range(1, 6)])
    m = evaluate(gt, hyp)
    assert (m.idf1, m.mota, m.id_switches, m.fragmentations, m.tracks_per_person) == (1.0, 1.0, 0, 0, 1.0)


def test_swap_of_two_people_at_a_crossing() -> None:
    # A walks right, B walks left; the tracker swaps their ids at frame 4 (of 6).
    gt = _frames([(f, 1, 10 * f) for f in range(1, 7)] + [(f, 2, 70 - 10 * f) for f in range(1, 7)])
    hyp = _frames(
        [(f, 5 if f < 4 else 6, 10 * f) for f in range(1, 7)]
        + [(f, 6 if f < 4 else 5, 70 - 10 * f) for f in range(1, 7)]
    )
    m = evaluate(gt, hyp)
    assert m.id_switches == 2
    # best one-to-one: 1<->5 (3 frames), 2<->6 (3 frames): IDTP 6 of 12 + 12 boxes
    assert m.idf1 == pytest.approx(0.5)
    assert m.mota == pytest.approx(1 - 2 / 12)
    assert m.fragmentations == 0
    # each switch is listed: (frame, GT id, track before, track after)
    assert m.switches == ((4, 1, 5, 6), (4, 2, 6, 5))


def test_fragment_new_id_after_a_gap() -> None:
    # one person, missed on frame 3, re-found under a new id
    gt = _frames([(f, 1, 0) for f in range(1, 6)])
    hyp = _frames([(1, 3, 0), (2, 3, 0), (4, 4, 0), (5, 4, 0)])
    m = evaluate(gt, hyp)
    assert (m.fn, m.fp, m.id_switches, m.fragmentations) == (1, 0, 1, 1)
    assert m.idf1 == pytest.approx(2 * 2 / (5 + 4))
    assert m.tracks_per_person == 2.0


def test_false_positive_and_low_iou() -> None:
    gt = _frames([(1, 1, 0)])
    hyp = _frames([(1, 8, 6), (1, 9, 100)])  # IoU 4/16 = 0.25 < 0.5: no match
    m = evaluate(gt, hyp)
    assert (m.tp, m.fp, m.fn, m.idf1) == (0, 2, 1, 0.0)
    assert evaluate(gt, hyp, iou=0.2).tp == 1


def test_only_labelled_frames_count() -> None:
    gt = _frames([(1, 1, 0), (21, 1, 0)])
    hyp = _frames([(f, 4, 0) for f in range(1, 30)])
    m = evaluate(gt, hyp)
    assert (m.track_boxes, m.idf1) == (2, 1.0)


def test_hungarian_matches_brute_force() -> None:
    from itertools import permutations

    rng = np.random.default_rng(3)
    for n, k in [(3, 3), (4, 6), (6, 4), (5, 5)]:
        c = rng.random((n, k))
        got = sum(c[a, b] for a, b in linear_assignment(c))
        if n <= k:
            best = min(sum(c[i, p[i]] for i in range(n)) for p in permutations(range(k), n))
        else:
            best = min(sum(c[p[j], j] for j in range(k)) for p in permutations(range(n), k))
        assert got == pytest.approx(best)


def test_bad_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("1,2,3\n")
    with pytest.raises(MotFormatError, match=r"bad\.txt:1"):
        read_mot(bad)
    with pytest.raises(MotFormatError, match="cannot read"):
        read_mot(tmp_path / "missing.txt")


def test_committed_truth_is_consistent() -> None:
    gt = read_mot(TRUTH)
    assert set(range(150, 181)) | set(range(690, 721)) <= set(gt) and len(gt) == 100
    for ids, _ in gt.values():
        assert len(set(ids.tolist())) == len(ids)  # one box per person per frame
    assert evaluate(gt, gt).idf1 == 1.0


def test_a_tracker_file_keeps_rows_of_confidence_zero_a_truth_file_drops_them(tmp_path: Path) -> None:
    """StoreSight writes 0 as the confidence of a hidden track's interpolated box; in GT files 0 = ignore."""
    p = tmp_path / "t.txt"
    p.write_text("1,1,0,0,10,20,0.9,-1,-1,-1\n1,2,20,0,10,20,0.000,-1,-1,-1\n")
    assert read_mot(p)[1][0].tolist() == [1]
    assert read_mot(p, truth=False)[1][0].tolist() == [1, 2]
