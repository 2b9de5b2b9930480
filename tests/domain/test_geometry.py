import math

import numpy as np
import pytest
from pycocotools import mask as coco_mask

from labelwright.domain.geometry import area_of, bbox_of, clip_shape, extent_of, iou
from labelwright.domain.rle import decode_rle_counts, rle_problem
from labelwright.domain.shapes import (
    BBox,
    Ellipse,
    Keypoints,
    Mask,
    Points,
    Polygon,
    Polyline,
    Rle,
    RotatedBox,
    Tag,
)


def mask_of(pixels: np.ndarray) -> Mask:
    rle = coco_mask.encode(np.asfortranarray(pixels.astype(np.uint8)))
    return Mask(rle=Rle(size=tuple(rle["size"]), counts=rle["counts"].decode()))


def box_mask(height, width, x, y, w, h) -> Mask:
    pixels = np.zeros((height, width), dtype=np.uint8)
    pixels[y : y + h, x : x + w] = 1
    return mask_of(pixels)


@pytest.mark.parametrize(
    ("shape", "expected"),
    [
        (BBox(x=1, y=2, w=3, h=4), (1, 2, 3, 4)),
        (RotatedBox(cx=10, cy=10, w=4, h=2, angle=0), (8, 9, 4, 2)),
        (RotatedBox(cx=10, cy=10, w=4, h=2, angle=90), (9, 8, 2, 4)),
        (
            RotatedBox(cx=0, cy=0, w=2, h=2, angle=45),
            (-math.sqrt(2), -math.sqrt(2), 2 * math.sqrt(2), 2 * math.sqrt(2)),
        ),
        (Polygon(rings=[[(1, 1), (5, 2), (3, 7)], [(2, 2), (3, 2), (3, 3)]]), (1, 1, 4, 6)),
        (Polyline(points=[(0, 5), (10, 0)]), (0, 0, 10, 5)),
        (Points(points=[(3, 3)]), (3, 3, 0, 0)),
        (Keypoints(points=[(1, 1, 2), (100, 100, 0), (5, 4, 1)]), (1, 1, 4, 3)),
        (Keypoints(points=[(1, 1, 0)]), (0, 0, 0, 0)),
        (Ellipse(cx=10, cy=20, rx=5, ry=2, angle=0), (5, 18, 10, 4)),
        (Ellipse(cx=10, cy=20, rx=5, ry=2, angle=90), (8, 15, 4, 10)),
        (box_mask(10, 20, 3, 2, 5, 4), (3, 2, 5, 4)),
        (Tag(), (0, 0, 0, 0)),
    ],
)
def test_bbox_of_every_kind(shape, expected):
    assert bbox_of(shape) == pytest.approx(expected, abs=1e-9)


def test_ellipse_extent_is_exact_at_any_angle():
    ellipse = Ellipse(cx=0, cy=0, rx=7, ry=3, angle=33)
    x, y, w, h = bbox_of(ellipse)
    theta = np.linspace(0, 2 * np.pi, 100_000)
    c, s = math.cos(math.radians(33)), math.sin(math.radians(33))
    xs = 7 * np.cos(theta) * c - 3 * np.sin(theta) * s
    ys = 7 * np.cos(theta) * s + 3 * np.sin(theta) * c
    assert (x, y, w, h) == pytest.approx((xs.min(), ys.min(), np.ptp(xs), np.ptp(ys)), abs=1e-6)


@pytest.mark.parametrize(
    ("shape", "expected"),
    [
        (BBox(x=0, y=0, w=3, h=4), 12),
        (RotatedBox(cx=0, cy=0, w=3, h=4, angle=17), 12),
        (
            Polygon(rings=[[(0, 0), (10, 0), (10, 10), (0, 10)], [(2, 2), (4, 2), (4, 4), (2, 4)]]),
            96,
        ),
        (Ellipse(cx=0, cy=0, rx=2, ry=3), 6 * math.pi),
        (box_mask(10, 20, 3, 2, 5, 4), 20),
        (Polyline(points=[(0, 0), (1, 1)]), 0),
        (Tag(), 0),
    ],
)
def test_area_of(shape, expected):
    assert area_of(shape) == pytest.approx(expected)


def test_iou_of_known_boxes():
    a = BBox(x=0, y=0, w=10, h=10)
    assert iou(a, a) == 1
    assert iou(a, BBox(x=5, y=0, w=10, h=10)) == pytest.approx(50 / 150)
    assert iou(a, BBox(x=20, y=20, w=1, h=1)) == 0
    assert iou(a, BBox(x=10, y=0, w=10, h=10)) == 0
    assert iou(a, BBox(x=2, y=2, w=5, h=5)) == pytest.approx(25 / 100)


