"""Boolean masks to domain shapes: COCO RLE and outline polygons.

Needs OpenCV for outlines (imported on first use, so that importing this module stays
cheap); the RLE encoding uses pycocotools, a core dependency.
"""

from __future__ import annotations

import warnings

import numpy as np
from pycocotools import mask as coco_mask

from labelwright.domain.shapes import Mask, Point, Polygon, Rle

MIN_RING_POINTS = 3


def mask_to_rle(mask: np.ndarray) -> Mask:
    """A boolean `(height, width)` array as a domain mask (COCO compressed RLE)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # pycocotools under NumPy 2
        rle = coco_mask.encode(np.asfortranarray(mask.astype(np.uint8)))
    height, width = (int(v) for v in rle["size"])
    return Mask(rle=Rle(size=(height, width), counts=rle["counts"].decode("ascii")))


def mask_rings(mask: np.ndarray, *, tolerance: float = 1.0) -> list[list[Point]]:
    """The outline of the mask's largest region and its holes: outer ring first.

    Pixel (x, y) covers x..x+1, y..y+1; rings run a quarter pixel inside the region's
    outer pixel edges, simplified to within `tolerance` pixels. Empty when the mask is.
    """
    import cv2

    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if not len(rows):
        return []
    top, left = int(rows[0]), int(cols[0])
    # Work on the region's bounding box only, with a 1-pixel margin for the contour.
    pixels = np.zeros((rows[-1] - top + 3, cols[-1] - left + 3), np.uint8)
    pixels[1:-1, 1:-1] = mask[top : rows[-1] + 1, left : cols[-1] + 1]
    # Doubling the mask moves contour points from pixel centres halfway to the pixel edges.
    doubled = cv2.resize(pixels, None, fx=2, fy=2, interpolation=cv2.INTER_NEAREST)
    contours, hierarchy = cv2.findContours(doubled, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return []
    tree = hierarchy[0]
    outers = [i for i in range(len(contours)) if tree[i][3] < 0]
    largest = max(outers, key=lambda i: cv2.contourArea(contours[i]))
    origin = (left - 1, top - 1)
    rings = [_ring(contours[largest], tolerance, origin)]
    child = tree[largest][2]
    while child >= 0:
        hole = _ring(contours[child], tolerance, origin)
        if len(hole) >= MIN_RING_POINTS:
            rings.append(hole)
        child = tree[child][0]
    return rings if len(rings[0]) >= MIN_RING_POINTS else []


def _ring(contour: np.ndarray, tolerance: float, origin: tuple[int, int]) -> list[Point]:
    """A simplified contour of the doubled crop, in image pixel coordinates."""
    import cv2

    simplified = cv2.approxPolyDP(contour, 2 * tolerance, True).reshape(-1, 2)
    # Doubled pixel p covers p..p+1, so its centre p + 0.5 is at (p + 0.5) / 2 in the crop.
    points = (simplified.astype(np.float64) + 0.5) / 2.0 + np.asarray(origin, np.float64)
    return [(float(x), float(y)) for x, y in points]


def mask_polygon(mask: np.ndarray, *, tolerance: float = 1.0) -> Polygon | None:
    """The mask's largest region as a polygon with holes, or None when the mask is empty."""
    rings = mask_rings(mask, tolerance=tolerance)
    return Polygon(rings=rings) if rings else None
