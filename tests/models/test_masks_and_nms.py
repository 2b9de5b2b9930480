"""Mask outlines and RLE, and non-maximum suppression, against hand-worked answers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from labelwright.domain.geometry import area_of
from labelwright.models.masks import mask_polygon, mask_rings, mask_to_rle
from labelwright.models.nms import batched_nms, nms, rotated_corners, rotated_nms


def test_mask_to_rle_round_trips_through_pycocotools() -> None:
    mask = np.zeros((5, 7), bool)
    mask[1:4, 2:6] = True
    shape = mask_to_rle(mask)
    assert tuple(shape.rle.size) == (5, 7) and area_of(shape) == 12


def test_rings_of_a_square_with_a_hole() -> None:
    pytest.importorskip("cv2")
    mask = np.zeros((40, 50), bool)
    mask[10:30, 5:45] = True  # 40 x 20 block
    mask[15:25, 20:30] = False  # 10 x 10 hole
    rings = mask_rings(mask)
    assert len(rings) == 2
    xs, ys = [p[0] for p in rings[0]], [p[1] for p in rings[0]]
    # Rings run a quarter pixel inside the pixel edges 5..45 and 10..30.
    assert (min(xs), max(xs), min(ys), max(ys)) == (5.25, 44.75, 10.25, 29.75)
    hole = np.array(rings[1])
    assert hole.min(axis=0) == pytest.approx([20, 15], abs=0.5)
    assert hole.max(axis=0) == pytest.approx([30, 25], abs=0.5)
    # Within the 1-pixel tolerance, the area is the pixel count give or take a quarter
    # pixel along each edge: 800 - 100 pixels, edges 120 + 40 pixels long.
    polygon = mask_polygon(mask)
    assert area_of(polygon) == pytest.approx(700, abs=0.25 * 160 + 1)


def test_only_the_largest_region_is_outlined_and_empty_masks_give_nothing() -> None:
    pytest.importorskip("cv2")
    mask = np.zeros((30, 30), bool)
    mask[2:5, 2:5] = True
    mask[10:25, 10:25] = True
    [ring] = mask_rings(mask)
    assert min(p[0] for p in ring) > 9
    assert mask_rings(np.zeros((4, 4), bool)) == [] and mask_polygon(np.zeros((4, 4), bool)) is None


def test_nms_keeps_the_best_of_overlapping_boxes() -> None:
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30], [0, 0, 10, 10.0]])
    scores = np.array([0.5, 0.9, 0.8, 0.1])
    assert nms(boxes, scores, 0.5).tolist() == [1, 2]
    assert nms(boxes, scores, 0.99).tolist() == [1, 2, 0]  # equal boxes 0 and 3: IoU 1


def test_batched_nms_never_suppresses_across_classes() -> None:
    boxes = np.array([[0, 0, 10, 10], [0, 0, 10, 10], [0, 0, 10, 10.0]])
    kept = batched_nms(boxes, np.array([0.9, 0.8, 0.7]), np.array([0, 1, 0]), 0.5)
    assert kept.tolist() == [0, 1]
    assert batched_nms(np.zeros((0, 4)), np.zeros(0), np.zeros(0), 0.5).tolist() == []


def test_rotated_corners_turn_clockwise_on_screen() -> None:
    [corners] = rotated_corners(np.array([[0, 0, 4, 2, math.pi / 2]]))
    # The top-left corner (-2, -1) turned 90 degrees clockwise (y down) lands at (1, -2).
    assert corners[0] == pytest.approx([1, -2])


def test_rotated_nms_uses_the_true_overlap_of_turned_boxes() -> None:
    rows = np.array(
        [
            [0, 0, 100, 10, math.pi / 4],
            [0, 0, 100, 10, -math.pi / 4],  # a cross: overlap 10x10 of 1000 each
            [0, 0, 100, 10, math.pi / 4 + 0.01],
        ]
    )
    kept = rotated_nms(rows, np.array([0.9, 0.8, 0.7]), np.zeros(3, int), 0.5)
    assert kept.tolist() == [0, 1]
