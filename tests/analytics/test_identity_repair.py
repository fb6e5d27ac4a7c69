"""Fixed-lag identity repair on hand-built tracks (10 Hz unless said otherwise)."""

from __future__ import annotations

import numpy as np
import pytest

from analytics.identity_repair import LagRepair, Released, RepairSettings, released_tracks


def box(x: float, y: float = 100.0, w: float = 20.0, h: float = 50.0) -> list[float]:
    return [x, y, x + w, y + h]


def replay(rep: LagRepair, frames: list[tuple[float, list[int], list[list[float]]]],
           looks: list[list[list[float]]] | None = None) -> list[Released]:
    """Push ``(ts, ids, boxes)`` frames (ids None: a frame that was not analysed), then flush."""
    out: list[Released] = []
    for i, (ts, ids, boxes) in enumerate(frames):
        feats = None if looks is None or ids is None else np.asarray(looks[i], np.float64)
        arr = None if ids is None else np.asarray(ids, np.int64)
        out += rep.push(ts, arr, None if ids is None else np.asarray(boxes, np.float64).reshape(-1, 4), i, feats)
    return out + rep.flush()


def by_frame(released: list[Released]) -> dict[int, list[int]]:
    return {r.payload: ([] if r.ids is None else r.ids.tolist()) for r in released}


def flip_and_return() -> list[tuple[float, list[int], list[list[float]]]]:
    """Person B (id 1) walks right; A (id 2) stands at x=300. At frames 3-4 B is hidden and A's track takes
    B's box (on B's path, far from A's own place); at frame 5 both are back on their own people."""
    frames = []
    for k in range(10):
        b = box(100 + 10 * k)
        if k in (3, 4):
            frames.append((k / 10, [2], [b]))  # A's id on B's box; A's own person is not detected
        else:
            frames.append((k / 10, [1, 2], [b, box(300)]))
    return frames


def test_a_flip_and_return_is_given_back_to_the_hidden_track() -> None:
    got = by_frame(replay(LagRepair(0.8, RepairSettings(appearance_weight=0.0)), flip_and_return()))
    assert got[3] == [1] and got[4] == [1]  # B's box is B's; A simply has a gap there
    assert all(got[k] == [1, 2] for k in (0, 1, 2, 5, 6, 7, 8, 9))
    # the lag must cover the gap: with 0.1 s, frame 3 left before B came back, so frame 4 is not mended
    # either (half a repair would be a third switch)
    short = by_frame(replay(LagRepair(0.1, RepairSettings(appearance_weight=0.0)), flip_and_return()))
    assert short[3] == [2] and short[4] == [2]


def test_a_gap_that_starts_before_the_buffer_is_repaired_from_the_last_released_box() -> None:
    """Lag 0.25 s: B's last box (frame 2) has left the buffer when B comes back at frame 6."""
    frames = []
    for k in range(9):
        b = box(100 + 10 * k)
        frames.append((k / 10, [2], [b]) if k in (3, 4, 5) else (k / 10, [1, 2], [b, box(300)]))
    rep = LagRepair(0.25, RepairSettings(appearance_weight=0.0))
    got = by_frame(replay(rep, frames))
    assert [got[k] for k in (3, 4, 5)] == [[1], [1], [1]] and rep.moved == 3


def test_a_walker_crossing_in_front_of_a_hidden_person_keeps_their_box() -> None:
    """B (id 1) stands at x=140; A (id 2) walks left from x=200 and passes in front of B, who is hidden at
    frames 5-6 (A's boxes lie on B's place there, but also on A's own path)."""
    frames = []
    for k in range(10):
        a = box(200 - 10 * k)
        frames.append((k / 10, [2], [a]) if k in (5, 6) else (k / 10, [1, 2], [box(140), a]))
    got = by_frame(replay(LagRepair(0.8, RepairSettings(appearance_weight=0.0)), frames))
    assert got[5] == [2] and got[6] == [2]
    # what guards it is A's own path: without the margin over it, frame 6 (on both paths) would move
    unguarded = RepairSettings(appearance_weight=0.0, margin=0.0)
    assert by_frame(replay(LagRepair(0.8, unguarded), frames))[6] == [1]
    # with looks: the box looks like A, not like B: stays A's as well
    looks = [[[1.0, 0.0]] if k in (5, 6) else [[0.0, 1.0], [1.0, 0.0]] for k in range(10)]
    got = by_frame(replay(LagRepair(0.8), frames, looks))
    assert got[5] == [2] and got[6] == [2]


