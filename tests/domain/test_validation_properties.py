"""Property tests: hostile input gives AnnotationInvalid or a valid annotation, nothing else."""

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pycocotools import mask as coco_mask

from labelwright.domain.geometry import extent_of
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
from labelwright.domain.validation import AnnotationInvalid, validate_annotation

from .builders import HEIGHT, WIDTH, make_schema

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
REFUSE, CLIP = make_schema(), make_schema(out_of_bounds="clip")

hostile = st.one_of(
    st.floats(-60, WIDTH + 60),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1e308, -1e308, 5e-324, 1e15, float("nan"), float("inf")]),
)
finite = st.floats(-60, WIDTH + 60)


def points(coord, min_size=0, max_size=8):
    return st.lists(st.tuples(coord, coord), min_size=min_size, max_size=max_size)


def masks():
    def from_pixels(seed, height, width):
        rng = np.random.default_rng(seed)
        pixels = np.asfortranarray((rng.random((height, width)) < 0.3).astype(np.uint8))
        rle = coco_mask.encode(pixels)
        return Mask(rle=Rle(size=(height, width), counts=rle["counts"].decode()))

    sizes = st.sampled_from([HEIGHT, HEIGHT + 1, 1, 0, -3])
    widths = st.sampled_from([WIDTH, 7, 0])
    good = st.builds(from_pixels, st.integers(0, 100), st.just(HEIGHT), st.just(WIDTH))
    odd = st.builds(from_pixels, st.integers(0, 100), st.integers(1, 5), st.integers(1, 5))
    garbage = st.builds(
        lambda h, w, c: Mask(rle=Rle(size=(h, w), counts=c)), sizes, widths, st.text(max_size=30)
    )
    return st.one_of(good, odd, garbage)


BOWTIE = [(0, 0), (40, 40), (40, 0), (0, 40)]


def shapes(coord):
    keypoint = st.tuples(coord, coord, st.integers(-1, 3))
    return st.one_of(
        st.builds(BBox, x=coord, y=coord, w=coord, h=coord),
        st.builds(RotatedBox, cx=coord, cy=coord, w=coord, h=coord, angle=coord),
        st.builds(Ellipse, cx=coord, cy=coord, rx=coord, ry=coord, angle=coord),
        st.builds(Polygon, rings=st.lists(points(coord), max_size=3)),
        st.builds(Polygon, rings=st.just([BOWTIE])),
        st.builds(Polygon, rings=st.lists(points(coord, 3, 6), min_size=1, max_size=2)),
        st.builds(Polyline, points=points(coord)),
        st.builds(Points, points=points(coord)),
        st.builds(Keypoints, points=st.lists(keypoint, max_size=4)),
        masks(),
        st.just(Tag()),
    )


json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=12))
json_like = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
attribute_values = st.dictionaries(
    st.sampled_from(["parked", "doors", "plate", "colour", "damage", "other"]),
    st.one_of(
        json_like,
        st.sampled_from(["red", "dent", ["dent", "scratch"], 3, 2.5, True, False, float("nan")]),
    ),
    max_size=4,
)
ids = st.sampled_from(["o1", "o2", "o3", "", "x" * 300])


def objects(coord):
    return st.builds(
        AnnotationObject,
        id=ids,
        class_id=st.sampled_from(["car", "person", "road", "boat"]),
        shape=shapes(coord),
        attributes=attribute_values,
        frame=st.integers(-2, 3),
        track=st.one_of(st.none(), st.sampled_from(["t1", ""])),
        score=st.one_of(st.none(), coord),
        source=st.sampled_from(["manual", "model:yolo", "model:", "synthetic", "bogus"]),
    )


def _plain_object(index, shape):
    """An object whose only possible fault is its geometry."""
    class_id = "person" if isinstance(shape, Keypoints) else "car"
    attributes = {"parked": True} if class_id == "car" else {}
    return AnnotationObject(id=f"g{index}", class_id=class_id, shape=shape, attributes=attributes)


def geometry_annotations(coord):
    """Annotations that can only be wrong in their shapes."""
    return st.lists(shapes(coord), max_size=4).map(
        lambda found: Annotation(objects=[_plain_object(i, s) for i, s in enumerate(found)])
    )


def annotations(coord):
    relation = st.builds(
        ObjectRelation,
        id=st.sampled_from(["r1", "r2"]),
        type_id=st.sampled_from(["rides", "near", "bogus"]),
        subject=ids,
        object=ids,
    )
    tags = st.dictionaries(
        st.sampled_from(["weather", "issues", "bogus"]),
        st.lists(st.sampled_from(["sun", "rain", "blur", "dark", "bogus"]), max_size=3),
        max_size=3,
    )
    return st.builds(
        Annotation,
        objects=st.lists(objects(coord), max_size=4),
        tags=tags,
        relations=st.lists(relation, max_size=2),
    )


def validate_or_invalid(annotation, schema):
    """Validate; None means AnnotationInvalid, any other exception fails the test."""
    try:
        return validate_annotation(annotation, schema, width=WIDTH, height=HEIGHT, frame_count=2)
    except AnnotationInvalid as error:
        assert error.problems and all(p.message for p in error.problems)
        return None


@SETTINGS
@given(st.one_of(annotations(hostile), geometry_annotations(hostile)))
def test_refuse_mode_returns_a_valid_annotation_or_says_why_not(annotation):
    result = validate_or_invalid(annotation, REFUSE)
    if result is not None:
        assert validate_or_invalid(result, REFUSE) == result


@SETTINGS
@given(st.one_of(geometry_annotations(hostile), geometry_annotations(finite), annotations(hostile)))
def test_clip_mode_keeps_every_coordinate_inside_the_image(annotation):
    result = validate_or_invalid(annotation, CLIP)
    if result is None:
        return
    for obj in result.objects:
        extent = extent_of(obj.shape, unlabeled_keypoints=True)
        if extent is not None:
            x0, y0, x1, y1 = extent
            assert -1e-6 <= x0 <= x1 <= WIDTH + 1e-6, obj.shape
            assert -1e-6 <= y0 <= y1 <= HEIGHT + 1e-6, obj.shape
    assert validate_or_invalid(result, CLIP) is not None


@SETTINGS
@given(json_like)
def test_random_json_is_refused_cleanly(data):
    validate_or_invalid(data, REFUSE)


@SETTINGS
@given(
    st.lists(
        st.fixed_dictionaries(
            {"id": json_like, "class_id": st.sampled_from(["car", "road"]), "shape": json_like}
        ),
        max_size=3,
    ),
    st.sampled_from(["bbox", "polygon", "mask", "keypoints", "rotated_box"]),
)
def test_shape_dicts_with_random_fields_are_refused_cleanly(objects, kind):
    for obj in objects:
        if isinstance(obj["shape"], dict):
            obj["shape"]["kind"] = kind
    validate_or_invalid({"objects": objects}, REFUSE)


def _same(a, b) -> bool:
    """Equality that treats NaN as equal to NaN."""
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


@SETTINGS
@given(annotations(finite))
def test_model_dump_round_trip_is_lossless(annotation):
    again = Annotation.model_validate(annotation.model_dump())
    assert _same(again.model_dump(), annotation.model_dump())


@SETTINGS
@given(annotations(finite))
def test_json_round_trip_is_lossless_for_finite_shapes(annotation):
    shapes_only = annotation.model_copy(
        update={"objects": [o.model_copy(update={"attributes": {}}) for o in annotation.objects]}
    )
    again = Annotation.model_validate_json(shapes_only.model_dump_json())
    assert again == shapes_only
