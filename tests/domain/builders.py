"""Small builders shared by the domain tests."""

from collections.abc import Callable
from typing import Any

from labelwright.domain.schema import (
    CheckboxAttribute,
    LabelClass,
    LabelSchema,
    MultiselectAttribute,
    NumberAttribute,
    Option,
    RelationType,
    SelectAttribute,
    Skeleton,
    TagGroup,
    TextAttribute,
)
from labelwright.domain.shapes import AnnotationObject, Shape

WIDTH, HEIGHT = 200, 100
ALL_KINDS = ["bbox", "rotated_box", "polygon", "polyline", "points", "ellipse", "mask", "tag"]


def make_schema(**settings: Any) -> LabelSchema:
    """A schema with a car (most shapes, typed attributes), a person (keypoints), a road."""
    car = LabelClass(
        id="car",
        name="Car",
        color="#ff0000",
        hotkey="c",
        shape_kinds=ALL_KINDS,
        attributes=[
            TextAttribute(id="plate", name="Plate", max_length=8),
            NumberAttribute(id="doors", name="Doors", min=1, max=6, integer=True),
            CheckboxAttribute(id="parked", name="Parked", required=True, default=False),
            SelectAttribute(
                id="colour",
                name="Colour",
                options=[Option(id="red", name="Red"), Option(id="blue", name="Blue")],
            ),
            MultiselectAttribute(
                id="damage",
                name="Damage",
                options=[Option(id="dent", name="Dent"), Option(id="scratch", name="Scratch")],
            ),
        ],
    )
    person = LabelClass(
        id="person",
        name="Person",
        color="#00ff00",
        hotkey="p",
        shape_kinds=["keypoints", "bbox"],
        skeleton=Skeleton(
            nodes=["head", "left_hand", "right_hand"],
            edges=[(0, 1), (0, 2)],
            symmetric_pairs=[(1, 2)],
        ),
    )
    road = LabelClass(id="road", name="Road", color="#0000ff", shape_kinds=["polygon", "mask"])
    return LabelSchema(
        classes=[car, person, road],
        tag_groups=[
            TagGroup(
                id="weather",
                name="Weather",
                options=[Option(id="sun", name="Sun"), Option(id="rain", name="Rain")],
            ),
            TagGroup(
                id="issues",
                name="Issues",
                multiple=True,
                options=[Option(id="blur", name="Blur"), Option(id="dark", name="Dark")],
            ),
        ],
        relation_types=[
            RelationType(
                id="rides", name="rides", subject_class_ids=["person"], object_class_ids=["car"]
            ),
            RelationType(id="near", name="near"),
        ],
        **settings,
    )


def bounds_settings(make: Callable[..., LabelSchema]) -> dict[str, LabelSchema]:
    """A schema made with each way of treating shapes at the image border, by name."""
    return {
        "refuse": make(),
        "clip": make(out_of_bounds="clip"),
        "exact": make(tolerance_px=0),
        "loose": make(tolerance_px=1e300),
    }


def make_object(
    shape: Shape, class_id: str = "car", object_id: str = "o1", **fields: Any
) -> AnnotationObject:
    """An object with the car's required attribute filled in."""
    if class_id == "car":
        fields.setdefault("attributes", {"parked": False})
    return AnnotationObject(id=object_id, class_id=class_id, shape=shape, **fields)
