import math
import pickle

import numpy as np
import pytest
from pycocotools import mask as coco_mask

from labelwright.domain.shapes import (
    Annotation,
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
from labelwright.domain.validation import (
    AnnotationInvalid,
    Limits,
    Problem,
    parse_annotation,
    validate_annotation,
)

from .builders import HEIGHT, WIDTH, make_object, make_schema

SQUARE = [(10, 10), (50, 10), (50, 50), (10, 50)]


def problems_of(annotation, schema=None, **kwargs) -> list[Problem]:
    kwargs = {"width": WIDTH, "height": HEIGHT} | kwargs
    with pytest.raises(AnnotationInvalid) as caught:
        validate_annotation(annotation, schema or make_schema(), **kwargs)
    return caught.value.problems


def one_problem(shape=None, *, schema=None, **fields) -> Problem:
    obj = make_object(shape or BBox(x=1, y=1, w=5, h=5), **fields)
    problems = problems_of(Annotation(objects=[obj]), schema)
    assert len(problems) == 1, problems
    return problems[0]


def full_mask(height=HEIGHT, width=WIDTH) -> Mask:
    pixels = np.zeros((height, width), dtype=np.uint8, order="F")
    pixels[5:20, 5:20] = 1
    rle = coco_mask.encode(pixels)
    return Mask(rle=Rle(size=(height, width), counts=rle["counts"].decode()))


def test_a_good_annotation_comes_back_unchanged():
    annotation = Annotation(
        objects=[
            make_object(BBox(x=0, y=0, w=WIDTH, h=HEIGHT), attributes={"parked": True, "doors": 4}),
            make_object(Polygon(rings=[SQUARE, [(20, 20), (30, 20), (30, 30)]]), "road", "o2"),
            make_object(Keypoints(points=[(1, 1, 2), (0, 0, 0), (5, 5, 1)]), "person", "o3"),
            make_object(full_mask(), "road", "o4"),
            make_object(Tag(), object_id="o5", score=0.5, source="model:yolo"),
            make_object(Ellipse(cx=50, cy=50, rx=10, ry=5, angle=10), object_id="o6"),
            make_object(RotatedBox(cx=50, cy=50, w=10, h=5, angle=10), object_id="o7"),
            make_object(Polyline(points=[(0, 0), (WIDTH + 0.5, HEIGHT)]), object_id="o8"),
            make_object(Points(points=[(3, 3)]), object_id="o9"),
        ],
        tags={"weather": ["sun"], "issues": ["blur", "dark"]},
        relations=[ObjectRelation(id="r1", type_id="rides", subject="o3", object="o1")],
    )
    assert validate_annotation(annotation, make_schema(), width=WIDTH, height=HEIGHT) is annotation


@pytest.mark.parametrize(
    ("shape", "field", "words"),
    [
        (BBox(x=math.nan, y=0, w=1, h=1), "shape.x", "not a finite"),
        (BBox(x=0, y=0, w=math.inf, h=1), "shape.w", "not a finite"),
        (Polygon(rings=[[(0, 0), (1, math.nan), (1, 1)]]), "shape.rings[0][1]", "not finite"),
        (BBox(x=0, y=0, w=0, h=1), "shape.w", "above 0"),
        (RotatedBox(cx=5, cy=5, w=1, h=-1), "shape.h", "above 0"),
        (Ellipse(cx=5, cy=5, rx=0, ry=1), "shape.rx", "above 0"),
        (Polygon(rings=[]), "shape.rings", "no rings"),
        (Polygon(rings=[[(0, 0), (1, 1)]]), "shape.rings[0]", "at least 3"),
        (Polygon(rings=[[(0, 0), (1, 1), (0, 0)]]), "shape.rings[0]", "at least 3"),
        (Polygon(rings=[[(0, 0), (1, 1), (2, 2)]]), "shape.rings[0]", "zero area"),
        (
            Polygon(rings=[[(0, 0), (10, 10), (10, 0), (0, 10)]]),
            "shape.rings[0]",
            "Self-intersection",
        ),
        (
            Polygon(rings=[SQUARE, [(60, 60), (70, 60), (70, 70)]]),
            "shape.rings[1]",
            "outside the outline",
        ),
        (
            Polygon(rings=[SQUARE, [(5, 5), (20, 20), (20, 5)]]),
            "shape.rings[1]",
            "outside the outline",
        ),
        (Polyline(points=[(1, 1)]), "shape.points", "needs 2"),
        (Polyline(points=[(1, 1), (1, 1)]), "shape.points", "zero length"),
        (Points(points=[]), "shape.points", "no points"),
        (BBox(x=-5, y=0, w=10, h=10), "shape", "outside the 200x100 image"),
        (Points(points=[(1, 1), (1, HEIGHT + 2)]), "shape", "outside"),
        (Ellipse(cx=5, cy=50, rx=10, ry=5), "shape", "outside"),
    ],
)
def test_bad_geometry_is_reported(shape, field, words):
    problem = one_problem(shape)
    assert problem.object_id == "o1"
    assert problem.field == field
    assert words in problem.message
    assert problem.message.startswith("object 'o1' (class 'Car'): ")


def test_small_overshoot_within_tolerance_is_accepted():
    annotation = Annotation(objects=[make_object(BBox(x=-0.5, y=0, w=WIDTH + 1, h=10))])
    assert validate_annotation(annotation, make_schema(), width=WIDTH, height=HEIGHT)
    with pytest.raises(AnnotationInvalid):
        validate_annotation(annotation, make_schema(tolerance_px=0), width=WIDTH, height=HEIGHT)


def test_clip_mode_clips_instead_of_refusing():
    schema = make_schema(out_of_bounds="clip")
    annotation = Annotation(objects=[make_object(BBox(x=-5, y=-5, w=20, h=20))])
    result = validate_annotation(annotation, schema, width=WIDTH, height=HEIGHT)
    assert result.objects[0].shape == BBox(x=0, y=0, w=15, h=15)
    assert annotation.objects[0].shape.x == -5  # the input is untouched
    outside = Annotation(objects=[make_object(BBox(x=500, y=0, w=5, h=5))])
    problem = problems_of(outside, schema)[0]
    assert "cannot clip" in problem.message and "entirely outside" in problem.message


@pytest.mark.parametrize(
    ("mask", "field", "words"),
    [
        (full_mask(HEIGHT + 1, WIDTH), "shape.rle.size", "[height, width]"),
        (full_mask(WIDTH, HEIGHT), "shape.rle.size", "[height, width]"),
        (
            Mask(rle=Rle(size=(HEIGHT, WIDTH), counts="garbage!")),
            "shape.rle.counts",
            "does not decode",
        ),
        (Mask(rle=Rle(size=(HEIGHT, WIDTH), counts="0o")), "shape.rle.counts", "does not decode"),
        (Mask(rle=Rle(size=(HEIGHT, WIDTH), counts="")), "shape.rle.counts", "does not decode"),
    ],
)
def test_bad_masks_are_reported(mask, field, words):
    problem = one_problem(mask)
    assert problem.field == field and words in problem.message


def test_empty_mask_is_reported():
    empty = coco_mask.encode(np.zeros((HEIGHT, WIDTH), dtype=np.uint8, order="F"))
    mask = Mask(rle=Rle(size=(HEIGHT, WIDTH), counts=empty["counts"].decode()))
    assert "empty" in one_problem(mask).message


@pytest.mark.parametrize(
    ("points", "words"),
    [
        ([(1, 1, 2), (2, 2, 2)], "skeleton has 3 nodes"),
        ([(1, 1, 2), (2, 2, 2), (3, 3, 3)], "visibility 3"),
        ([(1, 1, 2), (2, 2, 2), (3, 3, -1)], "visibility -1"),
    ],
)
def test_keypoints_must_match_the_skeleton(points, words):
    problem = one_problem(Keypoints(points=points), class_id="person")
    assert words in problem.message and "(class 'Person')" in problem.message


def test_unlabeled_keypoints_may_lie_anywhere():
    shape = Keypoints(points=[(1, 1, 2), (-500, -500, 0), (3, 3, 1)])
    annotation = Annotation(objects=[make_object(shape, "person")])
    assert validate_annotation(annotation, make_schema(), width=WIDTH, height=HEIGHT)


def test_class_and_kind_must_be_in_the_schema():
    problem = one_problem(class_id="boat")
    assert problem.field == "class_id" and "'boat' is not in the schema" in problem.message
    problem = one_problem(Polyline(points=[(1, 1), (2, 2)]), class_id="person")
    assert problem.field == "shape.kind" and "does not allow polyline" in problem.message


@pytest.mark.parametrize(
    ("attributes", "field", "words"),
    [
        ({"parked": False, "wheels": 4}, "attributes.wheels", "not defined"),
        ({"parked": "yes"}, "attributes.parked", "true or false"),
        ({"parked": 1}, "attributes.parked", "true or false"),
        ({}, "attributes.parked", "required"),
        ({"parked": None}, "attributes.parked", "required"),
        ({"parked": True, "doors": 0}, "attributes.doors", "below the minimum"),
        ({"parked": True, "doors": 7}, "attributes.doors", "above the maximum"),
        ({"parked": True, "doors": 2.5}, "attributes.doors", "whole number"),
        ({"parked": True, "doors": True}, "attributes.doors", "expected a number"),
        ({"parked": True, "doors": math.nan}, "attributes.doors", "finite"),
        ({"parked": True, "doors": 10**400}, "attributes.doors", "above the maximum"),
        ({"parked": True, "plate": "TOOLONG123"}, "attributes.plate", "at most 8"),
        ({"parked": True, "plate": 12}, "attributes.plate", "expected text"),
        ({"parked": True, "colour": "green"}, "attributes.colour", "not one of the options"),
        ({"parked": True, "damage": ["dent", "dent"]}, "attributes.damage", "more than once"),
        ({"parked": True, "damage": ["rust"]}, "attributes.damage", "not one of the options"),
        ({"parked": True, "damage": "dent"}, "attributes.damage", "list of option ids"),
    ],
)
def test_attribute_values_are_checked(attributes, field, words):
    problem = one_problem(attributes=attributes)
    assert problem.field == field and words in problem.message


def test_good_attribute_values_pass():
    attributes = {"parked": True, "doors": 4.0, "plate": "AB12", "colour": "red", "damage": []}
    annotation = Annotation(objects=[make_object(BBox(x=1, y=1, w=2, h=2), attributes=attributes)])
    assert validate_annotation(annotation, make_schema(), width=WIDTH, height=HEIGHT)


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"score": 1.5}, "score", "outside 0..1"),
        ({"score": -0.1}, "score", "outside 0..1"),
        ({"score": math.nan}, "score", "outside 0..1"),
        ({"frame": 1}, "frame", "outside 0..0"),
        ({"frame": -1}, "frame", "outside"),
        ({"source": "robot"}, "source", "model:<name>"),
        ({"source": "model:"}, "source", "model:<name>"),
        ({"object_id": ""}, "id", "1 to 200"),
        ({"track": ""}, "track", "1 to 200"),
    ],
)
def test_object_fields_are_checked(fields, field, words):
    problem = one_problem(**fields)
    assert problem.field == field and words in problem.message


