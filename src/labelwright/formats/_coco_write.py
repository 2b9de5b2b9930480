"""Writing COCO: categories, annotations and the streamed instances file of each split."""

from __future__ import annotations

import json
import tempfile
import warnings
from pathlib import Path
from typing import Any, TextIO

import numpy as np
from pycocotools import mask as coco_mask

from labelwright.domain.geometry import area_of, bbox_of, rings_of
from labelwright.domain.rle import coco_rle
from labelwright.domain.schema import LabelSchema
from labelwright.domain.shapes import AnnotationObject, BBox, Keypoints, Mask, Polygon, Shape
from labelwright.formats._coco_layout import EXT, annotations_file
from labelwright.formats.dataset import DatasetImage, FormatError

# one encoder for every entry: json.dumps builds a new one per call when given options
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode


_IMAGE_ONLY_KINDS = {"polyline", "points", "tag"}
_EXACT_KINDS = {"rotated_box", "ellipse"}


def categories(schema: LabelSchema) -> list[dict[str, Any]]:
    """COCO categories from the schema, id = 1-based class position."""
    result = []
    for number, label_class in enumerate(schema.classes, start=1):
        category: dict[str, Any] = {
            "id": number,
            "name": label_class.name,
            "supercategory": "",
            EXT: {"class_id": label_class.id},
        }
        if label_class.skeleton is not None:
            category["keypoints"] = list(label_class.skeleton.nodes)
            category["skeleton"] = [[a + 1, b + 1] for a, b in label_class.skeleton.edges]
        result.append(category)
    return result


def _flat(ring: list) -> list[float]:
    """A ring of points as COCO's flat [x1, y1, x2, y2, ...]."""
    return [float(c) for point in ring for c in point[:2]]


def _rle_of_rings(rings: list[list], height: int, width: int) -> dict:
    """Rasterize an outline minus its holes into compressed RLE."""
    flats = [_flat(ring) for ring in rings]
    outer = coco_mask.merge(coco_mask.frPyObjects([flats[0]], height, width))
    holes = coco_mask.merge(coco_mask.frPyObjects(flats[1:], height, width))
    with warnings.catch_warnings():  # pycocotools warns needlessly under NumPy 2
        warnings.simplefilter("ignore", DeprecationWarning)
        pixels = coco_mask.decode(outer).astype(bool) & ~coco_mask.decode(holes).astype(bool)
    return coco_mask.encode(np.asfortranarray(pixels.astype(np.uint8)))


def _segmentation(shape: Shape, height: int, width: int) -> tuple[Any, float, int]:
    """(segmentation, area, iscrowd) of an area shape."""
    if isinstance(shape, Mask):
        rle = coco_rle(shape.rle)
        area = float(coco_mask.area(rle))
        return (
            {"size": list(shape.rle.size), "counts": shape.rle.counts},
            area,
            int(not shape.instance),
        )
    if isinstance(shape, Keypoints):
        # the box round the labeled nodes, so tools that rasterize every annotation cope
        x, y, w, h = bbox_of(shape)
        return [_flat(rings_of(BBox(x=x, y=y, w=w, h=h))[0])], w * h, 0
    rings = rings_of(shape)
    if isinstance(shape, Polygon) and len(rings) > 1:
        rle = _rle_of_rings(rings, height, width)
        area = float(coco_mask.area(rle))
        return {"size": [height, width], "counts": rle["counts"].decode("ascii")}, area, 0
    area = _ring_area(rings[0]) if isinstance(shape, Polygon) else area_of(shape)
    return [_flat(rings[0])], area, 0


def _ring_area(ring: list) -> float:
    """Shoelace area in plain Python: NumPy's per-call cost dominates on small rings."""
    twice = 0.0
    for (x0, y0), (x1, y1) in zip(ring, [*ring[1:], ring[0]], strict=True):
        twice += x0 * y1 - x1 * y0
    return abs(twice) / 2


def _object_extension(obj: AnnotationObject) -> dict[str, Any]:
    """The annotation's `labelwright` field: only what differs from the defaults."""
    ext: dict[str, Any] = {"id": obj.id}
    shape = obj.shape
    if shape.kind == "bbox":
        ext["kind"] = "bbox"
    elif shape.kind in _EXACT_KINDS or (shape.kind == "polygon" and len(shape.rings) > 1):
        ext["shape"] = shape.model_dump(mode="json")
    for key, default in (("frame", 0), ("track", None), ("group", None), ("score", None)):
        if getattr(obj, key) != default:
            ext[key] = getattr(obj, key)
    if obj.attributes:
        ext["attributes"] = obj.attributes
    if obj.source != "manual":
        ext["source"] = obj.source
    return ext


