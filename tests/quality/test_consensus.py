import pytest

from labelwright.domain.geometry import iou
from labelwright.domain.schema import LabelSchema, Option, TagGroup
from labelwright.domain.shapes import (
    Annotation,
    Ellipse,
    Keypoints,
    ObjectRelation,
    Points,
    Polygon,
    RotatedBox,
)
from labelwright.quality.consensus import cluster_objects, merge_annotations
from labelwright.quality.fusion import fuse_turned, vote_masks

from .helpers import box, boxes, mask_of, obj, rect_pixels


def test_weighted_box_fusion_by_hand():
    annotations = [
        Annotation(objects=[box(0, 0, 10, 10, score=1.0)]),
        Annotation(objects=[box(2, 0, 10, 10, score=3.0)]),
        Annotation(objects=[box(100, 100, 5, 5)]),  # alone: below the quorum of 2
    ]
    result = merge_annotations(annotations)
    [merged] = result.annotation.objects
    assert (merged.shape.x, merged.shape.w) == pytest.approx((1.5, 10))  # (0*1 + 2*3) / 4
    assert merged.source == "consensus" and merged.class_id == "car"
    assert merged.score == pytest.approx(2.0 * 2 / 3)  # mean weight x support / annotators
    assert len(result.dropped) == 1 and result.dropped[0].support == 1


def test_quorum_can_be_lowered_and_is_checked():
    annotations = [boxes((0, 0, 10, 10)), boxes((50, 50, 10, 10))]
    assert len(merge_annotations(annotations, quorum=1).annotation.objects) == 2
    assert merge_annotations(annotations).annotation.objects == []
    with pytest.raises(ValueError, match="quorum must be between 1 and 2"):
        merge_annotations(annotations, quorum=3)
    with pytest.raises(ValueError, match="no annotations"):
        merge_annotations([])


def test_a_new_object_joins_the_cluster_it_resembles_on_average():
    annotations = [boxes((0, 0, 10, 10)), boxes((1, 0, 10, 10)), boxes((0.5, 0, 10, 10))]
    clusters = cluster_objects(annotations)
    assert [c.support for c in clusters] == [3]


def test_classes_do_not_mix_unless_class_agnostic():
    annotations = [
        boxes((0, 0, 10, 10, "car")),
        boxes((0, 0, 10, 10, "van")),
        boxes((0, 0, 10, 10, "car")),
    ]
    assert [c.support for c in cluster_objects(annotations)] == [2, 1]
    result = merge_annotations(annotations, class_agnostic=True)
    [merged] = result.annotation.objects
    assert merged.class_id == "car"  # majority class


def test_attributes_by_majority():
    annotations = [
        Annotation(objects=[box(0, 0, 10, 10, attributes={"colour": "red", "doors": 4})]),
        Annotation(objects=[box(0, 0, 10, 10, attributes={"colour": "blue", "doors": 4})]),
        Annotation(objects=[box(0, 0, 10, 10, attributes={"colour": "red"})]),
    ]
    [merged] = merge_annotations(annotations).annotation.objects
    assert merged.attributes == {"colour": "red", "doors": 4}


def test_needs_review_when_agreement_is_low():
    close = [boxes((0, 0, 10, 10)), boxes((0.2, 0, 10, 10))]
    far = [boxes((0, 0, 10, 10)), boxes((0, 0, 10, 10), (40, 40, 10, 10), (70, 70, 9, 9))]
    assert merge_annotations(close).needs_review is False
    result = merge_annotations(far, review_threshold=0.7)
    assert result.agreement == pytest.approx(0.5) and result.needs_review is True
    single = merge_annotations([boxes((0, 0, 10, 10))])
    assert single.agreement is None and single.needs_review is False
    assert len(single.annotation.objects) == 1


def test_mask_pixel_majority():
    a = mask_of(rect_pixels(20, 20, 0, 0, 10, 10))
    b = mask_of(rect_pixels(20, 20, 2, 0, 10, 10))
    c = mask_of(rect_pixels(20, 20, 0, 0, 10, 12))
    voted = vote_masks([a, b, c])
    assert voted.rle == mask_of(rect_pixels(20, 20, 0, 0, 10, 10)).rle
    merged = merge_annotations([Annotation(objects=[obj(m)]) for m in (a, b, c)])
    assert merged.annotation.objects[0].shape.rle == voted.rle