def test_frames_count_for_gifs():
    annotation = Annotation(objects=[make_object(BBox(x=1, y=1, w=2, h=2), frame=4)])
    assert validate_annotation(annotation, make_schema(), width=WIDTH, height=HEIGHT, frame_count=5)


def test_duplicate_object_ids_and_track_frames_are_reported():
    box = BBox(x=1, y=1, w=2, h=2)
    annotation = Annotation(objects=[make_object(box, track="t"), make_object(box, track="t")])
    messages = [p.message for p in problems_of(annotation)]
    assert any("'o1' is used by 2 objects" in m for m in messages)
    assert any("track 't' has 2 objects on frame 0" in m for m in messages)


def test_relations_are_checked():
    box = BBox(x=1, y=1, w=2, h=2)
    objects = [make_object(box, "car", "car1"), make_object(box, "person", "p1")]
    relations = [
        ObjectRelation(id="r1", type_id="flies", subject="p1", object="car1"),
        ObjectRelation(id="r2", type_id="rides", subject="p1", object="ghost"),
        ObjectRelation(id="r3", type_id="rides", subject="car1", object="p1"),
        ObjectRelation(id="r4", type_id="near", subject="p1", object="p1"),
        ObjectRelation(id="r4", type_id="near", subject="p1", object="car1"),
    ]
    problems = problems_of(Annotation(objects=objects, relations=relations))
    messages = "\n".join(p.message for p in problems)
    assert "relation 'r1': relation type 'flies' is not in the schema" in messages
    assert "relation 'r2': object 'ghost' is not an object" in messages
    assert "relation 'r3': subject 'car1' has class 'car'" in messages
    assert "relation 'r3': object 'p1' has class 'person'" in messages
    assert "relation 'r4': links object 'p1' to itself" in messages
    assert "relation id 'r4' is used 2 times" in messages
    assert len(problems) == 6


