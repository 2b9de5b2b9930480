import pytest

from labelwright.domain.schema import CheckboxAttribute, LabelClass, LabelSchema
from labelwright.domain.shapes import Annotation, Keypoints
from labelwright.quality.rules import RuleSettings, check_annotation, check_items

from .helpers import box, obj

SCHEMA = LabelSchema(
    classes=[
        LabelClass(
            id="car", name="Car", color="#ff0000", shape_kinds=["bbox"],
            attributes=[CheckboxAttribute(id="parked", name="Parked", required=True)],
        ),
        LabelClass(id="road", name="Road", color="#00ff00", shape_kinds=["bbox"]),
    ]
)  # fmt: skip


def rules_of(findings):
    return [(f.rule, f.object_id) for f in findings]


def test_small_and_outside_boxes():
    annotation = Annotation(
        objects=[box(0, 0, 2, 30, "road", "thin"), box(90, 10, 20, 20, "road", "out")]
    )
    findings = check_annotation(annotation, item_id="i1", image_size=(100, 50))
    assert rules_of(findings) == [("outside_image", "out"), ("min_box_size", "thin")]
    assert findings[0].severity == "error" and findings[0].item_id == "i1"
    assert "10.0 px outside the 100x50 image" in findings[0].message


def test_outside_ignores_what_the_tolerance_allows():
    annotation = Annotation(objects=[box(-0.5, 0, 10, 10, "road")])
    assert check_annotation(annotation, item_id="i", image_size=(100, 100)) == []


def test_near_duplicates_and_forbidden_overlaps():
    annotation = Annotation(
        objects=[
            box(0, 0, 10, 10, "road", "r1"),
            box(0, 0, 10, 10.5, "road", "r2"),
            box(5, 5, 10, 10, "car", "c1", attributes={"parked": True}),
        ]
    )
    settings = RuleSettings(forbidden_overlaps=(("car", "road"),))
    findings = check_annotation(annotation, item_id="i", settings=settings)
    assert ("near_duplicate", "r2") in rules_of(findings)
    overlaps = [f for f in findings if f.rule == "forbidden_overlap"]
    # c1 covers a 5 x 5.5 corner of r2 and a 5 x 5 corner of r1 (100 px each).
    assert [f.score for f in overlaps] == pytest.approx([0.275, 0.25])


def test_missing_attributes_and_unknown_classes():
    annotation = Annotation(
        objects=[box(0, 0, 10, 10, "car", "c1"), box(20, 0, 10, 10, "boat", "b1")]
    )
    findings = check_annotation(annotation, item_id="i", schema=SCHEMA)
    assert rules_of(findings) == [("unknown_class", "b1"), ("missing_attribute", "c1")]
    assert all(f.severity == "error" for f in findings)


def test_object_counts():
    annotation = Annotation(objects=[box(0, 0, 10, 10, "car", f"c{i}") for i in range(3)])
    settings = RuleSettings(
        max_objects=2, class_count_limits={"road": (1, None)}, duplicate_iou=1.0
    )
    findings = check_annotation(annotation, item_id="i", settings=settings)
    assert sorted(f.rule for f in findings) == ["too_few_objects", "too_many_objects"]
    assert all(f.object_id is None for f in findings)


def test_keypoints_are_checked_for_bounds_only():
    annotation = Annotation(
        objects=[obj(Keypoints(points=[(5, 5, 2), (500, 5, 2)]), "person", "k")]
    )
    assert rules_of(check_annotation(annotation, item_id="i", image_size=(100, 100))) == [
        ("outside_image", "k")
    ]


def test_findings_over_items_are_ranked_worst_first():
    items = [
        ("a", Annotation(objects=[box(0, 0, 3, 30, "road", "x")]), (100, 100)),
        ("b", Annotation(objects=[box(0, 0, 1, 30, "road", "y")]), (100, 100)),
        ("c", Annotation(objects=[box(95, 0, 20, 20, "road", "z")]), (100, 100)),
    ]
    findings = check_items(items)
    assert [f.item_id for f in findings] == ["c", "b", "a"]
