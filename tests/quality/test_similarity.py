import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from labelwright.domain.geometry import iou
from labelwright.domain.shapes import (
    BBox,
    Ellipse,
    Keypoints,
    Points,
    Polygon,
    Polyline,
    RotatedBox,
    Tag,
)
from labelwright.quality.boxes import boxes_xyxy, iou_matrix
from labelwright.quality.similarity import (
    COCO_PERSON_SIGMAS,
    SimilarityOptions,
    object_similarity,
    oks,
    points_similarity,
    polyline_similarity,
    shape_similarity,
    similarity_matrix,
)

from .helpers import box, mask_of, obj, rect_pixels


def test_box_iou_by_hand():
    # Two 10x10 boxes shifted by 5: intersection 50, union 150.
    assert shape_similarity(BBox(x=0, y=0, w=10, h=10), BBox(x=5, y=0, w=10, h=10)) == 1 / 3


def test_rotated_square_against_axis_square_is_an_octagon():
    # A 2x2 square and the same square turned 45 degrees overlap in a regular octagon
    # of area 8 (sqrt(2) - 1); the union is 8 minus that.
    octagon = 8 * (math.sqrt(2) - 1)
    a = RotatedBox(cx=0, cy=0, w=2, h=2, angle=0)
    b = RotatedBox(cx=0, cy=0, w=2, h=2, angle=45)
    assert shape_similarity(a, b) == pytest.approx(octagon / (8 - octagon))
    assert shape_similarity(a, RotatedBox(cx=0, cy=0, w=2, h=2, angle=90)) == pytest.approx(1)


def test_polygon_hole_is_not_area():
    holed = Polygon(rings=[[(0, 0), (10, 0), (10, 10), (0, 10)], [(3, 3), (7, 3), (7, 7), (3, 7)]])
    full = Polygon(rings=[[(0, 0), (10, 0), (10, 10), (0, 10)]])
    assert shape_similarity(holed, full) == pytest.approx(84 / 100)


def test_concentric_circles():
    inner, outer = Ellipse(cx=0, cy=0, rx=1, ry=1), Ellipse(cx=0, cy=0, rx=2, ry=2)
    assert shape_similarity(inner, outer) == pytest.approx(0.25, abs=1e-3)


def test_mask_iou_counts_pixels():
    a = mask_of(rect_pixels(20, 20, 0, 0, 10, 10))
    b = mask_of(rect_pixels(20, 20, 5, 5, 10, 10))
    assert shape_similarity(a, b) == pytest.approx(25 / 175)
    matrix = similarity_matrix([obj(a), obj(b)], [obj(b)])
    assert matrix[:, 0] == pytest.approx([25 / 175, 1.0])


def test_masks_of_different_sizes_name_the_objects():
    a = obj(mask_of(rect_pixels(20, 20, 0, 0, 5, 5)), object_id="m1")
    b = obj(mask_of(rect_pixels(10, 10, 0, 0, 5, 5)), object_id="m2")
    with pytest.raises(ValueError, match=r"'m1' and 'm2'.*sizes differ"):
        similarity_matrix([a], [b])


def test_oks_by_hand():
    # One node 1 px away, area 100, sigma 0.1: e = 1 / (2 * 100 * 0.2^2) = 1/8.
    ref = Keypoints(points=[(0, 0, 2), (10, 10, 2)])
    other = Keypoints(points=[(1, 0, 2), (10, 10, 2)])
    assert oks(ref, other, sigmas=[0.1, 0.1]) == pytest.approx((math.exp(-1 / 8) + 1) / 2)


def test_oks_skips_nodes_the_reference_left_out_and_zeroes_those_the_other_did():
    ref = Keypoints(points=[(0, 0, 2), (10, 10, 2), (5, 5, 0)])
    other = Keypoints(points=[(0, 0, 2), (0, 0, 0), (90, 90, 2)])
    assert oks(ref, other, sigmas=[0.1] * 3) == pytest.approx(0.5)


