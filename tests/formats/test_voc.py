"""Pascal VOC: round trips, the 1-based box convention, palette PNGs and clear errors."""

from __future__ import annotations

import tempfile
import xml.etree.ElementTree as ET  # the test's own, independent reader of what we wrote
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from labelwright.domain.schema import CheckboxAttribute, LabelClass, LabelSchema, TextAttribute
from labelwright.domain.shapes import Annotation, AnnotationObject, BBox, Polygon, Polyline, Tag
from labelwright.formats._common import decode_mask, encode_mask, shape_pixels, voc_colormap
from labelwright.formats.dataset import Dataset, DatasetImage, FormatError
from labelwright.formats.voc import FORMAT

W, H = 40, 30


def schema() -> LabelSchema:
    """A car with VOC's difficult flag and a text attribute, and a dog."""
    car = LabelClass(
        id="car",
        name="Car",
        color="#ff0000",
        shape_kinds=["bbox", "polygon", "mask"],
        attributes=[
            CheckboxAttribute(id="diff", name="difficult"),
            TextAttribute(id="plate", name="Plate"),
        ],
    )
    dog = LabelClass(id="dog", name="Dog", color="#00ff00", shape_kinds=["bbox", "polyline"])
    return LabelSchema(classes=[car, dog])


def obj(oid: str, class_id: str, shape, **extra) -> AnnotationObject:
    """An annotation object."""
    return AnnotationObject(id=oid, class_id=class_id, shape=shape, **extra)


def dataset(tmp_path: Path) -> Dataset:
    """Two images with boxes, a polygon, a mask and things VOC cannot hold."""
    pixels = np.zeros((H, W), dtype=bool)
    pixels[20:25, 30:38] = True
    picture = tmp_path / "src" / "street.jpg"
    picture.parent.mkdir()
    Image.new("RGB", (W, H)).save(picture)
    first = DatasetImage(
        file_name="street.jpg",
        width=W,
        height=H,
        path=picture,
        split="train",
        annotation=Annotation(
            objects=[
                obj("a", "car", BBox(x=0, y=0, w=10, h=5), attributes={"diff": True}),
                obj("b", "car", Polygon(rings=[[(12, 2), (24, 2), (24, 14), (12, 14)]])),
                obj("c", "dog", BBox(x=2.5, y=16.25, w=7.125, h=3), attributes={}),
                obj("d", "car", encode_mask(pixels), attributes={"plate": "AB 12"}),
                obj("e", "dog", Polyline(points=[(1, 1), (5, 5)])),
                obj("f", "dog", Tag()),
            ]
        ),
    )
    second = DatasetImage(file_name="sub/park.png", width=W, height=H, split="val")
    return Dataset(schema=schema(), images=[first, second])


def test_round_trip_keeps_boxes_masks_attributes_and_splits(tmp_path):
    manifest = FORMAT.write(dataset(tmp_path), tmp_path / "out")
    assert (manifest.images, manifest.objects) == (2, 4)
    assert manifest.per_class == {"Car": 3, "Dog": 1}
    assert manifest.per_split == {"train": 1, "val": 1}
    assert FORMAT.detect(tmp_path / "out") > 0.9
    back = FORMAT.read(tmp_path / "out")
    assert [c.name for c in back.schema.classes] == ["Car", "Dog"]
    assert back.schema.classes[0].color == "#ff0000"  # from labelmap.txt
    street, park = sorted(back, key=lambda i: i.file_name != "street.jpg")
    assert (street.file_name, street.split, street.width, street.height) == (
        "street.jpg",
        "train",
        W,
        H,
    )
    assert (park.file_name, park.split) == ("sub/park.png", "val")
    assert street.path == tmp_path / "out" / "JPEGImages" / "street.jpg"
    names = {c.id: c.name for c in back.schema.classes}
    a, b, c, d = street.annotation.objects
    assert [names[o.class_id] for o in (a, b, c, d)] == ["Car", "Car", "Dog", "Car"]
    assert a.shape == BBox(x=0, y=0, w=10, h=5)
    assert c.shape.x == pytest.approx(2.5, abs=1e-6) and c.shape.w == pytest.approx(7.125)
    assert c.shape.y == pytest.approx(16.25) and c.shape.h == pytest.approx(3)
    polygon = Polygon(rings=[[(12, 2), (24, 2), (24, 14), (12, 14)]])
    assert np.array_equal(decode_mask(b.shape), shape_pixels(polygon, H, W))
    expected = np.zeros((H, W), dtype=bool)
    expected[20:25, 30:38] = True
    assert np.array_equal(decode_mask(d.shape), expected)
    car = back.schema.classes[0]
    assert a.attributes == {car.attribute("difficult").id: True}
    assert d.attributes == {car.attribute("Plate").id: "AB 12"}


def test_box_convention_is_one_based_inclusive_in_the_xml(tmp_path):
    FORMAT.write(dataset(tmp_path), tmp_path / "out")
    root = ET.parse(tmp_path / "out" / "Annotations" / "street.xml").getroot()
    assert root.tag == "annotation" and root.findtext("filename") == "street.jpg"
    assert (root.findtext("size/width"), root.findtext("size/height")) == (str(W), str(H))
    first = root.findall("object")[0]
    assert first.findtext("name") == "Car" and first.findtext("difficult") == "1"
    box = [first.findtext(f"bndbox/{k}") for k in ("xmin", "ymin", "xmax", "ymax")]
    assert box == ["1", "1", "10", "5"]  # pixels 0..9 and 0..4, counted from 1
    assert root.findtext("segmented") == "1"
    lines = (tmp_path / "out" / "ImageSets" / "Main" / "train.txt").read_text().split()
    assert lines == ["street"]
    assert (tmp_path / "out" / "JPEGImages" / "street.jpg").is_file()