def test_iou_across_kinds():
    box = BBox(x=0, y=0, w=10, h=10)
    square = Polygon(rings=[[(5, 0), (15, 0), (15, 10), (5, 10)]])
    assert iou(box, square) == pytest.approx(50 / 150)
    assert iou(square, square) == pytest.approx(1)
    rotated = RotatedBox(cx=5, cy=5, w=10, h=10, angle=90)
    assert iou(box, rotated) == pytest.approx(1)
    assert iou(box, Ellipse(cx=5, cy=5, rx=5, ry=5)) == pytest.approx(math.pi / 4, rel=0.01)
    with pytest.raises(ValueError, match="not defined"):
        iou(box, Points(points=[(1, 1)]))


def test_iou_with_masks():
    a = box_mask(20, 30, 0, 0, 10, 10)
    b = box_mask(20, 30, 5, 0, 10, 10)
    assert iou(a, b) == pytest.approx(50 / 150)
    assert iou(a, BBox(x=0, y=0, w=10, h=10)) == pytest.approx(1)
    holed = Polygon(
        rings=[[(0, 0), (10, 0), (10, 10), (0, 10)], [(5, 0), (10, 0), (10, 10), (5, 10)]]
    )
    assert iou(a, holed) == pytest.approx(0.5, abs=0.06)
    with pytest.raises(ValueError, match="sizes differ"):
        iou(a, box_mask(10, 10, 0, 0, 5, 5))


def test_rle_counts_decode_like_pycocotools():
    rng = np.random.default_rng(1)
    for _ in range(50):
        pixels = rng.random((13, 17)) < rng.random()
        mask = mask_of(pixels)
        runs = decode_rle_counts(mask.rle.counts)
        assert sum(runs) == 13 * 17
        assert rle_problem(mask.rle) is None


@pytest.mark.parametrize("counts", ["", "0", "o", "\x00", "é", "0000000000", "1" * 9, "PPPPPPPP1"])
def test_hostile_rle_counts_are_reported_not_crashing(counts):
    assert rle_problem(Rle(size=(4, 4), counts=counts)) is not None


def test_clip_shape_cuts_boxes_polygons_and_lines():
    assert clip_shape(BBox(x=-5, y=90, w=20, h=20), 100, 100) == BBox(x=0, y=90, w=15, h=10)
    inside = Polygon(rings=[[(1, 1), (5, 1), (5, 5)]])
    assert clip_shape(inside, 100, 100) is inside
    clipped = clip_shape(Polygon(rings=[[(-10, -10), (50, -10), (50, 50), (-10, 50)]]), 100, 100)
    assert area_of(clipped) == pytest.approx(2500)
    line = clip_shape(Polyline(points=[(-10, 50), (50, 50), (150, 50)]), 100, 100)
    assert line.points[0] == (0, 50) and line.points[-1] == (100, 50)
    points = clip_shape(Points(points=[(-1, 5), (200, 200)]), 100, 100)
    assert points.points == [(0, 5), (100, 100)]
    keypoints = clip_shape(Keypoints(points=[(-1, 5, 2), (50, 50, 1)]), 100, 100)
    assert keypoints.points == [(0, 5, 2), (50, 50, 1)]


def test_clip_shape_refuses_what_it_cannot_clip():
    with pytest.raises(ValueError, match="entirely outside"):
        clip_shape(BBox(x=200, y=0, w=5, h=5), 100, 100)
    arch = [(10, 90), (10, 150), (40, 150), (40, 90), (30, 90), (30, 120), (20, 120), (20, 90)]
    with pytest.raises(ValueError, match="split"):
        clip_shape(Polygon(rings=[arch]), 100, 100)


@pytest.mark.parametrize(
    "shape",
    [
        RotatedBox(cx=95, cy=50, w=30, h=10, angle=30),
        RotatedBox(cx=-5, cy=-5, w=30, h=30, angle=45),
        Ellipse(cx=0, cy=0, rx=30, ry=10, angle=30),
        Ellipse(cx=50, cy=50, rx=500, ry=500),
    ],
)
def test_clipped_rotated_shapes_fit_inside(shape):
    clipped = clip_shape(shape, 100, 100)
    assert clipped.angle == shape.angle
    x0, y0, x1, y1 = extent_of(clipped)
    assert x0 >= 0 and y0 >= 0 and x1 <= 100 and y1 <= 100
    assert area_of(clipped) > 0
