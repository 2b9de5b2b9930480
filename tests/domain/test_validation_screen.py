"""The bulk screen of shapes agrees with the one-by-one checks on random and hostile input.

`screen_shapes` only clears shapes; everything it does not clear goes through the
per-shape checks. So validating with the screen and validating with a screen that clears
nothing (the plain reference) must give the same annotation or the same problems.
"""

import math
from contextlib import contextmanager
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labelwright.domain import validation
from labelwright.domain.shape_checks import screen_shapes
from labelwright.domain.shapes import Annotation, BBox, Ellipse, Polygon, Tag
from labelwright.domain.validation import (
    AnnotationInvalid,
    ImageSize,
    Limits,
    validate_annotation,
    validate_many,
)

from .builders import HEIGHT, WIDTH, bounds_settings, make_object, make_schema
from .test_validation_properties import annotations, geometry_annotations, hostile

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SCHEMAS = bounds_settings(make_schema)

edges = st.sampled_from(
    [0.0, -0.0, -1.0, -1.0000001, 1e-300, 5e-324, -5e-324, WIDTH, WIDTH + 1.0, HEIGHT + 1.0]
)
awkward = st.one_of(
    hostile, edges, st.integers(-3, 12).map(float), st.sampled_from([1e15, -1e15, 1e200])
)


def rings(coord, min_size=3, max_size=12):
    """A ring of points, sometimes given closed (its first point repeated at the end)."""
    points = st.lists(st.tuples(coord, coord), min_size=min_size, max_size=max_size)
    return st.tuples(points, st.booleans()).map(
        lambda found: found[0] + found[0][:1] if found[1] else found[0]
    )


@st.composite
def stars(draw):
    """Star polygons: simple when the radii vary little, self-intersecting when they jump."""
    count = draw(st.integers(3, 24))
    cx, cy = draw(st.floats(-20, WIDTH + 20)), draw(st.floats(-20, HEIGHT + 20))
    radii = draw(st.lists(st.floats(0, 60), min_size=count, max_size=count))
    turn = draw(st.sampled_from([1, 1, 1, -1, 3]))  # 3 winds round three times
    ring = [
        (
            cx + r * math.cos(turn * 2 * math.pi * i / count),
            cy + r * math.sin(2 * math.pi * i / count),
        )
        for i, r in enumerate(radii)
    ]
    return Polygon(rings=[ring])


@st.composite
def slivers(draw):
    """Triangles whose area is near zero: around the screen's rounding allowance."""
    x, y = draw(st.floats(0, WIDTH - 100)), draw(st.floats(0, HEIGHT - 10))
    height = draw(st.sampled_from([0.0, 1e-14, 1e-12, 1e-10, 1e-8, 1e-6, 1e-3, 1.0]))
    ring = [(x, y), (x + 100, y), (x + 50, y + height)]
    return Polygon(rings=[ring])


polygon_shapes = st.one_of(
    st.builds(lambda r: Polygon(rings=[r]), rings(awkward)),
    st.builds(lambda r: Polygon(rings=[r]), rings(st.integers(0, 6).map(float), 3, 8)),
    st.builds(lambda a, b: Polygon(rings=[a, b]), rings(awkward), rings(awkward)),
    stars(),
    slivers(),
    st.builds(BBox, x=awkward, y=awkward, w=awkward, h=awkward),
    st.builds(Ellipse, cx=awkward, cy=awkward, rx=awkward, ry=awkward),
    st.just(Tag()),
)


def shape_annotations():
    """Annotations of car objects whose only possible fault is their geometry."""
    return st.lists(polygon_shapes, max_size=6).map(
        lambda found: Annotation(
            objects=[make_object(s, object_id=f"s{i}") for i, s in enumerate(found)]
        )
    )


@contextmanager
def reference_checks():
    """Validation with a screen that clears nothing: every shape checked one by one."""
    with mock.patch.object(
        validation, "screen_shapes", lambda shapes, *_a, **_k: [False] * len(shapes)
    ):
        yield


def outcome(annotation, schema, limits=validation.DEFAULT_LIMITS):
    """The validated annotation as JSON, or the problems."""
    try:
        result = validate_annotation(
            annotation, schema, width=WIDTH, height=HEIGHT, frame_count=2, limits=limits
        )
    except AnnotationInvalid as error:
        return ("invalid", error.problems)
    return ("valid", result.model_dump_json())