def coco_annotation(obj: AnnotationObject, image: DatasetImage, category: dict) -> dict:
    """One object as a COCO annotation (without its `id` and `image_id`)."""
    shape = obj.shape
    segmentation, area, iscrowd = _segmentation(shape, image.height, image.width)
    x, y, w, h = bbox_of(shape)
    entry: dict[str, Any] = {
        "category_id": category["id"],
        "bbox": [x, y, w, h],
        "area": area,
        "iscrowd": iscrowd,
        "segmentation": segmentation,
    }
    if isinstance(shape, Keypoints):
        if "keypoints" not in category:
            raise ValueError(f"class {category['name']!r} has no skeleton")
        entry["keypoints"] = [v for point in shape.points for v in point]
        entry["num_keypoints"] = sum(1 for point in shape.points if point[2] > 0)
    entry[EXT] = _object_extension(obj)
    return entry


class _SplitWriter:
    """One instances file: images stream into it, annotations into a side file joined at end."""

    def __init__(self, folder: Path, split: str | None, head: dict[str, Any]) -> None:
        self.path = folder / annotations_file(split)
        # both stay open across the whole stream; close() closes them
        self.main: TextIO = self.path.open("w", encoding="utf-8")
        # annotations come after all images in COCO, so they wait in a temporary file
        self.side: TextIO = tempfile.TemporaryFile("w+", encoding="utf-8", dir=folder)  # noqa: SIM115
        body = json.dumps(head, ensure_ascii=False)[:-1]
        self.main.write(body + ',\n"images":[\n')
        self.image_count = 0
        self.annotation_count = 0

    def add_image(self, entry: dict[str, Any]) -> int:
        """Write an image entry and return its id."""
        self.image_count += 1
        entry["id"] = self.image_count
        comma = "" if self.image_count == 1 else ",\n"
        self.main.write(comma + _ENCODE(entry))
        return self.image_count

    def add_annotation(self, entry: dict[str, Any]) -> None:
        """Queue an annotation entry (its id is numbered here)."""
        self.annotation_count += 1
        entry["id"] = self.annotation_count
        comma = "" if self.annotation_count == 1 else ",\n"
        self.side.write(comma + _ENCODE(entry))

    def close(self) -> None:
        """Append the queued annotations and finish the JSON document."""
        self.main.write('\n],\n"annotations":[\n')
        self.side.seek(0)
        while chunk := self.side.read(1 << 20):
            self.main.write(chunk)
        self.main.write("\n]}\n")
        self.side.close()
        self.main.close()


def write_image(writer: _SplitWriter, image: DatasetImage, by_class: dict) -> None:
    """Write one image entry and its objects' annotations."""
    annotation = image.annotation
    extra = [o for o in annotation.objects if o.shape.kind in _IMAGE_ONLY_KINDS]
    ext: dict[str, Any] = {}
    for key, value in (
        ("tags", annotation.tags),
        ("objects", [o.model_dump(mode="json") for o in extra]),
        ("relations", [r.model_dump(mode="json") for r in annotation.relations]),
        ("state", image.state),
        ("meta", image.meta),
    ):
        if value:
            ext[key] = value
    if image.frame_count != 1:
        ext["frame_count"] = image.frame_count
    entry = {"file_name": image.file_name, "width": image.width, "height": image.height}
    if ext:
        entry[EXT] = ext
    image_id = writer.add_image(entry)
    where = f"{annotations_file(image.split)}: image {image.file_name!r}"
    for obj in annotation.objects:
        if obj.shape.kind in _IMAGE_ONLY_KINDS:
            continue
        category = by_class.get(obj.class_id)
        if category is None:
            raise FormatError(f"{where}: object {obj.id!r}: class {obj.class_id!r} unknown")
        try:
            coco = coco_annotation(obj, image, category)
        except ValueError as error:
            raise FormatError(f"{where}: object {obj.id!r}: {error}") from None
        coco["image_id"] = image_id
        writer.add_annotation(coco)