def test_oks_matches_pycocotools():
    rng = np.random.default_rng(3)
    gt_points = np.column_stack([rng.uniform(100, 200, (17, 2)), np.full(17, 2)])
    gt_points[[3, 8], 2] = 0  # two nodes not labeled in the answer
    dt_points = gt_points.copy()
    dt_points[:, :2] += rng.normal(0, 4, (17, 2))
    dt_points[:, 2] = 1
    area = 5000.0
    gt = COCO()
    gt.dataset = {
        "images": [{"id": 1, "width": 300, "height": 300}],
        "categories": [{"id": 1, "name": "person"}],
        "annotations": [
            {
                "id": 1,
                "image_id": 1,
                "category_id": 1,
                "iscrowd": 0,
                "area": area,
                "bbox": [100, 100, 100, 100],
                "keypoints": gt_points.ravel().tolist(),
                "num_keypoints": 15,
            },
        ],
    }
    gt.createIndex()
    dt = gt.loadRes(
        [{"image_id": 1, "category_id": 1, "score": 1.0, "keypoints": dt_points.ravel().tolist()}]
    )
    evaluator = COCOeval(gt, dt, "keypoints")
    evaluator.params.imgIds = [1]
    evaluator._prepare()
    expected = evaluator.computeOks(1, 1)[0, 0]
    ours = oks(
        Keypoints(points=[tuple(p) for p in gt_points]),
        Keypoints(points=[tuple(p) for p in dt_points]),
        sigmas=COCO_PERSON_SIGMAS,
        area=area,
    )
    assert ours == pytest.approx(expected)


def test_keypoint_sigmas_come_from_the_class():
    a = obj(Keypoints(points=[(0, 0, 2), (10, 10, 2)]), "person")
    b = obj(Keypoints(points=[(2, 0, 2), (10, 10, 2)]), "person")
    loose = SimilarityOptions(keypoint_sigmas={"person": [1.0, 1.0]})
    assert object_similarity(a, b, loose) > object_similarity(a, b)
    with pytest.raises(ValueError, match="'person' has 3 keypoint sigmas but the object has 2"):
        object_similarity(a, b, SimilarityOptions(keypoint_sigmas={"person": [1, 1, 1]}))


def test_points_pair_up_and_score_by_distance():
    a = Points(points=[(0, 0), (100, 100)])
    b = Points(points=[(100, 108), (0, 0)])  # 8 px off, in the other order
    assert points_similarity(a, b, tolerance=8) == pytest.approx((1 + math.exp(-0.5)) / 2)
    assert points_similarity(a, Points(points=[(0, 0)]), tolerance=8) == pytest.approx(0.5)
    assert points_similarity(Points(points=[]), Points(points=[])) == 1.0


def test_parallel_polylines_score_by_their_gap():
    a = Polyline(points=[(0, 0), (100, 0)])
    b = Polyline(points=[(0, 5), (100, 5)])
    assert polyline_similarity(a, b, tolerance=5) == pytest.approx(math.exp(-0.5))
    assert polyline_similarity(a, a) == pytest.approx(1.0)


def test_tags_match_by_class_and_incomparable_kinds_score_zero():
    assert object_similarity(obj(Tag(), "day"), obj(Tag(), "day")) == 1.0
    assert object_similarity(obj(Tag(), "day"), obj(Tag(), "night")) == 0.0
    assert object_similarity(box(0, 0, 5, 5), obj(Points(points=[(1, 1)]))) == 0.0
    with pytest.raises(ValueError, match="a bbox cannot be compared with a points"):
        shape_similarity(BBox(x=0, y=0, w=1, h=1), Points(points=[(1, 1)]))


def test_objects_on_different_frames_never_match():
    assert similarity_matrix([box(0, 0, 5, 5, frame=0)], [box(0, 0, 5, 5, frame=1)])[0, 0] == 0


def test_a_box_compares_with_a_polygon():
    square = obj(Polygon(rings=[[(0, 0), (10, 0), (10, 10), (0, 10)]]))
    assert similarity_matrix([box(0, 0, 10, 5)], [square])[0, 0] == pytest.approx(0.5)


finite = st.floats(-50, 50, allow_nan=False)
sizes = st.one_of(st.just(0.0), st.floats(0.01, 30))  # no sub-ulp slivers
box_rows = st.lists(st.tuples(finite, finite, sizes, sizes), min_size=1, max_size=5)


@settings(max_examples=60, deadline=None)
@given(box_rows, box_rows)
def test_iou_matrix_equals_the_domain_iou(rows_a, rows_b):
    a = [BBox(x=x, y=y, w=w, h=h) for x, y, w, h in rows_a]
    b = [BBox(x=x, y=y, w=w, h=h) for x, y, w, h in rows_b]
    matrix = iou_matrix(boxes_xyxy(a), boxes_xyxy(b))
    expected = np.array([[iou(p, q) for q in b] for p in a])
    assert matrix == pytest.approx(expected, abs=1e-9)
    assert ((matrix >= 0) & (matrix <= 1 + 1e-12)).all()
    assert iou_matrix(boxes_xyxy(b), boxes_xyxy(a)) == pytest.approx(matrix.T)
