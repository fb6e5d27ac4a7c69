"""Roles from evidence over time: torso colours, the uniform, staff zones, classifier, employee links."""

from __future__ import annotations

import numpy as np
import pytest

from analytics.roles import (
    FEATURES,
    HUE_BINS,
    EmployeeMatch,
    RoleMap,
    RoleResolver,
    RoleSettings,
    UniformModel,
    colour_histogram,
    crop_features,
    torso_boxes,
    uniform_similarity,
)
from analytics.types import Detections

RED = (40, 40, 200)  # BGR
NAVY = (40, 18, 15)  # dark: reads as near black, as in the demo video
BLACK = (20, 20, 20)
BLUE = (200, 120, 40)
GREY = (128, 128, 128)


def person(
    torso: tuple[int, int, int], *, legs: tuple[int, int, int] = (110, 80, 60), h: int = 100
) -> np.ndarray:
    """A person crop: skin-ish head, a torso colour, jeans."""
    w = h // 2
    img = np.full((h, w, 3), GREY, np.uint8)
    img[: h // 6, w // 3 : 2 * w // 3] = (120, 150, 200)
    img[h // 6 : h // 2, :] = torso
    img[h // 2 :, w // 5 : 4 * w // 5] = legs
    return img


def red_navy_jacket(h: int = 100) -> np.ndarray:
    """Red shoulders, navy body: the demo video's jacket."""
    img = person(NAVY, h=h)
    img[h // 6 : h // 3, :] = RED
    return img


def scene(
    people: list[tuple[np.ndarray, int]], size: tuple[int, int] = (400, 600)
) -> tuple[np.ndarray, Detections]:
    """Paste person crops side by side into a grey frame; returns it and their detections (ids given)."""
    frame = np.full((*size, 3), GREY, np.uint8)
    boxes, ids = [], []
    x = 10
    for img, tid in people:
        h, w = img.shape[:2]
        frame[50 : 50 + h, x : x + w] = img
        boxes.append([x, 50, x + w, 50 + h])
        ids.append(tid)
        x += w + 20
    dets = Detections(xyxy=boxes, confidence=[0.9] * len(boxes), class_id=[0] * len(boxes), tracker_id=ids)
    return frame, dets


# --- torso and colours -------------------------------------------------------------------------


def test_torso_is_a_box_band_without_keypoints_and_the_shoulders_and_hips_with_them() -> None:
    d = Detections(xyxy=[[100, 0, 150, 200], [0, 0, 50, 100]], confidence=[1, 1], class_id=[0, 0])
    assert torso_boxes(d).tolist() == [[110.0, 40.0, 140.0, 100.0], [10.0, 20.0, 40.0, 50.0]]
    kp = np.zeros((2, 17, 3), np.float32)
    # first person: shoulders at y=50 (x 110, 140), hips at y=130 → torso 110..140 x 50..130, shrunk 15 %
    kp[0, 5], kp[0, 6], kp[0, 11], kp[0, 12] = (
        (110, 50, 0.9),
        (140, 50, 0.9),
        (112, 130, 0.9),
        (138, 130, 0.9),
    )
    kp[1, 5] = (10, 20, 0.1)  # second: not visible enough → the box band
    with_kp = Detections(xyxy=d.xyxy, confidence=[1, 1], class_id=[0, 0], keypoints=kp)
    got = torso_boxes(with_kp)
    assert got[0].tolist() == pytest.approx([114.5, 62.0, 135.5, 118.0])
    assert got[1].tolist() == [10.0, 20.0, 40.0, 50.0]


@pytest.mark.parametrize(
    ("colour", "expected_bin"),
    [
        (RED, HUE_BINS + 0),  # saturated red: hue bin 0, high saturation
        ((20, 20, 20), FEATURES - 3),  # near black: dark grey bin
        ((128, 128, 128), FEATURES - 2),  # grey: mid bin
        ((235, 235, 235), FEATURES - 1),  # white: bright bin
        ((40, 200, 40), HUE_BINS + 4),  # green (hue 60 of 180 → bin 4)
        ((200, 120, 40), HUE_BINS + 7),  # blue-ish (hue ≈ 104 → bin 7)
    ],
)
def test_colour_histogram_bins(colour: tuple[int, int, int], expected_bin: int) -> None:
    img = np.full((10, 10, 3), colour, np.uint8)
    h = colour_histogram(img, (0, 0, 10, 10))
    assert h.shape == (FEATURES,) and h.sum() == pytest.approx(1.0)
    assert int(h.argmax()) == expected_bin and h.max() == pytest.approx(1.0)


def test_colour_histogram_of_an_empty_or_outside_region_is_zero() -> None:
    img = np.zeros((10, 10, 3), np.uint8)
    assert not colour_histogram(img, (20, 20, 30, 30)).any()
    assert not colour_histogram(img, (5, 5, 5, 5)).any()


@pytest.mark.parametrize(
    ("torso", "example", "low", "high"),
    [
        (red_navy_jacket(), red_navy_jacket(), 0.9, 1.0),  # the uniform itself
        (person(RED), red_navy_jacket(), 0.9, 1.0),  # all red: has all of the uniform's colour
        (person(BLACK), red_navy_jacket(), 0.0, 0.05),  # a black coat: none of it
        (person(BLUE), red_navy_jacket(), 0.0, 0.05),  # another colour
        (person(NAVY), person((230, 230, 230)), 0.0, 0.1),  # grey uniform (white coat): whole histogram
        (person((230, 230, 230)), person((230, 230, 230)), 0.9, 1.0),
    ],
)
def test_uniform_similarity(torso: np.ndarray, example: np.ndarray, low: float, high: float) -> None:
    sim = uniform_similarity(crop_features(torso), [crop_features(example)])
    assert sim.shape == (1, 1)
    assert low <= float(sim[0, 0]) <= high


def test_uniform_model_scores_and_employee_of_best_example() -> None:
    model = UniformModel.from_crops([red_navy_jacket(), person(BLUE)], employee_ids=[None, 42])
    assert model.match(crop_features(person(RED))).score == 1.0
    assert model.match(crop_features(person(BLUE))).employee_id == 42
    assert model.match(crop_features(person(BLACK))).score == -1.0
    with pytest.raises(ValueError, match="histograms"):
        UniformModel(np.zeros((0, FEATURES)))
    with pytest.raises(ValueError, match="empty"):
        UniformModel(np.zeros((2, FEATURES)))


# --- the resolver ------------------------------------------------------------------------------


def run(resolver: RoleResolver, frames: list[tuple[np.ndarray, Detections, float]]) -> list[RoleMap]:
    return [resolver.update(d, ts, image=img).roles for img, d, ts in frames]


def test_uniform_makes_staff_and_other_colours_customers() -> None:
    img, dets = scene([(red_navy_jacket(), 1), (person(BLACK), 2), (person(BLUE), 3)])
    resolver = RoleResolver(uniform=UniformModel.from_crops([red_navy_jacket(h=160)]))
    roles = run(resolver, [(img, dets, 0.25 * k) for k in range(12)])[-1]
    assert dict(roles) == {1: "staff", 2: "customer", 3: "customer"}
    d1 = roles.decision(1)
    assert d1 is not None and d1.confidence > 0.9 and d1.evidence.uniform_samples == 6  # 3 s / 0.5 s
    assert d1.evidence.uniform_similarity == pytest.approx(1.0, abs=0.05)


@pytest.mark.parametrize("fps", [2.0, 5.0, 25.0])
def test_evidence_is_sampled_by_time_not_by_frames(fps: float) -> None:
    """The same 3 seconds give the same number of samples and the same confidence at any frame rate."""
    img, dets = scene([(red_navy_jacket(), 1)])
    resolver = RoleResolver(
        RoleSettings(sample_interval=0.5), uniform=UniformModel.from_crops([red_navy_jacket()])
    )
    n = int(3.0 * fps)
    roles = run(resolver, [(img, dets, k / fps) for k in range(n)])[-1]
    d = roles.decision(1)
    assert d is not None and d.evidence.uniform_samples == 6
    assert d.confidence == pytest.approx(0.981, abs=0.005)


def test_no_cue_no_role() -> None:
    img, dets = scene([(person(BLACK), 1)])
    roles = run(RoleResolver(), [(img, dets, 0.5 * k) for k in range(10)])[-1]
    assert dict(roles) == {1: "unknown"} and roles.decision(1).confidence == 0.0  # type: ignore[union-attr]


def test_staff_zone_needs_the_configured_time_inside() -> None:
    counter = {"counter": [(0, 0), (300, 0), (300, 400), (0, 400)]}
    resolver = RoleResolver(RoleSettings(zone_seconds=2.0), staff_zones=counter)
    inside = Detections(xyxy=[[50, 100, 100, 200]], confidence=[1], class_id=[0], tracker_id=[5])
    outside = Detections(xyxy=[[350, 100, 400, 200]], confidence=[1], class_id=[0], tracker_id=[5])
    seq = (
        [(inside, t) for t in (0.0, 0.5, 1.0)]
        + [(outside, 1.5)]
        + [(inside, t) for t in (2.0, 2.5, 3.0, 3.5, 4.0)]
    )
    got = [resolver.update(d, ts).roles[5] for d, ts in seq]
    # 1 s inside, out, in again: time inside adds up (from the second sighting of each stay) to 2 s at t=3
    assert got == ["unknown"] * 6 + ["staff"] * 3
    d = resolver.get(5)
    assert d is not None and d.evidence.zone_seconds == pytest.approx(3.0) and d.evidence.zone == 6.0


def test_classifier_probabilities_are_a_cue() -> None:
    dets = Detections(
        xyxy=[[0, 0, 10, 20], [20, 0, 30, 20]], confidence=[1, 1], class_id=[0, 0], tracker_id=[1, 2]
    )
    resolver = RoleResolver(RoleSettings(classifier_weight=3.0, classifier_samples=3))
    for k in range(4):
        out = resolver.update(dets, 2.0 * k, classifier={1: 0.97, 2: 0.04})
    assert dict(out.roles) == {1: "staff", 2: "customer"}
    ev = out.roles.decision(1).evidence  # type: ignore[union-attr]
    assert ev.classifier_samples == 4 and ev.classifier_p == pytest.approx(0.97)
    # one lukewarm opinion is not enough
    weak = RoleResolver().update(dets, 0.0, classifier={1: 0.7})
    assert weak.roles[1] == "unknown"


def test_employee_match_makes_staff_and_links_the_employee() -> None:
    dets = Detections(
        xyxy=[[0, 0, 10, 20], [20, 0, 30, 20]], confidence=[1, 1], class_id=[0, 0], tracker_id=[1, 2]
    )
    resolver = RoleResolver()
    out = resolver.update(dets, 0.0, matches={1: EmployeeMatch(7, 0.9), 2: EmployeeMatch(8, 0.3)})
    assert out.roles[1] == "staff" and out.roles.decision(1).employee_id == 7  # type: ignore[union-attr]
    assert out.roles[2] == "unknown" and out.roles.decision(2).employee_id is None  # type: ignore[union-attr]


def test_staff_at_an_assigned_workstation_is_linked_to_that_employee() -> None:
    img, dets = scene([(red_navy_jacket(), 1), (red_navy_jacket(), 2)])
    till = {"till": ([(0, 0), (60, 0), (60, 400), (0, 400)], 11)}  # only the first person stands there
    resolver = RoleResolver(uniform=UniformModel.from_crops([red_navy_jacket()]), workstations=till)
    roles = run(resolver, [(img, dets, 0.5 * k) for k in range(6)])[-1]
    assert dict(roles) == {1: "staff", 2: "staff"}
    assert roles.decision(1).employee_id == 11 and roles.decision(2).employee_id is None  # type: ignore[union-attr]


def test_an_employees_own_uniform_links_the_track() -> None:
    img, dets = scene([(person(RED), 1), (person(BLUE), 2), (person(BLACK), 3)])
    model = UniformModel.from_crops([person(RED), person(BLUE)], employee_ids=[5, 6])
    roles = run(RoleResolver(uniform=model), [(img, dets, 0.5 * k) for k in range(6)])[-1]
    assert [(roles[t], roles.decision(t).employee_id) for t in (1, 2, 3)] == [  # type: ignore[union-attr]
        ("staff", 5),
        ("staff", 6),
        ("customer", None),
    ]


def test_an_id_switch_turns_a_decided_role_back_to_unknown() -> None:
    """A track that was a red jacket and becomes a black coat (the tracker swapped two people)."""
    model = UniformModel.from_crops([red_navy_jacket()])
    red, dets = scene([(red_navy_jacket(), 1)])
    black, _ = scene([(person(BLACK), 1)])
    resolver = RoleResolver(uniform=model)
    seq = [(red, dets, 0.5 * k) for k in range(6)] + [(black, dets, 3.0 + 0.5 * k) for k in range(8)]
    roles = [r[1] for r in run(resolver, seq)]
    assert roles[:6] == ["staff"] * 6
    assert roles[-1] == "unknown" and "customer" not in roles  # evidence is even now: not sure either way
    d = resolver.get(1)
    assert d is not None and d.decided_ts is None and d.confidence == 0.0


def test_tracks_end_after_forget_after_and_flush_closes_the_rest() -> None:
    img, both = scene([(red_navy_jacket(), 1), (person(BLACK), 2)])
    resolver = RoleResolver(
        RoleSettings(forget_after=2.0), uniform=UniformModel.from_crops([red_navy_jacket()])
    )
    resolver.update(both, 0.0, image=img)
    only2 = both[both.tracker_id == 2]
    out = resolver.update(only2, 1.0, image=img)
    assert out.ended == () and set(out.roles) == {1, 2}  # track 1 is not seen but still open
    out = resolver.update(only2, 2.5, image=img)
    assert [r.track_id for r in out.ended] == [1] and out.ended[0].role == "staff"
    assert set(out.roles) == {1, 2}  # the ended decision is still readable in this frame
    assert set(resolver.update(only2, 3.0, image=img).roles) == {2}
    final = resolver.flush()
    assert [(r.track_id, r.role, r.last_ts) for r in final] == [(2, "customer", 3.0)] and len(resolver) == 0


def test_role_map_is_a_read_only_mapping() -> None:
    resolver = RoleResolver(staff_zones={"z": [(0, 0), (10, 0), (10, 10)]})
    out = resolver.update(Detections(xyxy=[[0, 0, 4, 4]], confidence=[1], class_id=[2], tracker_id=[1]), 0.0)
    assert dict(out.roles) == {} and len(out.roles) == 0  # cars are not classified
    assert RoleMap().get(3, "unknown") == "unknown"
    evidence = resolver.update(
        Detections(xyxy=[[0, 0, 4, 4]], confidence=[1], class_id=[0], tracker_id=[1]), 0.0
    ).roles.decision(1)
    assert evidence is not None and set(evidence.evidence.as_dict()) >= {"p_staff", "uniform", "staff_zone"}


def test_identify_tells_a_red_coat_from_a_red_and_navy_jacket() -> None:
    """Both wear red; only a symmetric likeness tells who is who (the red coat contains the jacket's red)."""
    model = UniformModel.from_crops([red_navy_jacket(), person(RED)], employee_ids=[1, 2])
    feats = [
        crop_features(red_navy_jacket(h=140)),
        crop_features(person(RED, h=80)),
        crop_features(person(BLACK)),
    ]
    assert model.identify(feats) == [1, 2, None]
    twins = UniformModel.from_crops([person(RED), person(RED)], employee_ids=[1, 2])
    assert twins.identify([crop_features(person(RED))]) == [None]  # identical uniforms: nobody in particular
    assert UniformModel.from_crops([person(RED)]).identify([crop_features(person(RED))]) == [None]


def test_a_track_whose_colours_change_is_split_into_segments_with_their_own_roles() -> None:
    """The tracker follows the man in red, then switches to a man in a blue jacket: two segments."""
    model = UniformModel.from_crops([red_navy_jacket()])
    red, dets = scene([(red_navy_jacket(), 1)])
    blue, _ = scene([(person(BLUE), 1)])
    resolver = RoleResolver(uniform=model)
    ended = []
    roles = []
    for img, ts in [(red, 0.5 * k) for k in range(6)] + [(blue, 3.0 + 0.5 * k) for k in range(8)]:
        out = resolver.update(dets, ts, image=img)
        ended += out.ended
        roles.append(out.roles[1])
    assert roles[:6] == ["staff"] * 6 and roles[-1] == "customer"
    assert [(r.segment, r.role, r.first_ts, r.last_ts) for r in ended] == [(0, "staff", 0.0, 3.0)]
    current = resolver.get(1)
    assert current is not None and current.segment == 1 and current.first_ts == 3.5
    assert [(r.segment, r.role) for r in resolver.flush()] == [(1, "customer")]


def test_a_steady_track_is_not_split() -> None:
    img, dets = scene([(red_navy_jacket(), 1), (person(BLACK), 2)])
    resolver = RoleResolver(uniform=UniformModel.from_crops([red_navy_jacket()]))
    ended = [e for k in range(20) for e in resolver.update(dets, 0.5 * k, image=img).ended]
    assert ended == [] and {r.segment for r in resolver.flush()} == {0}


def test_segment_decisions_keep_their_colours() -> None:
    img, dets = scene([(red_navy_jacket(), 1)])
    resolver = RoleResolver(uniform=UniformModel.from_crops([red_navy_jacket()]))
    for k in range(4):
        resolver.update(dets, 0.5 * k, image=img)
    (final,) = resolver.flush()
    assert final.colours is not None and final.colours.shape == (FEATURES,)
    assert float(final.colours.sum()) == pytest.approx(1.0, abs=1e-4)
