"""CVAT for images 1.1: round trips of every shape, the documented XML layout, errors."""

from __future__ import annotations

import tempfile
import xml.etree.ElementTree as ET  # the test's own, independent reader of what we wrote
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelwright.domain.schema import (
    CheckboxAttribute,
    LabelClass,
    LabelSchema,
    NumberAttribute,
    Option,
    SelectAttribute,
    Skeleton,
    TagGroup,
    TextAttribute,
)
from labelwright.domain.shapes import (
    Annotation,
    AnnotationObject,
    BBox,
    Ellipse,
    Keypoints,
    Points,
    Polygon,
    Polyline,
    RotatedBox,
    Tag,
)
from labelwright.formats._common import decode_mask, encode_mask, shape_pixels
from labelwright.formats.cvat import FORMAT
from labelwright.formats.dataset import Dataset, DatasetImage, FormatError

W, H = 64, 48


def schema() -> LabelSchema:
    """A car with typed attributes, a person skeleton, and a weather tag group."""
    car = LabelClass(
        id="car",
        name="Car",
        color="#ff0000",
        shape_kinds=["bbox", "rotated_box", "polygon", "polyline", "points", "ellipse", "mask"],
        attributes=[
            SelectAttribute(
                id="colour",
                name="Colour",
                options=[Option(id="red", name="Red"), Option(id="blue", name="Blue")],
            ),
            CheckboxAttribute(id="occl", name="occluded"),
            CheckboxAttribute(id="parked", name="Parked"),
            NumberAttribute(id="doors", name="Doors", min=1, max=6, integer=True),
            TextAttribute(id="plate", name="Plate"),
        ],
    )
    person = LabelClass(
        id="person",
        name="Person",
        color="#00ff00",
        shape_kinds=["keypoints"],
        skeleton=Skeleton(nodes=["head", "hand"], edges=[(0, 1)]),
    )
    scene = LabelClass(id="night", name="Night", color="#000080", shape_kinds=["tag"])
    weather = TagGroup(
        id="weather",
        name="Weather",
        options=[Option(id="sun", name="Sun"), Option(id="rain", name="Rain")],
    )
    return LabelSchema(classes=[car, person, scene], tag_groups=[weather])


def car(oid: str, shape, **extra) -> AnnotationObject:
    """A car object."""
    return AnnotationObject(id=oid, class_id="car", shape=shape, **extra)


def blob() -> np.ndarray:
    """An L-shaped mask."""
    pixels = np.zeros((H, W), dtype=bool)
    pixels[10:20, 30:34] = True
    pixels[18:20, 30:45] = True
    return pixels


def image() -> DatasetImage:
    """One image holding every shape CVAT can carry."""
    holed = Polygon(rings=[[(2, 30), (20, 30), (20, 46), (2, 46)], [(6, 34), (10, 34), (10, 40)]])
    objects = [
        car(
            "1",
            BBox(x=1.25, y=2.5, w=10.125, h=7.0625),
            attributes={"colour": "blue", "occl": True, "parked": True, "doors": 4, "plate": "X 1"},
            group="g",
        ),
        car("2", RotatedBox(cx=30, cy=10, w=8, h=4, angle=30.5), group="g"),
        car("3", Polygon(rings=[[(40, 2), (60, 2), (50, 12.333333)]])),
        car("4", Polyline(points=[(1, 1), (2, 3), (4, 4)])),
        car("5", Points(points=[(7, 7), (8, 9)])),
        car("6", Ellipse(cx=50, cy=30, rx=5, ry=3, angle=15)),
        car("7", encode_mask(blob()), source="model:sam"),
        car("8", holed),
        AnnotationObject(id="9", class_id="person", shape=Keypoints(points=[(3, 4, 2), (5, 6, 0)])),
        AnnotationObject(id="10", class_id="night", shape=Tag()),
    ]
    return DatasetImage(
        file_name="cam/a.jpg",
        width=W,
        height=H,
        split="train",
        annotation=Annotation(objects=objects, tags={"weather": ["rain"]}),
    )


def round_trip(tmp_path: Path) -> tuple[Dataset, DatasetImage]:
    """Write the test image and read it back."""
    FORMAT.write(Dataset(schema=schema(), images=[image()], name="job"), tmp_path)
    back = FORMAT.read(tmp_path)
    return back, next(iter(back))


