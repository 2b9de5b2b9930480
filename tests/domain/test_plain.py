"""Plain annotations: `plain_bodies` gives what building models and `validate_many` gives.

It may leave any annotation to the full path (None), but what it settles must be exactly
the annotation the full path accepts, stored the same way.
"""

import math

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labelwright.domain.plain import PlainObject, plain_bodies
from labelwright.domain.schema import LabelClass, LabelSchema, TextAttribute
from labelwright.domain.shapes import Annotation
from labelwright.domain.validation import (
    MAX_ID_LENGTH,
    AnnotationInvalid,
    ImageSize,
    Limits,
    validate_many,
)

from .builders import HEIGHT, WIDTH, bounds_settings

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def schema(**settings_) -> LabelSchema:
    """A car (boxes and polygons), a sign (polygons only), a truck with an attribute."""
    return LabelSchema(
        classes=[
            LabelClass(id="car", name="Car", color="#ff0000", shape_kinds=["bbox", "polygon"]),
            LabelClass(id="sign", name="Sign", color="#00ff00", shape_kinds=["polygon"]),
            LabelClass(
                id="truck",
                name="Truck",
                color="#0000ff",
                shape_kinds=["bbox", "polygon"],
                attributes=[TextAttribute(id="plate", name="Plate")],
            ),
        ],
        **settings_,
    )


SCHEMAS = bounds_settings(schema)
numbers = st.one_of(
    st.floats(-20, WIDTH + 20),
    st.integers(-5, WIDTH + 5),
    st.sampled_from([0, 0.0, -0.0, -1.0, 1e-300, 5e-324, WIDTH, HEIGHT + 1.0, 1e15, 1e200]),
    st.sampled_from([math.nan, math.inf, -math.inf, True, False, None, "5", [1.0]]),
)
sizes = st.one_of(
    st.just(ImageSize(WIDTH, HEIGHT, 1)),
    st.sampled_from([ImageSize(WIDTH, HEIGHT, 3), ImageSize(5, 5, 1), ImageSize(0, HEIGHT, 1)]),
)


@st.composite
def rings(draw):
    """A polygon's ring as [x0, y0, x1, y1, ...]: simple or star-shaped, thin, odd, hostile."""
    style = draw(st.sampled_from(["star", "star", "numbers", "sliver"]))
    if style == "numbers":
        return draw(st.lists(numbers, min_size=0, max_size=14))
    if style == "sliver":
        x, y = draw(st.floats(0, WIDTH - 100)), draw(st.floats(0, HEIGHT - 10))
        height = draw(st.sampled_from([0.0, 1e-12, 1e-8, 1e-3, 1.0]))
        return [x, y, x + 100, y, x + 50, y + height]
    count = draw(st.integers(3, 12))
    cx, cy = draw(st.floats(-10, WIDTH + 10)), draw(st.floats(-10, HEIGHT + 10))
    radii = draw(st.lists(st.floats(0, 40), min_size=count, max_size=count))
    turn = draw(st.sampled_from([1, 1, 1, 3]))  # 3 winds round three times
    flat = []
    for i, r in enumerate(radii):
        flat += [cx + r * math.cos(turn * 2 * math.pi * i / count)]
        flat += [cy + r * math.sin(2 * math.pi * i / count)]
    return flat + flat[:2] if draw(st.booleans()) else flat  # sometimes closed


boxes = st.one_of(
    st.lists(numbers, min_size=4, max_size=4),
    st.lists(numbers, min_size=3, max_size=5),
    st.tuples(
        st.floats(0, WIDTH - 5), st.floats(0, HEIGHT - 5), st.floats(0.1, 5), st.floats(0.1, 5)
    ).map(list),
)
ids = st.one_of(
    st.sampled_from(["a", "b", "c", "d"]), st.just(""), st.just("x" * (MAX_ID_LENGTH + 1))
)
classes = st.sampled_from(["car", "car", "sign", "truck", "bus"])


@st.composite
def objects(draw):
    kind = draw(st.sampled_from(["bbox", "polygon", "ellipse"]))
    flat = draw(boxes if kind == "bbox" else rings())
    return PlainObject(draw(ids), draw(classes), kind, flat)


def full_path(objects, size, schema_, source):
    """What building the models and validating them gives, stored as a revision is."""
    data = {"objects": [{"id": o.id, "class_id": o.class_id, "shape": _shape(o)} for o in objects]}
    try:
        annotation = Annotation.model_validate(data)
        outcome = validate_many([annotation], [size], schema_)[0]
    except Exception:  # a model that does not build, or a size no image has
        return None
    if isinstance(outcome, AnnotationInvalid):
        return None
    stored = outcome.model_dump(mode="json")
    if source is not None:
        for obj in stored["objects"]:
            obj["source"] = source
    return stored


