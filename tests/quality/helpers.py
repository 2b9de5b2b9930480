"""Small builders shared by the quality tests."""

from typing import Any

import numpy as np
from pycocotools import mask as coco_mask

from labelwright.domain.shapes import Annotation, AnnotationObject, BBox, Mask, Rle, Shape


def obj(shape: Shape, class_id: str = "car", object_id: str = "o", **fields: Any):
    """An annotation object."""
    return AnnotationObject(id=object_id, class_id=class_id, shape=shape, **fields)


def box(
    x: float,
    y: float,
    w: float,
    h: float,
    class_id: str = "car",
    object_id: str = "o",
    **fields: Any,
) -> AnnotationObject:
    """A box object."""
    return obj(BBox(x=x, y=y, w=w, h=h), class_id, object_id, **fields)


def boxes(*rows: tuple, **tags: list[str]) -> Annotation:
    """An annotation of box objects from (x, y, w, h[, class]) rows, ids b0, b1, ..."""
    objects = [
        box(*row[:4], class_id=row[4] if len(row) > 4 else "car", object_id=f"b{i}")
        for i, row in enumerate(rows)
    ]
    return Annotation(objects=objects, tags=tags)


def mask_of(pixels: np.ndarray) -> Mask:
    """A mask shape from a boolean array."""
    rle = coco_mask.encode(np.asfortranarray(pixels.astype(np.uint8)))
    return Mask(rle=Rle(size=tuple(rle["size"]), counts=rle["counts"].decode()))


def rect_pixels(height: int, width: int, x: int, y: int, w: int, h: int) -> np.ndarray:
    """A boolean image with one filled rectangle."""
    pixels = np.zeros((height, width), dtype=bool)
    pixels[y : y + h, x : x + w] = True
    return pixels
