"""Label Studio JSON: round trips, brush RLE, predictions, percent geometry and errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelwright.domain.schema import (
    CheckboxAttribute,
    LabelClass,
    LabelSchema,
    MultiselectAttribute,
    NumberAttribute,
    Option,
    SelectAttribute,
    TagGroup,
    TextAttribute,
)
from labelwright.domain.shapes import (
    Annotation,
    AnnotationObject,
    BBox,
    Ellipse,
    Points,
    Polygon,
    RotatedBox,
    Tag,
)
from labelwright.formats._common import decode_mask, encode_mask
from labelwright.formats.dataset import Dataset, DatasetImage, FormatError
from labelwright.formats.labelstudio import FORMAT, decode_brush, encode_brush

W, H = 80, 50


def schema() -> LabelSchema:
    """A car with typed attributes, a tag-only class and a weather tag group."""
    options = [Option(id="red", name="Red"), Option(id="blue", name="Blue")]
    car = LabelClass(
        id="car",
        name="Car",
        color="#ff0000",
        shape_kinds=["bbox", "rotated_box", "polygon", "points", "ellipse", "mask"],
        attributes=[
            SelectAttribute(id="colour", name="Colour", options=options),
            MultiselectAttribute(id="damage", name="Damage", options=options),
            CheckboxAttribute(id="parked", name="Parked"),
            NumberAttribute(id="doors", name="Doors"),
            TextAttribute(id="plate", name="Plate"),
        ],
    )
    night = LabelClass(id="night", name="Night", color="#000080", shape_kinds=["tag"])
    weather = TagGroup(
        id="weather",
        name="Weather",
        multiple=True,
        options=[Option(id="sun", name="Sun"), Option(id="rain", name="Rain")],
    )
    return LabelSchema(classes=[car, night], tag_groups=[weather])


def blob() -> np.ndarray:
    """A small irregular mask."""
    pixels = np.zeros((H, W), dtype=bool)
    pixels[5:15, 40:60] = True
    pixels[8:10, 45:47] = False
    return pixels


def car(oid: str, shape, **extra) -> AnnotationObject:
    """A car object."""
    return AnnotationObject(id=oid, class_id="car", shape=shape, **extra)


def dataset() -> Dataset:
    """One image with every Label Studio region type, predictions and tags."""
    attributes = {"colour": "blue", "damage": ["red", "blue"], "parked": True}
    attributes |= {"doors": 4, "plate": "AB 1"}
    objects = [
        car("box", BBox(x=10.5, y=4.25, w=20.125, h=10), attributes=attributes),
        car("rot", RotatedBox(cx=40, cy=30, w=20, h=10, angle=30)),
        car("poly", Polygon(rings=[[(1, 1), (30, 2), (15, 40.5)]])),
        car("pts", Points(points=[(3, 4), (5.5, 6)])),
        car("ell", Ellipse(cx=60, cy=35, rx=8, ry=4, angle=20)),
        car("mask", encode_mask(blob()), source="model:sam", score=0.75),
        car("pbox", BBox(x=0, y=0, w=8, h=8), source="model:yolo", score=0.5),
        AnnotationObject(id="t", class_id="night", shape=Tag()),
    ]
    image = DatasetImage(
        file_name="dir/a.jpg",
        width=W,
        height=H,
        split="val",
        annotation=Annotation(objects=objects, tags={"weather": ["sun", "rain"]}),
    )
    return Dataset(schema=schema(), images=[image])


def test_round_trip_keeps_regions_scores_and_sources(tmp_path):
    manifest = FORMAT.write(dataset(), tmp_path)
    assert manifest.objects == 8 and manifest.per_split == {"val": 1}
    back = FORMAT.read(tmp_path)
    (got,) = list(back)
    assert (got.file_name, got.width, got.height, got.split) == ("dir/a.jpg", W, H, "val")
    objects = {o.id: o for o in got.annotation.objects}
    original = {o.id: o for o in dataset().images[0].annotation.objects}
    for oid in ("box", "rot", "ell", "pbox"):
        want, have = original[oid].shape.model_dump(), objects[oid].shape.model_dump()
        assert have == pytest.approx(want, abs=1e-6)
    assert np.allclose(objects["poly"].shape.rings, original["poly"].shape.rings, atol=1e-6)
    assert np.allclose(objects["pts"].shape.points, original["pts"].shape.points, atol=1e-6)
    assert np.array_equal(decode_mask(objects["mask"].shape), blob())
    assert (objects["mask"].source, objects["mask"].score) == ("model:sam", 0.75)
    assert (objects["pbox"].source, objects["pbox"].score) == ("model:yolo", 0.5)
    assert objects["box"].source == "manual" and objects["box"].score is None
    names = {c.id: c.name for c in back.schema.classes}
    assert names[objects["t"].class_id] == "Night" and objects["t"].shape == Tag()


def test_round_trip_keeps_attributes_and_tag_groups(tmp_path):
    FORMAT.write(dataset(), tmp_path)
    back = FORMAT.read(tmp_path)
    (got,) = list(back)
    car_class = next(c for c in back.schema.classes if c.name == "Car")
    box = next(o for o in got.annotation.objects if o.id == "box")
    named = {car_class.attribute(k).name: v for k, v in box.attributes.items()}
    colour = next(a for a in car_class.attributes if a.name == "Colour")
    damage = next(a for a in car_class.attributes if a.name == "Damage")
    ids = {o.name: o.id for o in damage.options}
    assert named["Colour"] == next(o.id for o in colour.options if o.name == "Blue")
    assert named["Damage"] == [ids["Red"], ids["Blue"]]
    assert (named["Parked"], named["Doors"], named["Plate"]) == (True, 4, "AB 1")
    kinds = {a.name: a.type for a in car_class.attributes}
    assert kinds == {
        "Colour": "select",
        "Damage": "multiselect",
        "Parked": "checkbox",
        "Doors": "number",
        "Plate": "text",
    }
    (weather,) = back.schema.tag_groups
    assert weather.name == "Weather" and weather.multiple
    assert got.annotation.tags == {weather.id: [o.id for o in weather.options]}


def test_json_follows_label_studio_task_layout(tmp_path):
    FORMAT.write(dataset(), tmp_path)
    (task,) = json.loads((tmp_path / "tasks.json").read_text())
    assert task["data"] == {"image": "dir/a.jpg"}
    (annotation,) = task["annotations"]
    box = annotation["result"][0]
    assert box["type"] == "rectanglelabels" and box["to_name"] == "image"
    assert (box["original_width"], box["original_height"]) == (W, H)
    value = box["value"]
    assert value["rectanglelabels"] == ["Car"]
    assert value["x"] == pytest.approx(10.5 / W * 100) and value["y"] == pytest.approx(8.5)
    assert value["width"] == pytest.approx(20.125 / W * 100) and value["height"] == 20
    rotated = next(r for r in annotation["result"] if r["id"] == "rot")["value"]
    # Label Studio turns a rectangle about its top-left corner: find that corner.
    assert rotated["rotation"] == 30
    corner_x = 40 + (-10) * np.cos(np.radians(30)) - (-5) * np.sin(np.radians(30))
    assert rotated["x"] == pytest.approx(corner_x / W * 100)
    sources = {p["model_version"]: p for p in task["predictions"]}
    assert set(sources) == {"model:sam", "model:yolo"}
    brush = sources["model:sam"]["result"][0]
    assert brush["type"] == "brushlabels" and brush["score"] == 0.75
    assert brush["value"]["format"] == "rle" and sources["model:sam"]["score"] == 0.75
    kinds = {r["type"] for r in annotation["result"]}
    assert kinds == {
        "rectanglelabels",
        "polygonlabels",
        "keypointlabels",
        "ellipselabels",
        "choices",
        "number",
        "textarea",
    }


def reference_decode(rle: list[int]) -> np.ndarray:
    """Label Studio converter's decoder, transcribed independently, for checking ours."""
    bits = "".join(f"{b:08b}" for b in rle)
    at = 0

    def read(n: int) -> int:
        nonlocal at
        at += n
        return int(bits[at - n : at], 2)

    num, word = read(32), read(5) + 1
    sizes = [read(4) + 1 for _ in range(4)]
    out = np.zeros(num, dtype=np.uint8)
    i = 0
    while i < num:
        x = read(1)
        j = i + 1 + read(sizes[read(2)])
        if x:
            out[i:j] = read(word)
            i = j
        else:
            while i < j:
                out[i] = read(word)
                i += 1
    return out


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 9), st.integers(1, 9), st.data())
def test_brush_rle_matches_label_studio_decoding(height, width, data):
    flat = data.draw(st.lists(st.booleans(), min_size=height * width, max_size=height * width))
    pixels = np.array(flat, dtype=bool).reshape(height, width)
    rle = encode_brush(pixels)
    rgba = reference_decode(rle).reshape(height, width, 4)
    assert np.array_equal(rgba[:, :, 3] == 255, pixels) and np.array_equal(
        rgba[:, :, 0], rgba[:, :, 3]
    )
    assert np.array_equal(decode_brush(rle, height, width, "x"), pixels)