def _shape(obj):
    if obj.kind == "bbox":
        return dict(zip(["kind", "x", "y", "w", "h"], ["bbox", *obj.flat], strict=False))
    if obj.kind == "polygon":
        pairs = [obj.flat[i : i + 2] for i in range(0, len(obj.flat), 2)]
        return {"kind": "polygon", "rings": [pairs]}
    return {"kind": obj.kind}


@SETTINGS
@given(
    st.lists(st.tuples(st.lists(objects(), max_size=5), sizes), min_size=1, max_size=4),
    st.sampled_from(sorted(SCHEMAS)),
    st.sampled_from([None, "model:det"]),
)
def test_plain_bodies_settle_only_what_the_full_path_accepts_and_store_it_the_same(
    images, schema_name, source
):
    schema_ = SCHEMAS[schema_name]
    bodies = plain_bodies(images, schema_, source=source)
    assert len(bodies) == len(images)
    for (objects_, size), body in zip(images, bodies, strict=True):
        if body is None:
            continue
        expected = full_path(objects_, size, schema_, source)
        assert expected is not None, f"settled what the full path refuses: {objects_}"
        assert orjson.loads(body.json) == expected
        counted = {}
        for obj in objects_:
            counted[obj.class_id] = counted.get(obj.class_id, 0) + 1
        assert body.classes == counted


def test_usual_boxes_and_polygons_are_settled_with_numbers_as_floats():
    box = PlainObject("o1", "car", "bbox", [10, 20, 30, 40])
    ring = PlainObject("o2", "sign", "polygon", [1, 1, 50, 1, 50, 40, 1, 1])
    [body] = plain_bodies([([box, ring], ImageSize(WIDTH, HEIGHT, 1))], SCHEMAS["refuse"])
    assert body is not None
    assert body.classes == {"car": 1, "sign": 1}
    expected = full_path([box, ring], ImageSize(WIDTH, HEIGHT, 1), SCHEMAS["refuse"], None)
    assert orjson.loads(body.json) == expected
    assert b'"x":10.0' in body.json and b"[50.0,40.0]" in body.json


@pytest.mark.parametrize(
    ("objects_", "why"),
    [
        ([PlainObject("o1", "truck", "bbox", [1, 1, 5, 5])], "class with attributes"),
        ([PlainObject("o1", "sign", "bbox", [1, 1, 5, 5])], "kind the class does not allow"),
        ([PlainObject("o1", "bus", "bbox", [1, 1, 5, 5])], "class not in the schema"),
        ([PlainObject("o1", "car", "bbox", [1, 1, 0, 5])], "box with no area"),
        ([PlainObject("o1", "car", "bbox", [1, 1, True, 5])], "a bool for a number"),
        ([PlainObject("o1", "car", "bbox", [1, 1, "5", 5])], "a string for a number"),
        ([PlainObject("o1", "car", "bbox", [1, 1, 5000, 5])], "box outside the image"),
        ([PlainObject("o1", "car", "polygon", [0, 0, 9, 9, 9, 0, 0, 9])], "self-intersecting"),
        ([PlainObject("o1", "car", "polygon", [0, 0, 9, 9, 9])], "odd number of coordinates"),
        ([PlainObject("o1", "car", "polygon", [0, 0, 9, 9, 0, 0])], "two distinct points"),
        ([PlainObject("", "car", "bbox", [1, 1, 5, 5])], "empty id"),
        (
            [PlainObject("o1", "car", "bbox", [1, 1, 5, 5])] * 2,
            "an id used twice",
        ),
    ],
)
def test_what_is_not_plainly_valid_is_left_to_the_full_path(objects_, why):
    [body] = plain_bodies([(objects_, ImageSize(WIDTH, HEIGHT, 1))], SCHEMAS["refuse"])
    assert body is None, why


def test_limits_are_kept():
    objects_ = [PlainObject(f"o{i}", "car", "bbox", [1, 1, 5, 5]) for i in range(3)]
    size = ImageSize(WIDTH, HEIGHT, 1)
    assert plain_bodies([(objects_, size)], SCHEMAS["refuse"], limits=Limits(max_objects=2)) == [
        None
    ]
    assert plain_bodies([(objects_, size)], SCHEMAS["refuse"], limits=Limits(max_objects=3))[0]


def test_a_refused_image_leaves_its_neighbours_rings_in_place():
    good = [PlainObject("o1", "car", "polygon", [1, 1, 50, 1, 50, 40])]
    bad = [
        PlainObject("o1", "car", "polygon", [1, 1, 50, 1, 50, 40]),
        PlainObject("o2", "truck", "bbox", [1, 1, 5, 5]),
    ]
    crossed = [PlainObject("o1", "car", "polygon", [0, 0, 9, 9, 9, 0, 0, 9])]
    size = ImageSize(WIDTH, HEIGHT, 1)
    bodies = plain_bodies([(good, size), (bad, size), (crossed, size), (good, size)], schema())
    assert [body is not None for body in bodies] == [True, False, False, True]