def test_segmentation_pngs_use_the_voc_palette(tmp_path):
    FORMAT.write(dataset(tmp_path), tmp_path / "out")
    for folder in ("SegmentationObject", "SegmentationClass"):
        with Image.open(tmp_path / "out" / folder / "street.png") as picture:
            assert picture.mode == "P"
            palette = picture.getpalette()[: 256 * 3]
            pixels = np.asarray(picture)
        assert palette[:12] == [0, 0, 0, 128, 0, 0, 0, 128, 0, 128, 128, 0]
        assert [tuple(palette[i : i + 3]) for i in range(0, 768, 3)] == voc_colormap()
        assert pixels[0, 0] == 0  # a plain box is not painted
        if folder == "SegmentationObject":
            assert pixels[8, 18] == 2 and pixels[22, 33] == 4  # object order in the XML
        else:
            assert pixels[8, 18] == 1 and pixels[22, 33] == 1  # Car is class 1


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, W - 2), st.integers(0, H - 2), st.integers(1, 20), st.integers(1, 20)
        ),
        min_size=1,
        max_size=5,
    )
)
def test_any_whole_pixel_box_survives_a_round_trip(boxes):
    objects = [obj(str(i), "dog", BBox(x=x, y=y, w=w, h=h)) for i, (x, y, w, h) in enumerate(boxes)]
    image = DatasetImage(file_name="a.jpg", width=W, height=H)
    image.annotation = Annotation(objects=objects)
    with tempfile.TemporaryDirectory() as folder:
        FORMAT.write(Dataset(schema=schema(), images=[image]), Path(folder))
        back = next(iter(FORMAT.read(Path(folder))))
    assert [o.shape for o in back.annotation.objects] == [o.shape for o in objects]


def write_xml(root: Path, text: str, name: str = "a.xml") -> Path:
    """Put one annotation file into a VOC folder."""
    (root / "Annotations").mkdir(parents=True, exist_ok=True)
    (root / "Annotations" / name).write_text(text)
    return root


GOOD_OBJECT = "<object><name>cat</name><bndbox><xmin>1</xmin><ymin>2</ymin>{}</bndbox></object>"
SIZE = "<size><width>10</width><height>10</height></size>"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (f"<annotation>{SIZE}" + GOOD_OBJECT.format("<xmax>x</xmax><ymax>3</ymax>"), "xmax is not"),
        (f"<annotation>{SIZE}" + GOOD_OBJECT.format("<xmax>4</xmax>"), "ymax is not a number"),
        (f"<annotation>{SIZE}<object><name>cat</name></object>", "bndbox> is missing"),
        (f"<annotation>{SIZE}<object><bndbox/></object></annotation>", "<name> is missing"),
        ("<annotation><filename>a.jpg</filename></annotation>", "<size> is missing"),
        ("<annotation><size><width>ten</width></size></annotation>", "width is not a number"),
        ("<annotation><size>", "not well-formed XML"),
        ("<voc/>", "not <annotation>"),
    ],
)
def test_bad_files_raise_format_error_naming_file_and_object(tmp_path, body, expected):
    if body.count("<object>") and not body.endswith("</annotation>"):
        body += "</annotation>"
    write_xml(tmp_path, body)
    with pytest.raises(FormatError) as caught:
        FORMAT.read(tmp_path)
    message = str(caught.value)
    assert message.startswith("Annotations/a.xml: ")
    assert expected in message
    if "<object>" in body and "<name>" in body:
        assert "object 1 ('cat')" in message


def test_entity_expansion_is_refused(tmp_path):
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "xxxxxxxx"><!ENTITY y "&x;&x;&x;">]>'
        f"<annotation>{SIZE}<filename>&y;</filename></annotation>"
    )
    write_xml(tmp_path, bomb)
    with pytest.raises(FormatError, match=r"Annotations/a.xml: refused unsafe XML"):
        FORMAT.read(tmp_path)


def test_segmentation_png_of_the_wrong_size_is_an_error(tmp_path):
    write_xml(tmp_path, f"<annotation>{SIZE}</annotation>")
    (tmp_path / "SegmentationObject").mkdir()
    Image.new("P", (5, 5)).save(tmp_path / "SegmentationObject" / "a.png")
    with pytest.raises(FormatError, match=r"SegmentationObject/a.png: size"):
        FORMAT.read(tmp_path)


def test_detect_tells_voc_from_other_folders(tmp_path):
    assert FORMAT.detect(tmp_path) == 0.0
    write_xml(tmp_path, f"<annotation>{SIZE}</annotation>")
    assert FORMAT.detect(tmp_path) > 0.9


def test_unsafe_image_names_are_refused(tmp_path):
    image = DatasetImage(file_name="../escape.jpg", width=W, height=H)
    with pytest.raises(FormatError, match="not a safe relative path"):
        FORMAT.write(Dataset(schema=schema(), images=[image]), tmp_path)