def test_brush_rle_splits_runs_longer_than_its_counter():
    pixels = np.ones((300, 300), dtype=bool)  # 360000 values: more than one 16-bit run
    assert np.array_equal(decode_brush(encode_brush(pixels), 300, 300, "x"), pixels)


def test_decode_brush_reads_raw_runs():
    # Hand-built: 4 values, 8-bit words, one raw run of 4 (marker 0, size index 0, 3).
    bits = f"{4:032b}{7:05b}" + "".join(f"{s - 1:04b}" for s in (3, 4, 8, 16))
    bits += "0" + "00" + "011" + "00000000" + "00000000" + "00000000" + "11111111"
    bits += "0" * (-len(bits) % 8)
    rle = list(int(bits, 2).to_bytes(len(bits) // 8, "big"))
    assert decode_brush(rle, 1, 1, "x").tolist() == [[True]]


def write_tasks(tmp_path: Path, tasks) -> Path:
    """Save a tasks file."""
    (tmp_path / "tasks.json").write_text(json.dumps(tasks))
    return tmp_path


def task_with(result: dict) -> list[dict]:
    """One task whose annotation holds one result."""
    base = {"id": "r", "to_name": "image", "original_width": 10, "original_height": 10}
    return [{"data": {"image": "a.jpg"}, "annotations": [{"result": [base | result]}]}]


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        (
            {"type": "rectanglelabels", "value": {"x": "a", "rectanglelabels": ["c"]}},
            "tasks.json: task 1 ('a.jpg') annotation result 1: value.x is not a number",
        ),
        ({"type": "rectanglelabels", "value": {"x": 1}}, "value.rectanglelabels must list"),
        (
            {"type": "polygonlabels", "value": {"points": [[1, 2]], "polygonlabels": ["c"]}},
            "value.points must list at least 3 points",
        ),
        (
            {"type": "brushlabels", "value": {"rle": [1, 2, 300], "brushlabels": ["c"]}},
            "value.rle is not a list of bytes",
        ),
        (
            {"type": "brushlabels", "value": {"rle": [0, 0, 0, 9], "brushlabels": ["c"]}},
            "value.rle holds 9 values, not 10x10x4",
        ),
        ({"type": "choices", "value": {"choices": "x"}}, "value.choices must be a list"),
        ({"type": "rectanglelabels", "value": 3}, "result 1: a result must be an object"),
    ],
)
def test_bad_results_raise_format_error_naming_task_and_result(tmp_path, result, expected):
    with pytest.raises(FormatError) as caught:
        FORMAT.read(write_tasks(tmp_path, task_with(result)))
    assert expected in str(caught.value)


