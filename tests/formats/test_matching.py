"""Matching a dataset's schema onto a project's by name: classes, attributes, keypoints, tags."""

from __future__ import annotations

from collections import Counter

from labelwright.domain.schema import (
    CheckboxAttribute,
    LabelClass,
    LabelSchema,
    MultiselectAttribute,
    NumberAttribute,
    Option,
    SelectAttribute,
    Skeleton,
    TextAttribute,
)
from labelwright.domain.shapes import Annotation, AnnotationObject, BBox, Keypoints
from labelwright.formats.matching import SchemaMatch, fit_value

COLOURS = [Option(id="r", name="Red"), Option(id="g", name="Green")]


def dataset_schema() -> LabelSchema:
    """The dataset's own ids: class `auto`, attributes a1..a4, nodes in another order."""
    car = LabelClass(
        id="auto",
        name="car",
        color="#ff0000",
        shape_kinds=["bbox"],
        attributes=[
            NumberAttribute(id="a1", name="Doors"),
            SelectAttribute(id="a2", name="Colour", options=[Option(id="c1", name="red")]),
            TextAttribute(id="a3", name="Plate"),
            CheckboxAttribute(id="a4", name="Parked"),
        ],
    )
    person = LabelClass(
        id="p",
        name="PERSON",
        color="#00ff00",
        shape_kinds=["keypoints"],
        skeleton=Skeleton(nodes=["right_hand", "head", "tail"]),
    )
    return LabelSchema(classes=[car, person])


def project_schema() -> LabelSchema:
    """The project's ids for the same things (and no Plate attribute)."""
    car = LabelClass(
        id="car",
        name="Car",
        color="#ff0000",
        shape_kinds=["bbox"],
        attributes=[
            NumberAttribute(id="doors", name="doors", integer=True, min=1, max=6),
            SelectAttribute(id="colour", name="COLOUR", options=COLOURS),
            CheckboxAttribute(id="parked", name="Parked"),
            MultiselectAttribute(id="damage", name="Damage", options=COLOURS),
        ],
    )
    person = LabelClass(
        id="person",
        name="Person",
        color="#00ff00",
        shape_kinds=["keypoints"],
        skeleton=Skeleton(nodes=["head", "left_hand", "right_hand"]),
    )
    return LabelSchema(classes=[car, person])


def car(attributes: dict) -> AnnotationObject:
    return AnnotationObject(
        id="c", class_id="auto", shape=BBox(x=1, y=1, w=5, h=5), attributes=attributes
    )


def test_attribute_values_land_under_the_projects_ids() -> None:
    match = SchemaMatch(dataset_schema(), project_schema())
    doc = Annotation(objects=[car({"a1": "4", "a2": "c1", "a4": "true", "Damage": "Red,green"})])
    skipped: Counter = Counter()
    mapped, issues = match.apply(doc, skipped)
    (obj,) = mapped.objects
    assert obj.class_id == "car"
    assert obj.attributes == {"doors": 4, "colour": "r", "parked": True, "damage": ["r", "g"]}
    assert issues == [] and not +skipped


def test_unknown_attributes_are_counted_and_declared_ones_reported_up_front() -> None:
    match = SchemaMatch(dataset_schema(), project_schema())
    issues = match.schema_issues()
    assert [(i.reason, i.detail) for i in issues] == [
        ("unknown_attribute", "class 'Car': attribute 'Plate' is not in the project's schema"),
        ("unknown_keypoint", "class 'Person': keypoint 'tail' is not in the project's skeleton"),
    ]
    skipped: Counter = Counter()
    mapped, _ = match.apply(Annotation(objects=[car({"a3": "AB-123", "wheels": 4})]), skipped)
    assert mapped.objects[0].attributes == {}
    assert skipped["unknown_attribute"] == 2
    assert match.unknown_attribute_values == Counter({("Car", "wheels"): 1})
    (issue,) = match.undeclared_issues()
    assert (
        issue.detail
        == "class 'Car': attribute 'wheels' is not in the project's schema (1 value skipped)"
    )


def test_values_that_do_not_fit_are_dropped_and_named() -> None:
    match = SchemaMatch(dataset_schema(), project_schema())
    skipped: Counter = Counter()
    doc = Annotation(objects=[car({"a1": "nine", "a2": "purple", "a4": True})])
    mapped, issues = match.apply(doc, skipped)
    assert mapped.objects[0].attributes == {"parked": True}
    assert skipped["bad_attribute_value"] == 2
    details = [i.detail for i in issues]
    assert details[0].startswith("object 'c': attribute 'doors': expected a number")
    assert "'purple' is not one of the options (r, g)" in details[1]
    doc = Annotation(objects=[car({"a1": 7})])
    _, issues = match.apply(doc, skipped)
    assert "7 is above the maximum 6.0" in issues[0].detail


def test_keypoints_follow_the_projects_node_order_by_name() -> None:
    match = SchemaMatch(dataset_schema(), project_schema())
    points = Keypoints(points=[(1, 1, 2), (2, 2, 2), (3, 3, 1)])  # right_hand, head, tail
    doc = Annotation(objects=[AnnotationObject(id="k", class_id="p", shape=points)])
    skipped: Counter = Counter()
    mapped, _ = match.apply(doc, skipped)
    (obj,) = mapped.objects
    assert obj.class_id == "person"
    assert obj.shape.points == [(2, 2, 2), (0, 0, 0), (1, 1, 2)]  # head, left_hand, right_hand
    assert skipped["unknown_keypoint"] == 1


def test_numbered_nodes_match_by_position_when_no_name_does() -> None:
    numbered = LabelClass(
        id="person",
        name="person",
        color="#00ff00",
        shape_kinds=["keypoints"],
        skeleton=Skeleton(nodes=["kpt_0", "kpt_1", "kpt_2"]),
    )
    match = SchemaMatch(LabelSchema(classes=[numbered]), project_schema())
    points = Keypoints(points=[(1, 1, 2), (2, 2, 2), (3, 3, 1)])
    doc = Annotation(objects=[AnnotationObject(id="k", class_id="person", shape=points)])
    mapped, _ = match.apply(doc, Counter())
    assert mapped.objects[0].shape == points
    assert match.schema_issues() == []


def test_an_identical_schema_leaves_objects_untouched() -> None:
    schema = project_schema()
    match = SchemaMatch(schema, schema)
    obj = AnnotationObject(
        id="c", class_id="car", shape=BBox(x=1, y=1, w=5, h=5), attributes={"doors": 2}
    )
    mapped, issues = match.apply(Annotation(objects=[obj]), Counter())
    assert mapped.objects[0] is obj and issues == []


def test_fit_value_converts_only_what_reads_plainly() -> None:
    doors = NumberAttribute(id="d", name="d")
    assert fit_value(doors, None, "2.5") == 2.5
    assert fit_value(doors, None, "two") == "two"
    assert fit_value(CheckboxAttribute(id="b", name="b"), None, "No") is False
    assert fit_value(CheckboxAttribute(id="b", name="b"), None, "maybe") == "maybe"
