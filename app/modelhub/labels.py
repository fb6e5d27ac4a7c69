"""The dataset builder: pictures from the site's own events out to a labelling tool, labels back in.

``storesight dataset export`` writes the frames (or crops) of stored events, pre-labelled with the
built-in detector's boxes, in one of four layouts:

* ``yolo``: ``images/train/*.jpg``, ``labels/train/*.txt``, ``data.yaml`` — also what CVAT,
  Label Studio and Roboflow import as "YOLO 1.1";
* ``labelme``: one ``<picture>.json`` beside each picture (rectangles);
* ``cvat``: ``annotations.xml`` in "CVAT for images 1.1";
* ``labelstudio``: ``tasks.json`` with the boxes as predictions (percent coordinates).

``storesight dataset import`` reads a labelme folder, a CVAT ``annotations.xml`` or a Label Studio
JSON export back, and writes a YOLO dataset (train/val split) ready for ``storesight train detect``.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import cv2
import numpy as np

FORMATS = ("yolo", "labelme", "cvat", "labelstudio")


@dataclass(slots=True)
class Labelled:
    """One picture and its boxes.

    Attributes:
        image: the picture file.
        width: in pixels.
        height: in pixels.
        boxes: (label, x1, y1, x2, y2) in pixels.
    """

    image: Path
    width: int
    height: int
    boxes: list[tuple[str, float, float, float, float]] = field(default_factory=list)


# --- writing ------------------------------------------------------------------------------------------


def _split_of(name: str, val_share: float) -> str:
    """A stable train/val split by the picture's name (the same picture always lands in the same split)."""
    h = int(hashlib.sha1(name.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return "val" if h < val_share else "train"


def write_yolo(items: Sequence[Labelled], out: Path, names: Sequence[str], *, val_share: float = 0.2) -> Path:
    """A YOLO dataset: pictures copied into ``images/<split>``, labels, ``data.yaml``; returns the yaml.

    Boxes with a label not in ``names`` are dropped. With ``val_share`` > 0 and at least two
    pictures, both splits get at least one.

    Raises:
        ValueError: no pictures, or no class names.
    """
    if not items:
        raise ValueError("no pictures to write")
    if not names:
        raise ValueError("no class names")
    index = {n: i for i, n in enumerate(names)}
    splits = [_split_of(it.image.name, val_share) for it in items]
    if val_share > 0 and len(items) >= 2:
        if "val" not in splits:
            splits[-1] = "val"
        if "train" not in splits:
            splits[0] = "train"
    for it, split in zip(items, splits, strict=True):
        (out / "images" / split).mkdir(parents=True, exist_ok=True)
        (out / "labels" / split).mkdir(parents=True, exist_ok=True)
        dest = out / "images" / split / it.image.name
        if it.image.resolve() != dest.resolve():
            shutil.copy2(it.image, dest)
        lines = []
        for label, x1, y1, x2, y2 in it.boxes:
            if label not in index:
                continue
            x1, x2 = sorted((min(max(x1, 0), it.width), min(max(x2, 0), it.width)))
            y1, y2 = sorted((min(max(y1, 0), it.height), min(max(y2, 0), it.height)))
            if x2 - x1 < 1 or y2 - y1 < 1:
                continue
            cx, cy = (x1 + x2) / 2 / it.width, (y1 + y2) / 2 / it.height
            lines.append(f"{index[label]} {cx:.6f} {cy:.6f} {(x2 - x1) / it.width:.6f} {(y2 - y1) / it.height:.6f}")
        (out / "labels" / split / dest.with_suffix(".txt").name).write_text(
            "\n".join(lines) + ("\n" if lines else ""), encoding="utf-8"
        )
    has_val = "val" in splits
    yaml_text = (
        f"path: {out.resolve().as_posix()}\ntrain: images/train\nval: images/{'val' if has_val else 'train'}\n"
        "names:\n" + "".join(f"  {i}: {json.dumps(n, ensure_ascii=False)}\n" for i, n in enumerate(names))
    )
    (out / "data.yaml").write_text(yaml_text, encoding="utf-8")
    (out / "classes.txt").write_text("\n".join(names) + "\n", encoding="utf-8")
    return out / "data.yaml"


def write_labelme(items: Sequence[Labelled], out: Path) -> list[Path]:
    """Write labelme JSON files (rectangles) beside the pictures (copied into ``out``)."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for it in items:
        dest = out / it.image.name
        if it.image.resolve() != dest.resolve():
            shutil.copy2(it.image, dest)
        doc = {
            "version": "5.4.1", "flags": {},
            "shapes": [
                {"label": lb, "points": [[x1, y1], [x2, y2]], "group_id": None, "description": "",
                 "shape_type": "rectangle", "flags": {}}
                for lb, x1, y1, x2, y2 in it.boxes
            ],
            "imagePath": dest.name, "imageData": None, "imageHeight": it.height, "imageWidth": it.width,
        }
        path = dest.with_suffix(".json")
        path.write_text(json.dumps(doc, indent=1), encoding="utf-8")
        written.append(path)
    return written


def write_cvat(items: Sequence[Labelled], out: Path, names: Sequence[str]) -> Path:
    """``annotations.xml`` (CVAT for images 1.1) and the pictures in ``out/images``."""
    (out / "images").mkdir(parents=True, exist_ok=True)
    root = ET.Element("annotations")
    ET.SubElement(root, "version").text = "1.1"
    meta = ET.SubElement(ET.SubElement(root, "meta"), "task")
    labels = ET.SubElement(meta, "labels")
    for n in names:
        ET.SubElement(ET.SubElement(labels, "label"), "name").text = n
    for i, it in enumerate(items):
        shutil.copy2(it.image, out / "images" / it.image.name)
        im = ET.SubElement(root, "image", id=str(i), name=it.image.name, width=str(it.width), height=str(it.height))
        for lb, x1, y1, x2, y2 in it.boxes:
            ET.SubElement(
                im, "box", label=lb, occluded="0", source="auto",
                xtl=f"{x1:.2f}", ytl=f"{y1:.2f}", xbr=f"{x2:.2f}", ybr=f"{y2:.2f}", z_order="0",
            )
    ET.indent(root)
    path = out / "annotations.xml"
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
    return path


def write_labelstudio(items: Sequence[Labelled], out: Path) -> Path:
    """``tasks.json`` for Label Studio (boxes as predictions to correct) and the pictures in ``out/images``.

    The picture URLs are ``/data/local-files/?d=images/<name>``: serve ``out`` as Label Studio's
    local-files root (``LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT``).
    """
    (out / "images").mkdir(parents=True, exist_ok=True)
    tasks = []
    for it in items:
        shutil.copy2(it.image, out / "images" / it.image.name)
        result = [
            {
                "id": f"b{k}", "type": "rectanglelabels", "from_name": "label", "to_name": "image",
                "original_width": it.width, "original_height": it.height, "image_rotation": 0,
                "value": {
                    "x": 100 * x1 / it.width, "y": 100 * y1 / it.height,
                    "width": 100 * (x2 - x1) / it.width, "height": 100 * (y2 - y1) / it.height,
                    "rotation": 0, "rectanglelabels": [lb],
                },
            }
            for k, (lb, x1, y1, x2, y2) in enumerate(it.boxes)
        ]
        tasks.append(
            {"data": {"image": f"/data/local-files/?d=images/{it.image.name}"},
             "predictions": [{"model_version": "storesight", "result": result}]}
        )
    path = out / "tasks.json"
    path.write_text(json.dumps(tasks, indent=1), encoding="utf-8")
    return path


def write_dataset(items: Sequence[Labelled], out: Path, fmt: str, names: Sequence[str]) -> Path:
    """Write ``items`` in layout ``fmt`` (see :data:`FORMATS`); returns the main file or folder."""
    if fmt == "yolo":
        return write_yolo(items, out, names, val_share=0.0)
    if fmt == "labelme":
        write_labelme(items, out)
        return out
    if fmt == "cvat":
        return write_cvat(items, out, names)
    if fmt == "labelstudio":
        return write_labelstudio(items, out)
    raise ValueError(f"format {fmt!r}: use one of {', '.join(FORMATS)}")


# --- reading ------------------------------------------------------------------------------------------


def _find_image(name: str, folders: Iterable[Path]) -> Path:
    for f in folders:
        for cand in (f / name, f / Path(name).name):
            if cand.is_file():
                return cand
    raise ValueError(f"picture {name!r} not found (give --images FOLDER)")


def read_labelme(folder: Path, images: Path | None = None) -> list[Labelled]:
    """Every labelme ``*.json`` of a folder (rectangles; polygons become their bounding box).

    Raises:
        ValueError: an unreadable file or a missing picture (the message names it).
    """
    out = []
    for path in sorted(folder.glob("*.json")):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            shapes = doc["shapes"]
        except (OSError, ValueError, KeyError) as e:
            raise ValueError(f"{path}: not a labelme file ({e.__class__.__name__})") from None
        img = _find_image(doc.get("imagePath") or path.with_suffix(".jpg").name, [path.parent, *([images] if images else [])])
        boxes = []
        for s in shapes:
            pts = np.asarray(s.get("points") or [], np.float64).reshape(-1, 2)
            if len(pts) < 2 or s.get("shape_type", "rectangle") not in ("rectangle", "polygon"):
                continue
            x1, y1 = pts.min(axis=0)
            x2, y2 = pts.max(axis=0)
            boxes.append((str(s["label"]), float(x1), float(y1), float(x2), float(y2)))
        out.append(Labelled(img, int(doc.get("imageWidth") or 0), int(doc.get("imageHeight") or 0), boxes))
    return out


def read_cvat(xml_path: Path, images: Path | None = None) -> list[Labelled]:
    """A CVAT for images 1.1 ``annotations.xml`` (boxes).

    Raises:
        ValueError: not CVAT XML, or a missing picture.
    """
    try:
        root = ET.parse(xml_path).getroot()
    except (ET.ParseError, OSError) as e:
        raise ValueError(f"{xml_path}: not CVAT XML ({e})") from None
    folders = [xml_path.parent / "images", xml_path.parent, *([images] if images else [])]
    out = []
    for im in root.iter("image"):
        boxes = [
            (b.get("label", ""), float(b.get("xtl", 0)), float(b.get("ytl", 0)), float(b.get("xbr", 0)), float(b.get("ybr", 0)))
            for b in im.iter("box")
        ]
        out.append(Labelled(_find_image(im.get("name", ""), folders), int(im.get("width", 0)), int(im.get("height", 0)), boxes))
    if not out:
        raise ValueError(f"{xml_path}: no <image> in it (export 'CVAT for images 1.1')")
    return out


def _ls_image_name(url: str) -> str:
    q = parse_qs(urlsplit(url).query)
    if "d" in q:
        return unquote(q["d"][0])
    name = Path(unquote(urlsplit(url).path)).name
    # files uploaded to Label Studio get a prefix: "1a2b3c4d-frame.jpg"
    return name.split("-", 1)[1] if len(name) > 9 and name[8] == "-" else name


def read_labelstudio(json_path: Path, images: Path | None = None) -> list[Labelled]:
    """A Label Studio JSON export (annotations, else predictions; rectangle labels).

    Raises:
        ValueError: not a Label Studio export, or a missing picture.
    """
    try:
        tasks = json.loads(json_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ValueError(f"{json_path}: not JSON ({e})") from None
    if not isinstance(tasks, list):
        raise ValueError(f"{json_path}: not a Label Studio export (a list of tasks)")
    folders = [json_path.parent, *([images] if images else [])]
    out = []
    for t in tasks:
        url = (t.get("data") or {}).get("image", "")
        img = _find_image(_ls_image_name(url), folders)
        marks = t.get("annotations") or t.get("predictions") or []
        results = marks[0].get("result", []) if marks else []
        w = h = 0
        boxes = []
        for r in results:
            v = r.get("value", {})
            labels = v.get("rectanglelabels")
            if not labels:
                continue
            w, h = int(r.get("original_width", 0)), int(r.get("original_height", 0))
            if not w or not h:
                pic = cv2.imread(str(img))
                h, w = pic.shape[:2] if pic is not None else (0, 0)
            x1, y1 = v["x"] * w / 100, v["y"] * h / 100
            boxes.append((labels[0], x1, y1, x1 + v["width"] * w / 100, y1 + v["height"] * h / 100))
        out.append(Labelled(img, w, h, boxes))
    return out


def read_labels_from(fmt: str, source: Path, images: Path | None = None) -> list[Labelled]:
    """Read labels written by a labelling tool (``labelme`` folder, ``cvat`` xml, ``labelstudio`` json).

    Pictures without a known size get it from the file.

    Raises:
        ValueError: unknown format, unreadable files, missing pictures.
    """
    readers: dict[str, Callable[[Path, Path | None], list[Labelled]]] = {
        "labelme": read_labelme, "cvat": read_cvat, "labelstudio": read_labelstudio,
    }
    if fmt not in readers:
        raise ValueError(f"format {fmt!r}: import reads {', '.join(readers)}")
    if not source.exists():
        raise ValueError(f"{source}: no such file or folder")
    items = readers[fmt](source, images)
    for it in items:
        if not it.width or not it.height:
            pic = cv2.imread(str(it.image))
            if pic is None:
                raise ValueError(f"{it.image}: not a picture")
            it.height, it.width = pic.shape[:2]
    return items


def class_names(items: Iterable[Labelled]) -> list[str]:
    """Labels in order of first appearance.

    Example:
        >>> class_names([Labelled(Path("a.jpg"), 1, 1, [("cap", 0, 0, 1, 1), ("apron", 0, 0, 1, 1)])])
        ['cap', 'apron']
    """
    return list(dict.fromkeys(b[0] for it in items for b in it.boxes))