def test_round_trip_keeps_every_shape(tmp_path):
    back, got = round_trip(tmp_path)
    assert (got.file_name, got.width, got.height, got.split) == ("cam/a.jpg", W, H, "train")
    shapes = [o.shape for o in got.annotation.objects]
    original = [o.shape for o in image().annotation.objects]
    for index in (0, 1, 2, 3, 4, 5, 8, 9):
        assert shapes[index].kind == original[index].kind
        for field, value in original[index].model_dump().items():
            if isinstance(value, float):
                assert getattr(shapes[index], field) == pytest.approx(value, abs=1e-6)
    assert shapes[2].rings[0][2][1] == pytest.approx(12.333333, abs=1e-6)
    assert shapes[3] == original[3] and shapes[4] == original[4] and shapes[8] == original[8]
    assert np.array_equal(decode_mask(shapes[6]), blob())
    holed = original[7]
    assert np.array_equal(decode_mask(shapes[7]), shape_pixels(holed, H, W))  # holes: a mask
    names = {c.id: c.name for c in back.schema.classes}
    classes = [names[o.class_id] for o in got.annotation.objects]
    assert classes == ["Car"] * 8 + ["Person", "Night"]
    assert back.schema.classes[1].skeleton.nodes == ["head", "hand"]
    assert back.schema.classes[1].skeleton.edges == [(0, 1)]


def test_round_trip_keeps_attributes_flags_groups_and_tags(tmp_path):
    back, got = round_trip(tmp_path)
    car_class = back.schema.classes[0]
    first = got.annotation.objects[0]
    by_name = {car_class.attribute(k).name: v for k, v in first.attributes.items()}
    colour = car_class.attribute(next(k for k in first.attributes if k.lower() == "colour"))
    assert [o.name for o in colour.options] == ["Red", "Blue"]
    assert by_name == {
        "Colour": "Blue",
        "occluded": True,
        "Parked": True,
        "Doors": 4,
        "Plate": "X 1",
    }
    doors = next(a for a in car_class.attributes if a.name == "Doors")
    assert (doors.min, doors.max, doors.integer) == (1, 6, True)
    assert first.group is not None and got.annotation.objects[1].group == first.group
    assert got.annotation.objects[2].group is None
    assert got.annotation.objects[6].source == "auto"  # CVAT knows no model names
    (group,) = back.schema.tag_groups
    assert group.name == "Weather" and [o.name for o in group.options] == ["Sun", "Rain"]
    assert got.annotation.tags == {group.id: [group.options[1].id]}


def test_xml_follows_the_documented_cvat_layout(tmp_path):
    FORMAT.write(Dataset(schema=schema(), images=[image()], name="job"), tmp_path)
    root = ET.parse(tmp_path / "annotations.xml").getroot()
    assert root.tag == "annotations" and root.findtext("version") == "1.1"
    labels = root.findall("meta/task/labels/label")
    assert [lb.findtext("name") for lb in labels] == [
        "Car",
        "Person",
        "head",
        "hand",
        "Night",
        "Weather",
    ]
    attribute = labels[0].find("attributes/attribute")
    assert [child.tag for child in attribute] == [
        "name",
        "mutable",
        "input_type",
        "default_value",
        "values",
    ]
    assert attribute.findtext("input_type") == "select"
    assert attribute.findtext("values").split("\n") == ["Red", "Blue"]
    assert labels[1].findtext("type") == "skeleton" and labels[2].findtext("parent") == "Person"
    (element,) = root.findall("image")
    assert element.attrib == {
        "id": "0",
        "name": "cam/a.jpg",
        "width": str(W),
        "height": str(H),
        "subset": "train",
    }
    box = element.find("box")
    assert box.get("occluded") == "1" and box.get("z_order") == "0"
    assert (box.get("xtl"), box.get("ytl"), box.get("xbr"), box.get("ybr")) == (
        "1.25",
        "2.5",
        "11.375",
        "9.5625",
    )
    assert {a.get("name"): a.text for a in box.findall("attribute")} == {
        "Colour": "Blue",
        "Parked": "true",
        "Doors": "4",
        "Plate": "X 1",
    }
    assert element.find("polygon").get("points") == "40,2;60,2;50,12.333333"
    mask = element.find("mask")
    assert (mask.get("left"), mask.get("top"), mask.get("width"), mask.get("height")) == (
        "30",
        "10",
        "15",
        "10",
    )
    runs = [int(v) for v in mask.get("rle").split(",")]
    assert sum(runs) == 15 * 10 and runs[:3] == [0, 4, 11]  # 0s first, row by row
    skeleton = element.find("skeleton")
    assert [(p.get("label"), p.get("outside")) for p in skeleton] == [("head", "0"), ("hand", "1")]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.booleans(), min_size=12 * 9, max_size=12 * 9))
