"""Writing COCO: categories, annotations and the streamed instances file of each split."""

from __future__ import annotations

import tempfile
import warnings
from operator import mul, sub
from pathlib import Path
from typing import IO, Any

import numpy as np
import orjson
from pycocotools import mask as coco_mask

from labelwright.domain.geometry import area_of, bbox_of, rings_of
from labelwright.domain.rle import coco_rle
from labelwright.domain.schema import LabelSchema
from labelwright.domain.shapes import AnnotationObject, BBox, Keypoints, Mask, Polygon, Shape
from labelwright.formats._coco_layout import EXT, annotations_file
from labelwright.formats.dataset import DatasetImage, FormatError

_JSON_OPTIONS = orjson.OPT_SERIALIZE_NUMPY


def encode(entry: Any) -> bytes:
    """One entry as compact UTF-8 JSON (orjson: several times faster than the json module)."""
    return orjson.dumps(entry, option=_JSON_OPTIONS)


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
    xs = [p[0] for p in ring]
    ys = [p[1] for p in ring]
    after_x, after_y = [*xs[1:], *xs[:1]], [*ys[1:], *ys[:1]]
    # summed left to right from 0, as a loop would, so the figure does not depend on the path
    return abs(sum(map(sub, map(mul, xs, after_y), map(mul, after_x, ys)))) / 2


def _common_fields(shape: Shape) -> tuple[list, float, list] | None:
    """(segmentation, area, bbox) of a box or a one-ring polygon, the bulk of most datasets.

    Computed inline: the general path (geometry helpers) costs several times more per object.
    """
    if isinstance(shape, BBox):
        x, y, w, h = shape.x, shape.y, shape.w, shape.h
        x1, y1 = float(x + w), float(y + h)
        x, y = float(x), float(y)
        return [[x, y, x1, y, x1, y1, x, y1]], abs(shape.w * shape.h), [shape.x, shape.y, w, h]
    if isinstance(shape, Polygon) and len(shape.rings) == 1 and shape.rings[0]:
        ring = shape.rings[0]
        xs = [p[0] for p in ring]
        ys = [p[1] for p in ring]
        left, top = min(xs), min(ys)
        bbox = [left, top, max(xs) - left, max(ys) - top]
        return [_flat(ring)], _ring_area(ring), bbox
    return None


def _object_extension(obj: AnnotationObject) -> dict[str, Any]:
    """The annotation's `labelwright` field: only what differs from the defaults."""
    ext: dict[str, Any] = {"id": obj.id}
    shape = obj.shape
    kind = shape.kind
    if kind == "bbox":
        ext["kind"] = "bbox"
    elif kind in _EXACT_KINDS or (kind == "polygon" and len(shape.rings) > 1):
        ext["shape"] = shape.model_dump(mode="json")
    if obj.frame != 0:
        ext["frame"] = obj.frame
    for key in ("track", "group", "score"):
        if getattr(obj, key) is not None:
            ext[key] = getattr(obj, key)
    if obj.attributes:
        ext["attributes"] = obj.attributes
    if obj.source != "manual":
        ext["source"] = obj.source
    return ext


def coco_annotation(obj: AnnotationObject, image: DatasetImage, category: dict) -> dict:
    """One object as a COCO annotation (without its `id` and `image_id`)."""
    shape = obj.shape
    common = _common_fields(shape)
    if common is not None:
        segmentation, area, bbox = common
        iscrowd = 0
    else:
        segmentation, area, iscrowd = _segmentation(shape, image.height, image.width)
        bbox = list(bbox_of(shape))
    entry: dict[str, Any] = {
        "category_id": category["id"],
        "bbox": bbox,
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
    """One instances file: images stream into it, annotations into a side file joined at end.

    Each entry is one line, so a reader can parse the file entry by entry (see _coco_load).
    """

    def __init__(self, folder: Path, split: str | None, head: dict[str, Any]) -> None:
        self.path = folder / annotations_file(split)
        # both stay open across the whole stream; close() closes them
        self.main: IO[bytes] = self.path.open("wb", buffering=1 << 20)
        # annotations come after all images in COCO, so they wait in a temporary file
        self.side: IO[bytes] = tempfile.TemporaryFile("w+b", buffering=1 << 20, dir=folder)  # noqa: SIM115
        self.main.write(encode(head)[:-1] + b',\n"images":[\n')
        self.image_count = 0
        self.annotation_count = 0

    def add_image(self, entry: dict[str, Any]) -> int:
        """Write an image entry and return its id."""
        self.image_count += 1
        entry["id"] = self.image_count
        comma = b"" if self.image_count == 1 else b",\n"
        self.main.write(comma + encode(entry))
        return self.image_count

    def add_annotations(self, entries: list[dict[str, Any]], image_id: int) -> None:
        """Queue an image's annotation entries, numbering them here.

        Each line starts `{"id":…,"image_id":…,"category_id":…,` (`coco_annotation` puts the
        category first), so a reader can group the lines by image without parsing them.
        """
        if not entries:
            return
        start = self.annotation_count + 1
        lines = b",\n".join(
            b'{"id":%d,"image_id":%d,' % (number, image_id) + encode(entry)[1:]
            for number, entry in enumerate(entries, start=start)
        )
        self.side.write(lines if self.annotation_count == 0 else b",\n" + lines)
        self.annotation_count += len(entries)

    def close(self) -> None:
        """Append the queued annotations and finish the JSON document."""
        self.main.write(b'\n],\n"annotations":[\n')
        self.side.seek(0)
        while chunk := self.side.read(1 << 20):
            self.main.write(chunk)
        self.main.write(b"\n]}\n")
        self.side.close()
        self.main.close()


def _image_extension(image: DatasetImage) -> dict[str, Any]:
    """The image's `labelwright` field: what COCO has no place for."""
    annotation = image.annotation
    ext: dict[str, Any] = {}
    extra = [
        o.model_dump(mode="json") for o in annotation.objects if o.shape.kind in _IMAGE_ONLY_KINDS
    ]
    for key, value in (
        ("tags", annotation.tags),
        ("objects", extra),
        ("relations", [r.model_dump(mode="json") for r in annotation.relations]),
        ("state", image.state),
        ("meta", image.meta),
    ):
        if value:
            ext[key] = value
    if image.frame_count != 1:
        ext["frame_count"] = image.frame_count
    return ext


def write_image(writer: _SplitWriter, image: DatasetImage, by_class: dict) -> None:
    """Write one image entry and its objects' annotations."""
    entry: dict[str, Any] = {
        "file_name": image.file_name,
        "width": image.width,
        "height": image.height,
    }
    ext = _image_extension(image)
    if ext:
        entry[EXT] = ext
    image_id = writer.add_image(entry)
    entries = []
    for obj in image.annotation.objects:
        if obj.shape.kind in _IMAGE_ONLY_KINDS:
            continue
        category = by_class.get(obj.class_id)
        if category is None:
            raise FormatError(f"{_where(image, obj)}: class {obj.class_id!r} unknown")
        try:
            coco = coco_annotation(obj, image, category)
        except ValueError as error:
            raise FormatError(f"{_where(image, obj)}: {error}") from None
        entries.append(coco)
    writer.add_annotations(entries, image_id)


def _where(image: DatasetImage, obj: AnnotationObject) -> str:
    """How a write error names the file, the image and the object."""
    return f"{annotations_file(image.split)}: image {image.file_name!r}: object {obj.id!r}"
