"""Turning a model's boolean pixel mask into domain shapes: a COCO RLE mask or polygons."""

from __future__ import annotations

import numpy as np
from pycocotools import mask as coco_mask

from labelwright.domain.rle import check_rle
from labelwright.domain.shapes import Mask, Point, Polygon, Rle


def mask_shape(pixels: np.ndarray, *, instance: bool) -> Mask:
    """A boolean (height, width) array as a domain mask (COCO compressed RLE)."""
    encoded = coco_mask.encode(np.asfortranarray(pixels.astype(np.uint8)))
    rle = Rle(
        size=(int(encoded["size"][0]), int(encoded["size"][1])), counts=encoded["counts"].decode()
    )
    check_rle(rle)  # the encoder's output must be what every reader of the store accepts
    return Mask(rle=rle, instance=instance)


def _ring(contour: np.ndarray) -> list[Point]:
    """An OpenCV contour (n, 1, 2) of pixel indices as a ring of pixel-edge coordinates."""
    # Pixel (i, j) covers [i, i+1) x [j, j+1): the centre of a boundary pixel is at +0.5.
    return [(float(x) + 0.5, float(y) + 0.5) for x, y in contour.reshape(-1, 2)]


def mask_polygons(pixels: np.ndarray, *, min_area: float, tolerance: float) -> list[Polygon]:
    """One polygon (outline plus holes) per connected region of at least `min_area` pixels.

    Outlines are simplified so no vertex strays more than `tolerance` pixels from the mask edge.
    """
    import cv2

    contours, hierarchy = cv2.findContours(
        pixels.astype(np.uint8), cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE
    )
    if hierarchy is None:
        return []
    simplified = [cv2.approxPolyDP(c, tolerance, True) if tolerance > 0 else c for c in contours]
    polygons = []
    for index, (_next, _prev, first_child, parent) in enumerate(hierarchy[0]):
        if parent != -1 or cv2.contourArea(contours[index]) < min_area:
            continue
        if len(simplified[index]) < 3:
            continue
        rings = [_ring(simplified[index])]
        child = first_child
        while child != -1:
            if len(simplified[child]) >= 3:
                rings.append(_ring(simplified[child]))
            child = hierarchy[0][child][0]
        polygons.append(Polygon(rings=rings))
    return polygons


def region_mean(values: np.ndarray, region: np.ndarray) -> float:
    """Mean of `values` over a boolean region (0 for an empty region)."""
    return float(values[region].mean()) if region.any() else 0.0
