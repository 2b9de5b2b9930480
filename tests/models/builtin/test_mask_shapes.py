"""Model masks as domain shapes."""

from __future__ import annotations

import numpy as np
import pytest

from labelwright.domain.geometry import area_of, iou
from labelwright.domain.rle import rle_problem
from labelwright.models.builtin.mask_shapes import mask_polygons, mask_shape

pytest.importorskip("cv2")


def _ring_mask() -> np.ndarray:
    """A 40x40 square with a 10x10 hole, plus a 2x2 speck."""
    pixels = np.zeros((100, 120), bool)
    pixels[10:50, 20:60] = True
    pixels[25:35, 35:45] = False
    pixels[80:82, 100:102] = True
    return pixels


def test_mask_is_a_checked_rle_of_the_image_size():
    shape = mask_shape(_ring_mask(), instance=False)
    assert shape.rle.size == (100, 120) and shape.instance is False
    assert rle_problem(shape.rle) is None
    assert area_of(shape) == 40 * 40 - 100 + 4


def test_polygons_keep_holes_and_drop_small_regions():
    mask = mask_shape(_ring_mask(), instance=True)
    (polygon,) = mask_polygons(_ring_mask(), min_area=10, tolerance=0.0)
    assert len(polygon.rings) == 2
    # rings run through boundary pixel centres: the outline is 39x39; the hole ring goes
    # round the 10x10 hole through the centres of the pixels around it, cutting its 4
    # corners diagonally (11x11 less 4 half-pixel triangles)
    assert area_of(polygon) == pytest.approx(39 * 39 - (11 * 11 - 4 * 0.5))
    assert iou(polygon, mask) > 0.9
    assert len(mask_polygons(_ring_mask(), min_area=0, tolerance=0.0)) == 2


def test_empty_mask_gives_no_polygons():
    assert mask_polygons(np.zeros((5, 5), bool), min_area=0, tolerance=1.0) == []