def test_any_mask_survives_cvat_rle(flat):
    pixels = np.array(flat, dtype=bool).reshape(9, 12)
    if not pixels.any():
        pixels[4, 4] = True  # an empty mask is not written
    obj = car("1", encode_mask(pixels))
    one = DatasetImage(file_name="m.png", width=12, height=9, annotation=Annotation(objects=[obj]))
    with tempfile.TemporaryDirectory() as folder:
        FORMAT.write(Dataset(schema=schema(), images=[one]), Path(folder))
        back = next(iter(FORMAT.read(Path(folder))))
    assert np.array_equal(decode_mask(back.annotation.objects[0].shape), pixels)


HEAD = '<annotations><version>1.1</version><image id="0" name="a.jpg" width="20" height="10">'


def read_text(tmp_path: Path, body: str) -> Dataset:
    """Read a hand-written annotations.xml."""
    (tmp_path / "annotations.xml").write_text(body)
    return FORMAT.read(tmp_path)


@pytest.mark.parametrize(
    ("shapes", "expected"),
    [
        (
            '<tag label="x"/><tag label="y"/><box label="c" xtl="a" ytl="1" xbr="3" ybr="4"/>',
            "annotations.xml: image 'a.jpg' box 3: xtl is not a number",
        ),
        ('<box label="c" xtl="5" ytl="1" xbr="3" ybr="4"/>', "box 1: xbr/ybr lie before"),
        ('<box xtl="5" ytl="1" xbr="3" ybr="4"/>', "box 1: label is missing"),
        ('<polygon label="c" points="1,1;2"/>', "polygon 1: points is not a list of x,y pairs"),
        ('<polygon label="c" points="1,1;2,2"/>', "polygon 1: needs at least 3 points"),
        (
            '<mask label="c" rle="1, 2" left="0" top="0" width="2" height="2"/>',
            "mask 1: rle covers 3 pixels",
        ),
        (
            '<mask label="c" rle="4" left="19" top="0" width="2" height="2"/>',
            "mask 1: mask box (19, 0, 2, 2) is outside the image",
        ),
        ('<cuboid label="c"/>', "image 'a.jpg' cuboid 1: <cuboid> is not supported"),
        ('<skeleton label="c"/>', "skeleton 1: label 'c' is not a skeleton"),
    ],
)
def test_bad_shapes_raise_format_error_naming_image_and_shape(tmp_path, shapes, expected):
    with pytest.raises(FormatError) as caught:
        read_text(tmp_path, HEAD + shapes + "</image></annotations>")
    assert expected in str(caught.value)


def test_bad_documents_raise_format_error(tmp_path):
    with pytest.raises(FormatError, match=r"annotations.xml: not well-formed XML"):
        read_text(tmp_path, HEAD)
    with pytest.raises(FormatError, match=r"annotations.xml: image 1: name is missing"):
        read_text(tmp_path, "<annotations><image width='1' height='1'/></annotations>")
    with pytest.raises(FormatError, match=r"image 'a.jpg': width is not a number"):
        read_text(tmp_path, "<annotations><image name='a.jpg' width='x' height='1'/></annotations>")
    with pytest.raises(FormatError, match=r"refused unsafe XML"):
        read_text(tmp_path, '<!DOCTYPE a [<!ENTITY e "x">]><annotations>&e;</annotations>')


def test_reads_cvat_written_files_ordering_by_z_order(tmp_path):
    body = (
        HEAD + '<box label="car" source="manual" occluded="0" xtl="1" ytl="1" xbr="3" ybr="3" '
        'z_order="2" group_id="5"><attribute name="kind">sedan</attribute></box>'
        '<polygon label="road" source="auto" occluded="1" points="0,0;5,0;5,5" z_order="0"/>'
        "</image></annotations>"
    )
    got = next(iter(read_text(tmp_path, body)))
    box, polygon = got.annotation.objects[1], got.annotation.objects[0]
    assert box.shape == BBox(x=1, y=1, w=2, h=2) and box.group == "5"
    assert box.attributes == {"kind": "sedan"}
    assert polygon.attributes == {"occluded": True} and polygon.source == "auto"


def test_detect_recognises_annotations_xml(tmp_path):
    assert FORMAT.detect(tmp_path) == 0.0
    FORMAT.write(Dataset(schema=schema(), images=[image()]), tmp_path)
    assert FORMAT.detect(tmp_path) == 0.9
    assert FORMAT.detect(tmp_path / "annotations.xml") == 0.9


def test_hostile_sizes_are_refused(tmp_path):
    big = '<annotations><image id="0" name="a.jpg" width="100000" height="100000">'
    mask = '<mask label="c" rle="1" left="0" top="0" width="1" height="1"/>'
    with pytest.raises(FormatError, match="too large to unpack a mask"):
        read_text(tmp_path, big + mask + "</image></annotations>")
    with pytest.raises(FormatError, match="size 0x5 is not positive"):
        read_text(tmp_path, '<annotations><image name="a" width="0" height="5"/></annotations>')