def test_polygons_are_voted_and_traced_back_with_their_holes():
    outer = [(0, 0), (100, 0), (100, 100), (0, 100)]
    hole = [(40, 40), (60, 40), (60, 60), (40, 60)]
    polygons = [
        Polygon(rings=[outer, hole]),
        Polygon(rings=[[(x + 2, y) for x, y in outer], hole]),
        Polygon(rings=[[(x, y + 3) for x, y in outer]]),
    ]
    result = merge_annotations([Annotation(objects=[obj(p)]) for p in polygons])
    shape = result.annotation.objects[0].shape
    # Majority: x in [2, 100] for y < 3, x in [0, 100] below, minus the hole two drew.
    exact = Polygon(rings=[[(2, 0), (100, 0), (100, 100), (0, 100), (0, 3), (2, 3)], hole])
    assert len(shape.rings) == 2
    assert iou(shape, exact) > 0.99


def test_rotated_boxes_fuse_across_equivalent_angles():
    a = RotatedBox(cx=0, cy=0, w=20, h=10, angle=10)
    b = RotatedBox(cx=2, cy=0, w=10, h=20, angle=100 - 180)  # the same box, described turned
    fused = fuse_turned([a, b], [1, 1])
    assert (fused.cx, fused.w, fused.h, fused.angle) == pytest.approx((1, 20, 10, 10))
    e = fuse_turned(
        [Ellipse(cx=0, cy=0, rx=5, ry=2, angle=179), Ellipse(cx=0, cy=0, rx=5, ry=2, angle=1)],
        [1, 1],
    )
    assert e.angle % 180 == pytest.approx(0, abs=1e-9) or e.angle % 180 == pytest.approx(180)


def test_keypoints_average_per_labeled_node():
    members = [
        Keypoints(points=[(10, 10, 2), (50, 50, 2), (0, 0, 0)]),
        Keypoints(points=[(12, 10, 2), (52, 50, 1), (0, 0, 0)]),
        Keypoints(points=[(11, 13, 2), (0, 0, 0), (90, 90, 2)]),
    ]
    # The third drew a node the others did not: OKS about 0.46, so match at 0.3.
    annotations = [Annotation(objects=[obj(k, "person")]) for k in members]
    merged = merge_annotations(annotations, threshold=0.3)
    points = merged.annotation.objects[0].shape.points
    assert points[0] == pytest.approx((11, 11, 2))
    assert points[1] == pytest.approx((51, 50, 1))  # two labeled it, only one saw it
    assert points[2] == (0, 0, 0)  # only one of three labeled it


def test_points_take_the_member_most_like_the_others():
    members = [Points(points=[(0, 0)]), Points(points=[(1, 0)]), Points(points=[(3, 0)])]
    merged = merge_annotations([Annotation(objects=[obj(p, "pin")]) for p in members])
    assert merged.annotation.objects[0].shape == members[1]


def test_tags_and_relations_by_quorum():
    schema = LabelSchema(
        tag_groups=[
            TagGroup(
                id="weather",
                name="Weather",
                options=[Option(id="sun", name="Sun"), Option(id="rain", name="Rain")],
            )
        ]
    )

    def annotation(weather, related):
        objects = [box(0, 0, 10, 10, "person", "p"), box(0, 20, 10, 10, "car", "c")]
        relations = (
            [ObjectRelation(id="r", type_id="rides", subject="p", object="c")] if related else []
        )
        return Annotation(objects=objects, tags={"weather": weather}, relations=relations)

    result = merge_annotations(
        [annotation(["sun"], True), annotation(["sun"], True), annotation(["rain"], False)],
        schema=schema,
    )
    merged = result.annotation
    assert merged.tags == {"weather": ["sun"]}
    [relation] = merged.relations
    assert merged.object_by_id(relation.subject).class_id == "person"
    assert merged.object_by_id(relation.object).class_id == "car"
