"""Reading COCO fields: checked lookups, categories' schema parts and annotation shapes."""

from __future__ import annotations

import re
from typing import Any

from pycocotools import mask as coco_mask
from pydantic import ValidationError

from labelwright.domain.rle import check_rle
from labelwright.domain.schema import LabelSchema, Skeleton
from labelwright.domain.shapes import Mask, Rle, Shape
from labelwright.formats._coco_layout import EXT
from labelwright.formats.dataset import FormatError


def _need(entry: Any, key: str, kind: type | tuple, where: str) -> Any:
    """entry[key] when it has the right type, else FormatError."""
    if not isinstance(entry, dict):
        raise FormatError(f"{where}: expected an object")
    value = entry.get(key)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise FormatError(f"{where}: {key} is missing or not a {_kind_name(kind)}")
    return value


def _kind_name(kind: type | tuple) -> str:
    return " or ".join(k.__name__ for k in kind) if isinstance(kind, tuple) else kind.__name__


def _list(data: dict, key: str, where: str) -> list:
    """data[key] as a list (missing means empty), else FormatError."""
    value = data.get(key, [])
    if not isinstance(value, list):
        raise FormatError(f"{where}: {key} must be a list")
    return value


def _label(entry: Any, number: int) -> str:
    """How an error names an entry: its id, else its position."""
    if isinstance(entry, dict) and isinstance(entry.get("id"), int | str):
        return str(entry["id"])
    return f"#{number}"


def _embedded_schema(data: dict, where: str) -> LabelSchema | None:
    """The schema Labelwright stored at the top of its own export, if any."""
    stored = (data.get(EXT) or {}).get("schema") if isinstance(data.get(EXT), dict) else None
    if stored is None:
        return None
    try:
        return LabelSchema.model_validate(stored)
    except ValidationError as error:
        raise FormatError(f"{where}: {EXT}.schema: {error.errors()[0]['msg']}") from None


def _stable_id(text: str, used: set[str]) -> str:
    """A StableId made from a category name, unique among `used`."""
    base = re.sub(r"[^A-Za-z0-9_.:-]+", "_", str(text)).strip("_")[:60] or "class"
    candidate, number = base, 2
    while candidate in used:
        candidate, number = f"{base}_{number}", number + 1
    used.add(candidate)
    return candidate


def _skeleton(category: dict, where: str) -> Skeleton | None:
    """A skeleton from COCO `keypoints` names and 1-based `skeleton` edges."""
    names = category.get("keypoints")
    if not names:
        return None
    edges = [(a - 1, b - 1) for a, b in category.get("skeleton") or []]
    try:
        return Skeleton(nodes=names, edges=edges)
    except ValidationError as error:
        raise FormatError(f"{where}: skeleton: {error.errors()[0]['msg']}") from None


def _raw_kind(ann: dict, ext: dict | None = None) -> str:
    """The Labelwright shape kind an annotation (whose EXT field is `ext`) will be read as."""
    ext = (ann.get(EXT) or {}) if ext is None else ext
    exact = ext.get("shape")
    if isinstance(exact, dict):
        return str(exact.get("kind"))
    if ext.get("kind") == "bbox":
        return "bbox"
    if ann.get("keypoints"):
        return "keypoints"
    segmentation = ann.get("segmentation")
    if isinstance(segmentation, dict) or (isinstance(segmentation, list) and len(segmentation) > 1):
        return "mask"
    return "polygon" if segmentation else "bbox"


def _shape(ann: dict, ext: dict, width: int, height: int) -> Shape | dict[str, Any]:
    """The shape of one COCO annotation (see the module notes for the rules).

    Boxes, polygons, keypoints and exact shapes come back as plain data that the object's
    own validation checks, so each object is validated once, not twice.
    """
    exact = ext.get("shape")
    if isinstance(exact, dict):
        return exact
    kind = _raw_kind(ann, ext)
    if kind == "bbox":
        return _box(ann)
    if kind == "keypoints":
        flat = ann["keypoints"]
        if len(flat) % 3:
            raise ValueError("keypoints must hold x, y, v triples")
        points = [(flat[i], flat[i + 1], int(flat[i + 2])) for i in range(0, len(flat), 3)]
        return {"kind": "keypoints", "points": points}
    segmentation = ann["segmentation"]
    if kind == "polygon":
        ring = segmentation[0]
        return {"kind": "polygon", "rings": [list(zip(ring[0::2], ring[1::2], strict=False))]}
    return Mask(rle=_rle(segmentation, width, height), instance=not ann.get("iscrowd"))


def _box(ann: dict) -> dict[str, Any]:
    """An annotation's `bbox` as a box's fields."""
    x, y, w, h = ann["bbox"]
    return {"kind": "bbox", "x": x, "y": y, "w": w, "h": h}


def _rle(segmentation: Any, width: int, height: int) -> Rle:
    """Compressed RLE from a COCO segmentation (RLE dict, uncompressed RLE or polygon parts)."""
    if isinstance(segmentation, dict) and isinstance(segmentation.get("counts"), str):
        rle = Rle(size=tuple(segmentation["size"]), counts=segmentation["counts"])
        check_rle(rle)
        return rle
    if isinstance(segmentation, dict):
        encoded = coco_mask.frPyObjects(segmentation, height, width)
    else:
        encoded = coco_mask.merge(coco_mask.frPyObjects(segmentation, height, width))
    return Rle(size=(height, width), counts=encoded["counts"].decode("ascii"))
