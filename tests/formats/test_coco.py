"""COCO: pycocotools reads what we write; round trips keep what COCO (+ extensions) carries."""

from __future__ import annotations

import contextlib
import io
import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from labelwright.domain.shapes import Annotation, AnnotationObject, BBox, Mask, Polygon
from labelwright.formats.coco import CocoFormat
from labelwright.formats.dataset import Dataset, DatasetImage, FormatError, PlainDatasetImage
from tests.formats.conftest import datasets, make_schema, rich_dataset

KINDS = ("bbox", "polygon", "rotated_box", "mask", "keypoints")


def by_id(image) -> list:
    """Objects in id order (COCO puts image-level objects after the annotations)."""
    return sorted(image.annotation.objects, key=lambda o: o.id)


def quiet_coco(path: Path) -> COCO:
    """COCO(path) without its progress prints."""
    with contextlib.redirect_stdout(io.StringIO()):
        return COCO(str(path))


def test_rich_dataset_round_trips(tmp_path: Path) -> None:
    CocoFormat().write(rich_dataset(), tmp_path)
    back = CocoFormat().read(tmp_path)
    assert back.schema == make_schema()
    for original, read in zip(rich_dataset(), back, strict=True):
        assert by_id(read) == by_id(original)
        assert read.annotation.tags == original.annotation.tags
        assert read.annotation.relations == original.annotation.relations
        assert (read.split, read.state, read.meta, read.frame_count) == (
            original.split,
            original.state,
            original.meta,
            original.frame_count,
        )


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(images=datasets(KINDS))
def test_random_datasets_round_trip(tmp_path_factory, images) -> None:
    out = tmp_path_factory.mktemp("coco")
    CocoFormat().write(Dataset(schema=make_schema(), images=images), out)
    back = {i.file_name: i for i in CocoFormat().read(out)}
    assert len(back) == len({i.file_name for i in images})
    for image in images:
        assert by_id(back[image.file_name]) == by_id(image)


def _plain_form(obj) -> tuple:
    """What a plain object holds of a read object: id, class, kind and numbers, flat."""
    shape = obj.shape
    if shape.kind == "bbox":
        return obj.id, obj.class_id, "bbox", [shape.x, shape.y, shape.w, shape.h]
    return obj.id, obj.class_id, shape.kind, [c for point in shape.rings[0] for c in point]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(images=datasets(KINDS))
def test_plain_images_are_those_of_usual_objects_and_build_as_read(
    tmp_path_factory, images
) -> None:
    out = tmp_path_factory.mktemp("coco")
    CocoFormat().write(Dataset(schema=make_schema(), images=images), out)
    read = CocoFormat().read(out)
    usual = {"frame": 0, "track": None, "group": None, "score": None, "source": "manual"}
    for full, either in zip(read, read.images.plain(), strict=True):
        if isinstance(either, DatasetImage):
            assert either == full
            continue
        assert isinstance(either, PlainDatasetImage) and either.build() == full
        assert (either.file_name, either.width, either.height, either.frame_count) == (
            full.file_name,
            full.width,
            full.height,
            full.frame_count,
        )
        assert not full.annotation.tags and not full.annotation.relations
        assert [_plain_form(o) for o in full.annotation.objects] == [
            tuple(o) for o in either.objects
        ]
        for obj in full.annotation.objects:
            assert not obj.attributes and obj.model_dump(include=set(usual)) == usual
            assert obj.shape.kind == "bbox" or len(obj.shape.rings) == 1


def test_a_rich_dataset_has_images_both_plain_and_built(tmp_path: Path) -> None:
    CocoFormat().write(rich_dataset(), tmp_path)
    kinds = {type(image) for image in CocoFormat().read(tmp_path).images.plain()}
    assert kinds == {DatasetImage, PlainDatasetImage}


def _write_rich(tmp_path: Path) -> Path:
    CocoFormat().write(rich_dataset(), tmp_path)
    return tmp_path / "annotations" / "instances_train.json"


def test_pycocotools_loads_and_decodes_every_mask(tmp_path: Path) -> None:
    coco = quiet_coco(_write_rich(tmp_path))
    assert len(coco.getAnnIds()) == 8  # polyline, points and tag ride in the image extension
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        for annotation in coco.loadAnns(coco.getAnnIds()):
            pixels = coco.annToMask(annotation)
            assert pixels.shape == (80, 120)
            assert pixels.sum() > 0
    holed = next(a for a in coco.dataset["annotations"] if a["labelwright"]["id"] == "c")
    assert holed["iscrowd"] == 0 and holed["area"] == pytest.approx(80 * 60 - 20 * 20, abs=200)
    stuff = next(a for a in coco.dataset["annotations"] if a["labelwright"]["id"] == "e2")
    assert stuff["iscrowd"] == 1
    person = coco.loadCats(2)[0]
    assert person["keypoints"] == ["head", "left_hand", "right_hand"]
    assert person["skeleton"] == [[1, 2], [1, 3]]