def test_tags_are_checked():
    tags = {"weather": ["sun", "rain"], "season": ["winter"], "issues": ["blur", "smoke", "blur"]}
    problems = problems_of(Annotation(tags=tags))
    messages = "\n".join(p.message for p in problems)
    assert "'Weather' allows one option; 2 chosen" in messages
    assert "tag group 'season' is not in the schema" in messages
    assert "'Issues' has no option 'smoke'" in messages
    assert "'Issues' repeats an option" in messages
    assert len(problems) == 4


def test_all_problems_are_collected_and_named():
    objects = [
        make_object(BBox(x=0, y=0, w=-1, h=1), object_id="a"),
        make_object(Polygon(rings=[[(0, 0), (1, 1)]]), "road", "b"),
        make_object(Tag(), "car", "c", score=3, attributes={}),
    ]
    error = None
    try:
        validate_annotation(Annotation(objects=objects), make_schema(), width=WIDTH, height=HEIGHT)
    except AnnotationInvalid as caught:
        error = caught
    assert error is not None and isinstance(error, ValueError)
    assert [p.object_id for p in error.problems] == ["a", "b", "c", "c"]
    assert "object 'b' (class 'Road')" in str(error)
    assert str(error).startswith("annotation has 4 problems")
    copy = pickle.loads(pickle.dumps(error))
    assert copy.problems == error.problems