def test_looks_decide_when_the_paths_do_not() -> None:
    """A merged box on both tracks' paths: it goes to the track it looks like."""
    frames, looks = [], []
    for k in range(8):
        b, a = box(100 + 10 * k), box(180 - 10 * k)  # they meet at k = 4
        if k in (3, 4, 5):
            frames.append((k / 10, [2], [box(140)]))  # one merged box, A's id on it
        else:
            frames.append((k / 10, [1, 2], [b, a]))
        looks.append([[1.0, 0.0, 0.0]] if k in (3, 4, 5) else [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    assert by_frame(replay(LagRepair(0.8), frames, looks))[4] == [1]  # looks like B
    b_like_a = [[[0.0, 1.0, 0.0]] if k in (3, 4, 5) else v for k, v in enumerate(looks)]
    assert by_frame(replay(LagRepair(0.8), frames, b_like_a))[4] == [2]  # looks like A


def test_two_hidden_tracks_never_get_one_box_and_no_frame_has_an_id_twice() -> None:
    """B (1) and C (3) walk side by side and are both hidden at frames 3-4, where A (2) holds one box on
    both their paths: one of them gets it, the other stays hidden; ids stay unique in every frame."""
    frames = []
    for k in range(9):
        b, c = box(100 + 10 * k), box(104 + 10 * k)
        frames.append((k / 10, [2], [b]) if k in (3, 4) else (k / 10, [1, 3, 2], [b, c, box(300)]))
    out = replay(LagRepair(0.8, RepairSettings(appearance_weight=0.0)), frames)
    for r in out:
        assert len(set(r.ids.tolist())) == len(r.ids)
    got = by_frame(out)
    assert got[3] in ([1], [3]) and got[4] == got[3]


def test_frames_leave_in_order_by_timestamp_and_flush_returns_the_rest() -> None:
    rep = LagRepair(0.5)
    stamps = [0.0, 0.1, 0.15, 0.6, 0.61, 2.0]  # irregular: the lag is in seconds, not frames
    released: list[tuple[int, list[float]]] = []
    for i, ts in enumerate(stamps):
        ids = None if i == 2 else np.array([7])  # frame 2 was not analysed
        out = rep.push(ts, ids, np.array([box(10.0 * i)]), payload=i)
        released.append((i, [r.ts for r in out]))
    assert released == [(0, []), (1, []), (2, []), (3, [0.0, 0.1]), (4, []), (5, [0.15, 0.6, 0.61])]
    rest = rep.flush()
    assert [r.ts for r in rest] == [2.0] and len(rep) == 0 and rep.flush() == []
    every = [0.0, 0.1, 0.15, 0.6, 0.61, 2.0]
    assert sorted(every) == every


def test_lag_zero_passes_every_frame_through_unchanged() -> None:
    rep = LagRepair(0.0)
    for ts, ids, boxes in flip_and_return():
        arr = np.asarray(ids, np.int64)
        (r,) = rep.push(ts, arr, np.asarray(boxes, np.float64), payload=ts)
        assert r.ids is arr and r.ts == ts and r.payload == ts  # the same array: nothing copied or mended
    assert rep.push(1.0, None, None, "skipped")[0].ids is None
    assert rep.flush() == [] and rep.moved == 0


@pytest.mark.parametrize("lag", [0.3, 0.8])
def test_nothing_is_lost_or_duplicated(lag: float) -> None:
    frames = flip_and_return()
    frames.insert(5, (0.45, None, []))  # a frame that was not analysed, between two that were
    out = replay(LagRepair(lag), frames)
    assert [r.payload for r in out] == list(range(len(frames)))
    assert [r.ts for r in out] == sorted(r.ts for r in out)
    assert out[5].ids is None


def test_a_holder_keeps_all_its_gap_boxes_when_one_of_them_is_its_own() -> None:
    """B (id 1) hidden at frames 3-5; A (id 2) holds a box on B's path in all three, but at frame 5 that box
    lies on A's own path too (A walks into B's place): A keeps frames 3, 4 and 5, not just frame 5."""
    frames = []
    for k in range(9):
        b = box(100 + 10 * k)
        if k in (3, 4):
            frames.append((k / 10, [2], [b]))
        elif k == 5:
            frames.append((k / 10, [2], [box(150)]))  # B's place, and where A is at frame 5
        else:
            frames.append((k / 10, [1, 2], [b, box(200 - 10 * k)]))
    rep = LagRepair(0.8, RepairSettings(appearance_weight=0.0))
    got = by_frame(replay(rep, frames))
    assert [got[k] for k in (3, 4, 5)] == [[2], [2], [2]] and rep.moved == 0


RED, BLUE = [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]


def fragment(new_look: list[float], start: float = 100.0, step: float = 10.0,
             frames: int = 16) -> tuple[list[tuple[float, list[int], list[list[float]]]], list[list[list[float]]]]:
    """Person 1 (red) walks right; the tracker loses them at frames 5-7 and starts id 2 at frame 8 where
    they walk on (with ``new_look``); a blue bystander (id 9) stands at x=400 all along."""
    out, looks = [], []
    for k in range(frames):
        me = box(start + step * k)
        if k < 5:
            out.append((k / 10, [1, 9], [me, box(400)]))
            looks.append([RED, BLUE])
        elif k < 8:
            out.append((k / 10, [9], [box(400)]))
            looks.append([BLUE])
        else:
            out.append((k / 10, [2, 9], [me, box(400)]))
            looks.append([new_look, BLUE])
    return out, looks


def test_a_new_track_that_continues_a_lost_one_is_stitched_to_it() -> None:
    frames, looks = fragment(RED)
    rep = LagRepair(0.8)
    got = by_frame(replay(rep, frames, looks))
    assert all(got[k] == [1, 9] for k in range(16) if not 5 <= k < 8) and rep.stitched == 1
    # another look, no looks at all, or a lag of 0: no stitch
    frames, looks = fragment(BLUE)
    assert by_frame(replay(LagRepair(0.8), frames, looks))[15] == [2, 9]
    assert by_frame(replay(LagRepair(0.8), frames))[15] == [2, 9]
    assert by_frame(replay(LagRepair(0.0), *fragment(RED)))[15] == [2, 9]


def test_no_stitch_across_a_long_gap_a_long_way_or_at_the_picture_border() -> None:
    frames, looks = fragment(RED)
    far = [(ts, ids, [b if i != 2 else box(b[0] + 300) for i, b in zip(ids, bx, strict=True)])
           for ts, ids, bx in frames]
    assert by_frame(replay(LagRepair(0.8), far, looks))[15] == [2, 9]  # 300 px away: someone else
    assert by_frame(replay(LagRepair(0.8, RepairSettings(stitch_gap=0.3)), frames, looks))[15] == [2, 9]
    # walking out at the right border (640 px wide) and someone coming in there: two people
    frames, looks = fragment(RED, start=600, step=4)  # x2 636 at frame 4, 652 at frame 8
    rep = LagRepair(0.8)
    rep.frame_size = (640, 360)
    assert by_frame(replay(rep, frames, looks))[15] == [2, 9]
    rep = LagRepair(0.8)  # without the picture's size the border is unknown: stitched
    assert by_frame(replay(rep, frames, looks))[15] == [1, 9]


def test_a_stitch_ends_when_the_lost_track_comes_back_and_no_frame_has_an_id_twice() -> None:
    frames, looks = fragment(RED, frames=24)
    frames[20] = (2.0, [2, 9, 1], [*frames[20][2], box(250)])  # the tracker finds track 1 again elsewhere
    looks[20] = [RED, BLUE, RED]
    out = replay(LagRepair(0.8), frames, looks)
    for r in out:
        assert len(set(r.ids.tolist())) == len(r.ids)
    got = by_frame(out)
    assert got[19] == [1, 9] and got[20] == [2, 9, 1] and got[21] == [2, 9]
    # back while the new track's first frame is still held: no stitch at all
    frames, looks = fragment(RED)
    frames[14] = (1.4, [2, 9, 1], [*frames[14][2], box(250)])
    looks[14] = [RED, BLUE, RED]
    assert by_frame(replay(LagRepair(0.8), frames, looks))[13] == [2, 9]


def test_a_one_frame_gap_where_two_walkers_cross_is_left_alone() -> None:
    """B (1) walks right, A (2) walks left; at frame 4 they meet and the one box is A's (B hidden for one
    frame). Both paths run through it and the box looks a bit more like B: still A's (a one-frame gap)."""
    frames, looks = [], []
    for k in range(9):
        b, a = box(100 + 10 * k), box(180 - 10 * k)
        frames.append((k / 10, [2], [box(140)]) if k == 4 else (k / 10, [1, 2], [b, a]))
        looks.append([[0.9, 0.1, 0.0]] if k == 4 else [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    assert by_frame(replay(LagRepair(0.8), frames, looks))[4] == [2]
    assert by_frame(replay(LagRepair(0.8, RepairSettings(min_frames=1)), frames, looks))[4] == [1]


def test_drain_releases_every_held_frame_but_keeps_the_stitches() -> None:
    """A stalled camera: drain() empties the window and the stitched id goes on when frames come back
    (flush(), the end of a run, forgets it)."""
    frames, looks = fragment(RED)
    rep = LagRepair(0.8)
    out: list[Released] = []
    for i, (ts, ids, boxes) in enumerate(frames[:12]):
        out += rep.push(ts, np.asarray(ids, np.int64), np.asarray(boxes, np.float64).reshape(-1, 4), i,
                        np.asarray(looks[i], np.float64))  # fmt: skip
    out += rep.drain()
    assert len(rep) == 0 and [r.payload for r in out] == list(range(12)) and rep.stitched == 1
    ts, ids, boxes = frames[12]
    (r,) = rep.push(ts + 5.0, np.asarray(ids, np.int64), np.asarray(boxes, np.float64).reshape(-1, 4), 12,
                    np.asarray(looks[12], np.float64)) + rep.drain()  # fmt: skip
    assert r.ids.tolist() == [1, 9]  # still the stitched person's id


def fills(released: list[Released]) -> dict[int, dict[int, list[float]]]:
    """Per frame: hidden track id -> its interpolated box."""
    out: dict[int, dict[int, list[float]]] = {}
    for r in released:
        if r.fill_ids is not None:
            out[r.payload] = {int(t): b.tolist() for t, b in zip(r.fill_ids, r.fill_boxes, strict=True)}
    return out


def test_a_track_hidden_between_two_sightings_gets_its_interpolated_box() -> None:
    """B (id 1) walks right and is not detected at frames 3-5; A (2) stands. B's boxes there lie on the
    line between its frame-2 and frame-6 boxes; frames where B is seen get no fill, and A none at all."""
    frames = [(k / 10, [2], [box(300)]) if k in (3, 4, 5) else (k / 10, [1, 2], [box(100 + 10 * k), box(300)])
              for k in range(10)]
    got = fills(replay(LagRepair(0.8), frames))
    assert sorted(got) == [3, 4, 5]
    for k in (3, 4, 5):
        assert list(got[k]) == [1]
        assert got[k][1] == pytest.approx(box(100 + 10 * k))
    ids, boxes = released_tracks(replay(LagRepair(0.8), frames)[4], np.asarray([box(300)]))
    assert ids.tolist() == [2, 1] and boxes[1] == pytest.approx(box(140))


def test_no_fill_over_a_long_gap_for_a_track_that_does_not_come_back_or_when_off() -> None:
    long_gap = [(k / 10, [2], [box(300)]) if 2 <= k <= 11 else (k / 10, [1, 2], [box(100 + 10 * k), box(300)])
                for k in range(14)]  # B hidden 1.0 s (frames 1 -> 12: 1.1 s apart) > fill_gap 0.8 s
    assert fills(replay(LagRepair(1.5), long_gap)) == {}
    gone = [(k / 10, [1, 2], [box(100 + 10 * k), box(300)]) if k < 3 else (k / 10, [2], [box(300)])
            for k in range(10)]  # B leaves for good
    assert fills(replay(LagRepair(0.8), gone)) == {}
    short = [(k / 10, [2], [box(300)]) if k in (3, 4) else (k / 10, [1, 2], [box(100 + 10 * k), box(300)])
             for k in range(8)]
    assert fills(replay(LagRepair(0.8, RepairSettings(fill_gap=0.0)), short)) == {}
    assert fills(replay(LagRepair(0.0), short)) == {}  # no lag, nothing is held: no fill either


def test_a_fill_needs_the_return_inside_the_held_window() -> None:
    """Lag 0.15 s: frame 3 leaves when frame 5 comes, before B's return at frame 6 (no fill at 3); frames 4
    and 5 leave when frames 6 and 7 come, and B's return is in the buffer then."""
    frames = [(k / 10, [2], [box(300)]) if k in (3, 4, 5) else (k / 10, [1, 2], [box(100 + 10 * k), box(300)])
              for k in range(9)]
    got = fills(replay(LagRepair(0.15), frames))
    assert sorted(got) == [4, 5]


def test_fills_and_flush_never_give_an_id_twice_in_a_frame() -> None:
    rng = np.random.default_rng(3)
    frames = []
    for k in range(120):
        ids = [t for t in range(6) if rng.random() > 0.3]
        frames.append((k / 10, ids, [box(50 * t + k, 100 + 10 * t) for t in ids]))
    for r in replay(LagRepair(0.8), frames):
        ids, _ = released_tracks(r, np.zeros((len(r.ids), 4)))
        assert len(set(ids.tolist())) == len(ids)