@pytest.mark.parametrize("iou_type", ["bbox", "segm", "keypoints"])
def test_cocoeval_against_itself_is_perfect(tmp_path: Path, iou_type: str) -> None:
    coco = quiet_coco(_write_rich(tmp_path))
    results = [{**a, "score": 1.0} for a in coco.dataset["annotations"] if not a["iscrowd"]]
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        detections = coco.loadRes(results)
        evaluation = COCOeval(coco, detections, iou_type)
        if iou_type == "keypoints":
            evaluation.params.kpt_oks_sigmas = np.full(3, 0.05)
            evaluation.params.catIds = [2]  # only the person category has keypoints
        evaluation.evaluate()
        evaluation.accumulate()
        evaluation.summarize()
    assert evaluation.stats[0] == pytest.approx(1.0)


def test_category_ids_follow_class_order(tmp_path: Path) -> None:
    data = json.loads(_write_rich(tmp_path).read_text())
    assert [(c["id"], c["labelwright"]["class_id"]) for c in data["categories"]] == [
        (1, "car"),
        (2, "person"),
        (3, "road"),
    ]


def test_unknown_category_names_file_and_annotation(tmp_path: Path) -> None:
    file = _write_rich(tmp_path)
    data = json.loads(file.read_text())
    data["annotations"][3]["id"] = 17
    data["annotations"][3]["category_id"] = 99
    file.write_text(json.dumps(data))
    with pytest.raises(
        FormatError, match=r"instances_train\.json: annotation 17: category_id 99 is not a category"
    ):
        CocoFormat().read(file)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["images"][0].pop("width"), "image 1: width is missing"),
        (lambda d: d.update(annotations={}), "annotations must be a list"),
        (lambda d: d["annotations"][0].update(image_id=5), "annotation 1: image_id 5 is not"),
        (
            lambda d: d["annotations"][4]["segmentation"].update(counts="!!"),
            "annotation 5: RLE counts",
        ),
    ],
)
def test_malformed_files_name_the_object(tmp_path: Path, change, expected: str) -> None:
    file = _write_rich(tmp_path)
    data = json.loads(file.read_text())
    change(data)
    file.write_text(json.dumps(data))
    with pytest.raises(FormatError, match=f"instances_train.json: {expected}"):
        list(CocoFormat().read(file))


def test_not_json_is_a_format_error(tmp_path: Path) -> None:
    (tmp_path / "instances.json").write_text("{")
    with pytest.raises(FormatError, match=r"instances\.json: not readable JSON"):
        CocoFormat().read(tmp_path / "instances.json")


def test_plain_coco_builds_a_schema(tmp_path: Path) -> None:
    plain = {
        "images": [{"id": 4, "file_name": "x.jpg", "width": 20, "height": 10}],
        "categories": [{"id": 7, "name": "traffic light"}, {"id": 9, "name": "dog"}],
        "annotations": [
            {"id": 1, "image_id": 4, "category_id": 7, "bbox": [1, 1, 3, 3], "segmentation": []},
            {
                "id": 2,
                "image_id": 4,
                "category_id": 9,
                "bbox": [0, 0, 4, 4],
                "segmentation": [[0, 0, 4, 0, 4, 4], [10, 0, 14, 0, 14, 4]],
            },
            {
                "id": 3,
                "image_id": 4,
                "category_id": 9,
                "bbox": [0, 0, 4, 4],
                "segmentation": [[0, 0, 4, 0, 4, 4]],
            },
        ],
    }
    file = tmp_path / "instances_val2017.json"
    file.write_text(json.dumps(plain))
    assert CocoFormat().detect(file) >= 0.9
    dataset = CocoFormat().read(file)
    assert [(c.id, c.name) for c in dataset.schema.classes] == [
        ("traffic_light", "traffic light"),
        ("dog", "dog"),
    ]
    (image,) = list(dataset)
    assert image.split == "val"
    kinds = [type(o.shape) for o in image.annotation.objects]
    assert kinds[1:] == [Mask, Polygon]
    assert image.annotation.objects[0].shape.kind == "bbox"


def test_reading_with_a_schema_maps_by_name(tmp_path: Path) -> None:
    file = _write_rich(tmp_path)
    data = json.loads(file.read_text())
    for category in data["categories"]:
        del category["labelwright"]
    del data["labelwright"]
    file.write_text(json.dumps(data))
    dataset = CocoFormat().read(file, schema=make_schema())
    assert {o.class_id for o in next(iter(dataset)).annotation.objects} == {"car", "road", "person"}


def _one_line(file: Path) -> None:
    """Rewrite an instances file as one long line, as most other tools write COCO."""
    file.write_text(json.dumps(json.loads(file.read_text())))