def test_absurd_sizes_are_refused():
    limits = Limits(max_objects=3, max_vertices_per_object=10, max_total_vertices=25)
    box = BBox(x=1, y=1, w=1, h=1)
    many = Annotation(objects=[make_object(box, object_id=str(i)) for i in range(4)])
    assert "4 objects; at most 3" in problems_of(many, limits=limits)[0].message
    long_line = Polyline(points=[(1, 1 + i / 100) for i in range(11)])
    problem = problems_of(Annotation(objects=[make_object(long_line)]), limits=limits)[0]
    assert "11 points; at most 10" in problem.message
    lines = Polyline(points=[(1, 1 + i / 100) for i in range(9)])
    heavy = Annotation(objects=[make_object(lines, object_id=str(i)) for i in range(3)])
    assert "27 points; at most 25" in problems_of(heavy, limits=limits)[0].message


def test_json_like_input_is_parsed_with_named_problems():
    data = {
        "objects": [
            {"id": "x1", "class_id": "car", "shape": {"kind": "circle"}},
            {
                "id": "x2",
                "class_id": "car",
                "shape": {"kind": "bbox", "x": "a", "y": 0, "w": 1, "h": 1},
            },
        ],
        "extra": 1,
    }
    problems = problems_of(data)
    assert {p.object_id for p in problems} == {"x1", "x2", None}
    assert all(isinstance(p.message, str) and p.message for p in problems)
    parsed = parse_annotation(
        {"objects": [{"id": "a", "class_id": "car", "shape": {"kind": "tag"}}]}
    )
    assert parsed.objects[0].shape == Tag()
    with pytest.raises(AnnotationInvalid):
        parse_annotation([1, 2, 3])