def assert_screen_agrees(annotation, schema, limits=validation.DEFAULT_LIMITS):
    fast = outcome(annotation, schema, limits)
    with reference_checks():
        reference = outcome(annotation, schema, limits)
    assert fast == reference


@SETTINGS
@given(shape_annotations(), st.sampled_from(sorted(SCHEMAS)))
def test_the_screen_agrees_with_the_checks_on_hostile_shapes(annotation, schema_name):
    assert_screen_agrees(annotation, SCHEMAS[schema_name])


@SETTINGS
@given(
    st.one_of(annotations(hostile), geometry_annotations(hostile)),
    st.sampled_from(sorted(SCHEMAS)),
)
def test_the_screen_agrees_with_the_checks_on_hostile_objects(annotation, schema_name):
    assert_screen_agrees(annotation, SCHEMAS[schema_name])


@SETTINGS
@given(shape_annotations(), st.integers(0, 12))
def test_the_screen_keeps_the_vertex_limit(annotation, most):
    assert_screen_agrees(annotation, SCHEMAS["refuse"], Limits(max_vertices_per_object=most))


@SETTINGS
@given(st.lists(st.tuples(shape_annotations(), st.sampled_from([(WIDTH, HEIGHT), (40, 30)]))))
def test_validating_many_is_validating_each(pairs):
    schema = SCHEMAS["refuse"]
    sizes = [ImageSize(w, h, 2) for _, (w, h) in pairs]
    together = validate_many([a for a, _ in pairs], sizes, schema)
    for (annotation, (width, height)), result in zip(pairs, together, strict=True):
        try:
            alone = validate_annotation(
                annotation, schema, width=width, height=height, frame_count=2
            )
        except AnnotationInvalid as error:
            assert isinstance(result, AnnotationInvalid) and result.problems == error.problems
        else:
            assert result == alone


SQUARE = [(10.0, 10.0), (50.0, 10.0), (50.0, 50.0), (10.0, 50.0)]


@pytest.mark.parametrize(
    ("shape", "cleared"),
    [
        (BBox(x=1, y=1, w=5, h=5), True),
        (Polygon(rings=[SQUARE]), True),
        (Polygon(rings=[[*SQUARE, SQUARE[0]]]), True),
        (Tag(), True),
        (BBox(x=math.nan, y=1, w=5, h=5), False),
        (BBox(x=1, y=1, w=math.inf, h=5), False),
        (BBox(x=1, y=1, w=0, h=5), False),
        (BBox(x=-5, y=1, w=5, h=5), False),
        (Polygon(rings=[[(0, 0), (10, 10), (10, 0), (0, 10)]]), False),  # a bow tie
        (Polygon(rings=[[(0, 0), (1, 1), (2, 2)]]), False),  # flat
        (Polygon(rings=[[(0, 0), (100, 0), (50, 1e-12)]]), False),  # flat within rounding
        (Polygon(rings=[[(0, 0), (1, math.nan), (1, 1)]]), False),
        (Polygon(rings=[[(0, 0), (1e308, 0), (1, 1)]]), False),
        (Polygon(rings=[SQUARE, [(20, 20), (30, 20), (30, 30)]]), False),  # holes: one by one
        (Polygon(rings=[[(0, 0), (1, 1), (0, 0)]]), False),
        (Ellipse(cx=50, cy=50, rx=5, ry=5), False),
    ],
)
def test_what_the_screen_clears(shape, cleared):
    found = screen_shapes([shape], [(WIDTH, HEIGHT)], tolerance=1.0, clip=False, max_vertices=100)
    assert found == [cleared]


def test_clip_mode_clears_only_shapes_inside_the_image():
    over = BBox(x=-0.5, y=1, w=5, h=5)  # within the tolerance, yet clipping would move it
    assert screen_shapes([over], [(WIDTH, HEIGHT)], tolerance=1.0, clip=False, max_vertices=9)
    assert screen_shapes([over], [(WIDTH, HEIGHT)], tolerance=1.0, clip=True, max_vertices=9) == [
        False
    ]


def test_impossible_sizes_are_a_callers_mistake():
    with pytest.raises(ValueError, match="impossible"):
        validate_many([Annotation()], [ImageSize(0, 10)], SCHEMAS["refuse"])
    with pytest.raises(ValueError, match="1 annotations but 2 image sizes"):
        validate_many([Annotation()], [ImageSize(1, 1), ImageSize(1, 1)], SCHEMAS["refuse"])
