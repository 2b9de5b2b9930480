"""Builders and Hypothesis strategies for format tests: small valid datasets."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from pycocotools import mask as coco_mask

from labelwright.domain.schema import (
    LabelClass,
    LabelSchema,
    NumberAttribute,
    Option,
    RelationType,
    Skeleton,
    TagGroup,
)
from labelwright.domain.shapes import (
    Annotation,
    AnnotationObject,
    BBox,
    Ellipse,
    Keypoints,
    Mask,
    ObjectRelation,
    Points,
    Polygon,
    Polyline,
    Rle,
    RotatedBox,
    Tag,
)
from labelwright.formats.dataset import Dataset, DatasetImage

AREA = ["bbox", "rotated_box", "polygon", "ellipse", "mask"]


def make_schema() -> LabelSchema:
    """Car (most shapes), person (keypoints with a left/right pair), road (polygon, mask)."""
    car = LabelClass(
        id="car",
        name="Car",
        color="#ff0000",
        shape_kinds=[*AREA, "polyline", "points", "tag"],
        attributes=[NumberAttribute(id="doors", name="Doors", min=1, max=6, integer=True)],
    )
    person = LabelClass(
        id="person",
        name="Person",
        color="#00ff00",
        shape_kinds=["keypoints", "bbox"],
        skeleton=Skeleton(
            nodes=["head", "left_hand", "right_hand"],
            edges=[(0, 1), (0, 2)],
            symmetric_pairs=[(1, 2)],
        ),
    )
    road = LabelClass(id="road", name="Road", color="#0000ff", shape_kinds=["polygon", "mask"])
    weather = TagGroup(
        id="weather",
        name="Weather",
        options=[Option(id="sun", name="Sun"), Option(id="rain", name="Rain")],
    )
    rides = RelationType(id="rides", name="Rides")
    return LabelSchema(classes=[car, person, road], tag_groups=[weather], relation_types=[rides])


def mask_rle(height: int, width: int, x: int, y: int, w: int, h: int) -> Rle:
    """A rectangular mask as compressed RLE."""
    pixels = np.zeros((height, width), dtype=np.uint8, order="F")
    pixels[y : y + h, x : x + w] = 1
    encoded = coco_mask.encode(pixels)
    return Rle(size=(height, width), counts=encoded["counts"].decode("ascii"))


@st.composite
def boxes(draw, width: int, height: int) -> BBox:
    """A box inside the image."""
    x = draw(st.floats(0, width - 20, allow_nan=False).map(lambda v: round(v, 3)))
    y = draw(st.floats(0, height - 20, allow_nan=False).map(lambda v: round(v, 3)))
    w = draw(st.floats(2, 19, allow_nan=False).map(lambda v: round(v, 3)))
    h = draw(st.floats(2, 19, allow_nan=False).map(lambda v: round(v, 3)))
    return BBox(x=x, y=y, w=w, h=h)


@st.composite
def simple_polygons(draw, width: int, height: int) -> Polygon:
    """A convex polygon (a box's corners nudged outward) inside the image."""
    box = draw(boxes(width, height))
    x0, y0, x1, y1 = box.x, box.y, box.x + box.w, box.y + box.h
    mid = (round((x0 + x1) / 2, 3), max(0.0, round(y0 - 1, 3)))
    return Polygon(rings=[[(x0, y0), mid, (x1, y0), (x1, y1), (x0, y1)]])


@st.composite
def rotated_boxes(draw, width: int, height: int) -> RotatedBox:
    """A small rotated box well inside the image."""
    cx = draw(st.floats(15, width - 15).map(lambda v: round(v, 3)))
    cy = draw(st.floats(15, height - 15).map(lambda v: round(v, 3)))
    w = draw(st.floats(2, 10).map(lambda v: round(v, 3)))
    h = draw(st.floats(2, 10).map(lambda v: round(v, 3)))
    angle = draw(st.floats(-89, 89).map(lambda v: round(v, 3)))
    return RotatedBox(cx=cx, cy=cy, w=w, h=h, angle=angle)


@st.composite
def images(draw, number: int, *, kinds: tuple[str, ...] = ("bbox", "polygon")) -> DatasetImage:
    """One image with a few objects of the given kinds."""
    width = draw(st.integers(60, 400))
    height = draw(st.integers(60, 300))
    objects = []
    for index in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(kinds))
        objects.append(make_object(draw, kind, f"o{number}-{index}", width, height))
    split = draw(st.sampled_from(["train", "val", None]))
    return DatasetImage(
        file_name=f"sub/img_{number}.jpg",
        width=width,
        height=height,
        annotation=Annotation(objects=objects),
        split=split,
    )


