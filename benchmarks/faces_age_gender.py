"""Age and gender on the labelled real faces we have offline (very few: indications only).

The labels are what is publicly known about the people on the pictures in ``tests/data/faces``
(gender; age as a range, since the year each photograph was taken is only approximately known).
Each picture's largest face (the backend's own detector) goes through the backend's
``attributes``; the table shows the estimate, whether the gender is right, and how far the
estimated age falls outside the known range (0 = inside). Pictures can be added on the command line
as ``PATH:GENDER:AGE_LO-AGE_HI`` (e.g. Debian ``opencv-doc``'s ``messi5.jpg:male:20-28``).

Usage: .venv/bin/python benchmarks/faces_age_gender.py [--backend dlib] [--degrade 48] [EXTRA…]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analytics.faces import age_band
from models.faces.registry import create_face_backend

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "faces"

#: file → (gender, youngest, oldest age at the photograph). Sources: tests/data/faces/README.md.
LABELS: dict[str, tuple[str, int, int]] = {
    "obama.jpg": ("male", 47, 55),  # Barack Obama (b. 1961), photographs from his presidency 2009–2017
    "obama2.jpg": ("male", 47, 55),
    "obama3.jpg": ("male", 47, 55),
    "obama_partial_face.jpg": ("male", 47, 55),
    "obama_partial_face2.jpg": ("male", 47, 55),
    "obama4.jpg": ("male", 47, 48),  # the 2009 address to Congress
    "biden.jpg": ("male", 66, 74),  # Joe Biden (b. 1942), vice-presidential photograph 2009–2017
    "grace_hopper.jpg": ("female", 76, 79),  # Grace Hopper (b. 1906), US Navy portrait 1984
    "astronaut.jpg": ("female", 40, 44),  # Eileen Collins (b. 1956), NASA portrait 1998–2000
}


def parse_extra(spec: str) -> tuple[Path, tuple[str, int, int]]:
    """``PATH:GENDER:LO-HI`` → path and label."""
    path, gender, ages = spec.rsplit(":", 2)
    lo, hi = (int(v) for v in ages.split("-"))
    return Path(path), (gender, lo, hi)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--backend", default="dlib", choices=("auto", "dlib", "deepface"))
    ap.add_argument("--degrade", type=int, default=0, help="also shrink each face to N px wide (JPEG q40)")
    ap.add_argument("extra", nargs="*", help="more labelled pictures PATH:GENDER:LO-HI")
    args = ap.parse_args(argv)
    choice = create_face_backend(args.backend)
    backend, reason = choice.backend, choice.reason
    if not backend.has_attributes:
        print(f"{backend.describe()}: no age/gender model — nothing to measure")
        return 4
    items = [(DATA / k, v) for k, v in LABELS.items()] + [parse_extra(s) for s in args.extra]
    print(f"backend: {backend.describe()} ({reason})")
    print(f"load: {os.getloadavg()[0]:.1f}")
    rows = []
    for path, (gender, lo, hi) in items:
        img = cv2.imread(str(path))
        if img is None:
            print(f"cannot read {path}", file=sys.stderr)
            return 3
        variants = [("full", img)]
        if args.degrade:
            faces = backend.detect(img)
            if faces:
                s = args.degrade / max(faces[0].width, 1.0)
                small = cv2.resize(img, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
                _ok, buf = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 40])
                variants.append((f"{args.degrade}px", cv2.imdecode(buf, cv2.IMREAD_COLOR)))
        for tag, im in variants:
            faces = backend.detect(im)
            if not faces:
                rows.append((path.name, tag, gender, lo, hi, None, None, None, 0.0))
                continue
            t0 = time.perf_counter()
            a = backend.attributes(im, faces[:1])[0]
            ms = (time.perf_counter() - t0) * 1000
            rows.append((path.name, tag, gender, lo, hi, a.age, a.gender, a.gender_score, ms))
    print("| picture | size | truth | estimate | gender ok | age off by | band ok | ms |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    ok_g = ok_b = n = 0
    offs = []
    for name, tag, gender, lo, hi, age, g, p, ms in rows:
        if age is None:
            print(f"| {name} | {tag} | {gender} {lo}–{hi} | no face found | – | – | – | – |")
            continue
        n += 1
        off = max(lo - age, age - hi, 0.0)
        offs.append(off)
        band_ok = age_band(age) in {age_band(lo), age_band(hi)}
        ok_g += g == gender
        ok_b += band_ok
        print(
            f"| {name} | {tag} | {gender} {lo}–{hi} | {g} ({p:.2f}), {age:.0f} y | {'yes' if g == gender else 'NO'}"
            f" | {off:.0f} y | {'yes' if band_ok else 'no'} | {ms:.0f} |"
        )
    if n:
        print(
            f"\ngender right {ok_g}/{n} ({ok_g / n:.0%}); age inside the known range {sum(o == 0 for o in offs)}/{n};"
            f" mean distance outside it {np.mean(offs):.1f} y; age band right {ok_b}/{n}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