def test_each_entry_is_written_on_a_line_of_its_own(tmp_path: Path) -> None:
    lines = _write_rich(tmp_path).read_text(encoding="utf-8").splitlines()
    assert lines[1] == '"images":['
    entries = [line.removesuffix(",") for line in lines[2:] if line.startswith('{"')]
    assert len(entries) == 1 + 8 and all(json.loads(e) for e in entries)
    assert json.loads("\n".join(lines))["annotations"][0]["id"] == 1  # still one JSON document


def test_one_line_and_line_per_entry_files_read_the_same(tmp_path: Path) -> None:
    by_line = list(CocoFormat().read(_write_rich(tmp_path / "a")))
    whole = _write_rich(tmp_path / "b")
    _one_line(whole)
    assert list(CocoFormat().read(whole)) == by_line


def test_a_broken_annotation_line_is_reported_not_guessed(tmp_path: Path) -> None:
    file = _write_rich(tmp_path)
    text = file.read_text()
    first = text.index('{"id"')
    file.write_text(
        text[:first] + '{"category_id":1,"bbox":[1,2,3,oops]}' + text[text.index("\n", first) :]
    )
    with pytest.raises(FormatError, match=r"instances_train\.json: not readable JSON"):
        CocoFormat().read(file)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('{"id":1,"image_id":1,"category_id":1,"bbox":[1,2,3,oops]}', "not a whole JSON object"),
        ('{"id":1,"image_id":1,"category_id":1,"bbox":[1,2,3,4],"image_id":2}', "given twice"),
        ('{"id":1,"image_id":7,"category_id":1,"bbox":[1,2,3,4],"image_id":1}', "given twice"),
    ],
)
def test_a_line_grouped_unparsed_is_checked_when_its_image_is_read(
    tmp_path: Path, line: str, expected: str
) -> None:
    # Lines that start the way Labelwright writes them are grouped by image without being
    # parsed; what is wrong with the rest of the line shows when the image is built.
    file = _write_rich(tmp_path)
    text = file.read_text()
    first = text.index('{"id":1,"image_id":1,')
    file.write_text(text[:first] + line + text[text.index("\n", first) - 1 :])
    with pytest.raises(FormatError, match=rf"instances_train\.json: .*{expected}"):
        list(CocoFormat().read(file))


def _relaid(file: Path, data: dict, layout: str) -> None:
    """Write `data` over an instances file Labelwright wrote, in one of three layouts: its
    own ("exact": each entry re-encoded in place, compactly), its lines with spaces in each
    entry ("lines", read line by line), or one long line ("one_line", parsed whole)."""
    if layout == "one_line":
        file.write_text(json.dumps(data))
        return
    separators = (",", ":") if layout == "exact" else (", ", ": ")
    numbered = iter([*data["images"], *data["annotations"]])
    lines = file.read_text().splitlines()
    file.write_text(
        "\n".join(
            json.dumps(next(numbered), separators=separators) + ("," if line.endswith(",") else "")
            if line.startswith('{"') and number > 0  # line 0 is the head
            else line
            for number, line in enumerate(lines)
        )
        + "\n"
    )


LAYOUTS = ["exact", "lines", "one_line"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["annotations"][0]["bbox"].__setitem__(2, "wide"), "annotation 1: shape"),
        (lambda d: d["annotations"][0].update(image_id="one"), "annotation 1: image_id is"),
        (lambda d: d["annotations"][1]["labelwright"].update(frame=-0.5), "annotation 2: frame"),
        (lambda d: d["annotations"][2].update(image_id=7), "annotation 3: image_id 7 is not"),
        (lambda d: d["annotations"][3].update(category_id=9), "annotation 4: category_id 9 is"),
    ],
)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_errors_name_file_and_object_in_every_layout(
    tmp_path: Path, change, expected: str, layout: str
) -> None:
    file = _write_rich(tmp_path)
    data = json.loads(file.read_text())
    change(data)
    _relaid(file, data, layout)
    with pytest.raises(FormatError, match=f"instances_train.json: {expected}"):
        list(CocoFormat().read(file))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_each_layout_loads_its_own_way_and_reads_the_same(tmp_path: Path, layout: str) -> None:
    from labelwright.formats._coco_load import AnnotationLines, load_instances

    written = _write_rich(tmp_path / "written")
    file = _write_rich(tmp_path / layout)
    _relaid(file, json.loads(file.read_text()), layout)
    loaded = load_instances(file, file.name)
    kind = {"exact": AnnotationLines, "lines": list, "one_line": list}[layout]
    assert type(loaded.annotations) is kind
    assert type(load_instances(written, written.name).annotations) is AnnotationLines
    assert list(CocoFormat().read(file)) == list(CocoFormat().read(written))