def make_object(draw, kind: str, object_id: str, width: int, height: int) -> AnnotationObject:
    """A random valid object of `kind`."""
    class_id = draw(st.sampled_from(["car", "road"])) if kind in ("polygon", "mask") else "car"
    if kind == "bbox":
        shape = draw(boxes(width, height))
    elif kind == "polygon":
        shape = draw(simple_polygons(width, height))
    elif kind == "rotated_box":
        shape = draw(rotated_boxes(width, height))
    elif kind == "mask":
        box = draw(boxes(width, height))
        shape = Mask(
            rle=mask_rle(height, width, int(box.x), int(box.y), int(box.w), int(box.h)),
            instance=draw(st.booleans()),
        )
    elif kind == "keypoints":
        class_id = "person"
        box = draw(boxes(width, height))
        visible = draw(st.lists(st.sampled_from([1, 2]), min_size=3, max_size=3))
        shape = Keypoints(
            points=[
                (box.x, box.y, visible[0]),
                (box.x + box.w, box.y, visible[1]),
                (box.x, box.y + box.h, visible[2]),
            ]
        )
    else:
        raise ValueError(kind)
    return AnnotationObject(id=object_id, class_id=class_id, shape=shape)


def datasets(kinds: tuple[str, ...] = ("bbox", "polygon"), max_images: int = 4):
    """A strategy for small datasets of the given shape kinds."""
    return st.integers(1, max_images).flatmap(
        lambda n: st.tuples(*[images(i, kinds=kinds) for i in range(n)])
    )


def rich_dataset() -> Dataset:
    """One dataset with every shape kind and every field a DatasetImage can hold."""
    width, height = 120, 80
    objects = [
        AnnotationObject(id="a", class_id="car", shape=BBox(x=1, y=2, w=30, h=20)),
        AnnotationObject(
            id="b",
            class_id="car",
            shape=RotatedBox(cx=60, cy=40, w=20, h=10, angle=30),
            attributes={"doors": 4},
            frame=1,
            track="t1",
            group="g1",
            score=0.75,
            source="model:yolo",
        ),
        AnnotationObject(
            id="c",
            class_id="road",
            shape=Polygon(
                rings=[
                    [(10.0, 10.0), (90.0, 10.0), (90.0, 70.0), (10.0, 70.0)],
                    [(30.0, 30.0), (50.0, 30.0), (50.0, 50.0), (30.0, 50.0)],
                ]
            ),
        ),
        AnnotationObject(id="d", class_id="car", shape=Ellipse(cx=60, cy=40, rx=10, ry=5)),
        AnnotationObject(
            id="e", class_id="road", shape=Mask(rle=mask_rle(height, width, 5, 5, 10, 10))
        ),
        AnnotationObject(
            id="e2",
            class_id="road",
            shape=Mask(rle=mask_rle(height, width, 50, 50, 10, 10), instance=False),
        ),
        AnnotationObject(
            id="f",
            class_id="person",
            shape=Keypoints(points=[(20, 20, 2), (25, 30, 1), (0, 0, 0)]),
        ),
        AnnotationObject(
            id="g", class_id="car", shape=Polyline(points=[(1.5, 2.5), (10.25, 20.125)])
        ),
        AnnotationObject(id="h", class_id="car", shape=Points(points=[(3, 4)])),
        AnnotationObject(id="i", class_id="car", shape=Tag()),
        AnnotationObject(
            id="j",
            class_id="road",
            shape=Polygon(rings=[[(0.5, 0.5), (5.5, 0.5), (3.0, 4.0)]]),
        ),
    ]
    annotation = Annotation(
        objects=objects,
        tags={"weather": ["rain"]},
        relations=[ObjectRelation(id="r1", type_id="rides", subject="f", object="a")],
    )
    first = DatasetImage(
        file_name="a/first.png",
        width=width,
        height=height,
        annotation=annotation,
        frame_count=3,
        split="train",
        state="accepted",
        meta={"source": "client", "n": 1},
    )
    second = DatasetImage(file_name="second.jpg", width=64, height=48, split="val")
    return Dataset(schema=make_schema(), images=[first, second], name="rich")