def test_bad_files_raise_format_error(tmp_path):
    (tmp_path / "tasks.json").write_text("[{")
    with pytest.raises(FormatError, match=r"tasks.json: not valid JSON"):
        FORMAT.read(tmp_path)
    with pytest.raises(FormatError, match=r"expected a list of tasks"):
        FORMAT.read(write_tasks(tmp_path, {"data": {}}))
    with pytest.raises(FormatError, match=r"task 1: data.image is missing"):
        FORMAT.read(write_tasks(tmp_path, [{"data": {}}]))
    with pytest.raises(FormatError, match=r"task 1 \('a.jpg'\): the image size is unknown"):
        FORMAT.read(write_tasks(tmp_path, [{"data": {"image": "a.jpg"}}]))
    with pytest.raises(FormatError, match=r"not a safe relative path"):
        FORMAT.read(write_tasks(tmp_path, [{"data": {"image": "x"}, "meta": {"file_name": "/x"}}]))


def test_reads_label_studio_urls_and_sizes_from_results(tmp_path):
    result = {"type": "keypointlabels", "value": {"x": 50, "y": 20, "keypointlabels": ["k"]}}
    tasks = task_with(result)
    tasks[0]["data"]["image"] = "/data/local-files/?d=photos%2Fb.jpg"
    (got,) = list(FORMAT.read(write_tasks(tmp_path, tasks)))
    assert (got.file_name, got.width, got.height) == ("photos/b.jpg", 10, 10)
    assert got.annotation.objects[0].shape == Points(points=[(5.0, 2.0)])


def test_detect_recognises_task_lists(tmp_path):
    assert FORMAT.detect(tmp_path) == 0.0
    FORMAT.write(dataset(), tmp_path)
    assert FORMAT.detect(tmp_path) == 0.9
    (tmp_path / "other.json").write_text('{"images": []}')
    assert FORMAT.detect(tmp_path / "other.json") == 0.0


def test_attributes_of_point_objects_come_back(tmp_path):
    points = car("p", Points(points=[(1, 1), (2, 2)]), attributes={"plate": "Z"})
    image = DatasetImage(file_name="a.jpg", width=W, height=H)
    image.annotation = Annotation(objects=[points])
    FORMAT.write(Dataset(schema=schema(), images=[image]), tmp_path)
    (got,) = list(FORMAT.read(tmp_path))
    (obj,) = got.annotation.objects
    assert obj.id == "p" and list(obj.attributes.values()) == ["Z"]
    assert len(obj.shape.points) == 2


def test_hostile_sizes_and_shapes_are_refused(tmp_path):
    huge = {"type": "brushlabels", "value": {"rle": [0], "brushlabels": ["c"]}}
    huge |= {"original_width": 10**6, "original_height": 10**6}
    with pytest.raises(FormatError, match="too large to unpack a mask"):
        FORMAT.read(write_tasks(tmp_path, task_with(huge)))
    with pytest.raises(FormatError, match="annotations must be a list of objects"):
        FORMAT.read(write_tasks(tmp_path, [{"data": {"image": "a"}, "annotations": "x"}]))