def _boxes(count: int, per_image: int) -> Dataset:
    """`count` images of `per_image` boxes each."""
    schema = make_schema()
    images = [
        DatasetImage(
            f"{n}.png",
            60,
            40,
            Annotation(
                objects=[
                    AnnotationObject(
                        id=f"b{n}-{k}",
                        class_id=schema.classes[k % 2].id,
                        shape=BBox(x=k, y=n, w=5, h=4),
                    )
                    for k in range(per_image)
                ]
            ),
            split="train",
        )
        for n in range(count)
    ]
    return Dataset(schema=schema, images=images)


def test_annotation_lines_in_any_order_are_grouped_by_image(tmp_path: Path) -> None:
    dataset = _boxes(4, 3)
    CocoFormat().write(dataset, tmp_path)
    file = tmp_path / "annotations" / "instances_train.json"
    text = file.read_text()
    head, rest = text.split('"annotations":[\n')
    lines = rest.removesuffix("\n]}\n").split(",\n")
    shuffled = [lines[k] for k in (11, 0, 5, 3, 8, 1, 2, 10, 4, 9, 6, 7)]  # images split apart
    file.write_text(head + '"annotations":[\n' + ",\n".join(shuffled) + "\n]}\n")
    from labelwright.formats._coco_load import AnnotationLines, load_instances

    assert type(load_instances(file, file.name).annotations) is AnnotationLines
    read = list(CocoFormat().read(file))
    assert [by_id(image) for image in read] == [by_id(image) for image in dataset]
    whole = tmp_path / "whole" / "instances_train.json"
    whole.parent.mkdir()
    whole.write_text(file.read_text())
    _one_line(whole)
    assert read == list(CocoFormat().read(whole))  # in the file's order, as a whole parse


def test_images_without_annotations_load_in_labelwrights_layout(tmp_path: Path) -> None:
    from labelwright.formats._coco_load import AnnotationLines, load_instances

    dataset = _boxes(2, 0)
    CocoFormat().write(dataset, tmp_path)
    file = tmp_path / "annotations" / "instances_train.json"
    loaded = load_instances(file, file.name)
    assert type(loaded.annotations) is AnnotationLines and len(loaded.annotations) == 0
    assert len(loaded.images) == 2
    assert list(CocoFormat().read(file)) == list(dataset)
    head = file.read_text().split("\n", 1)[0]
    file.write_text(head + '\n"images":[\n\n],\n"annotations":[\n\n]}\n')  # no images either
    loaded = load_instances(file, file.name)
    assert (loaded.images, len(loaded.annotations)) == ([], 0)
    assert list(CocoFormat().read(file)) == []


def test_a_line_holding_two_entries_is_reported_in_labelwrights_layout(tmp_path: Path) -> None:
    # The line starts and ends as Labelwright's lines do, and its image's lines parse
    # together: only their count of entries tells that one line held two.
    dataset = _boxes(2, 2)
    CocoFormat().write(dataset, tmp_path)
    file = tmp_path / "annotations" / "instances_train.json"
    text = file.read_text()
    first = text.index('{"id":1,"image_id"')
    end = text.index(",\n", first)
    doubled = text[first:end] + "," + text[first:end].replace('"id":1,', '"id":9,', 1)
    file.write_text(text[:first] + doubled + text[end:])
    with pytest.raises(FormatError, match="annotation #0: its line is not a whole JSON object"):
        list(CocoFormat().read(file))


def test_writer_output_is_what_the_json_module_reads_back(tmp_path: Path) -> None:
    """The fast encoder writes the same values the standard library would."""
    source = rich_dataset()
    data = json.loads(_write_rich(tmp_path).read_text())
    box = next(a for a in data["annotations"] if a["labelwright"]["id"] == "a")
    original = next(o for o in next(iter(source)).annotation.objects if o.id == "a").shape
    assert box["bbox"] == [original.x, original.y, original.w, original.h]
    assert box["segmentation"] == [[1.0, 2.0, 31.0, 2.0, 31.0, 22.0, 1.0, 22.0]]
    assert box["area"] == 600.0
    first = data["images"][0]
    assert first["labelwright"]["meta"] == {"source": "client", "n": 1}


def test_annotations_of_a_line_per_entry_file_wait_as_raw_lines(tmp_path: Path) -> None:
    from labelwright.formats._coco_load import load_instances

    file = _write_rich(tmp_path)
    loaded = load_instances(file, file.name)
    assert all(isinstance(a, bytes) for a in loaded.annotations) and len(loaded.annotations) == 8
    assert loaded.annotations[2:4] == list(loaded.annotations)[2:4]
    assert "categories" in loaded.top and len(loaded.images) == 1
    _one_line(file)
    whole = load_instances(file, file.name)
    assert all(isinstance(a, dict) for a in whole.annotations)
    assert [json.loads(a) for a in loaded.annotations] == whole.annotations
