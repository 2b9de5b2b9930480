"""Native JSON Lines: an exact round trip of everything a DatasetImage holds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from labelwright.formats.dataset import Dataset, FormatError
from labelwright.formats.native import NativeFormat
from tests.formats.conftest import datasets, make_schema, rich_dataset

ALL = ("bbox", "polygon", "rotated_box", "mask", "keypoints")


def comparable(image) -> tuple:
    """Everything but `path`, which names the writing machine's file."""
    return (
        image.file_name,
        image.width,
        image.height,
        image.annotation,
        image.frame_count,
        image.split,
        image.state,
        image.meta,
    )


def test_rich_dataset_round_trips_exactly(tmp_path: Path) -> None:
    source = rich_dataset()
    manifest = NativeFormat().write(source, tmp_path)
    back = NativeFormat().read(tmp_path)
    assert back.schema == source.schema
    assert back.name == "rich"
    assert [comparable(i) for i in back] == [comparable(i) for i in rich_dataset()]
    assert manifest.images == 2 and manifest.objects == 11
    assert json.loads((tmp_path / "manifest.json").read_text())["per_split"] == {
        "train": 1,
        "val": 1,
    }


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(images=datasets(ALL))
def test_random_datasets_round_trip(tmp_path_factory, images) -> None:
    out = tmp_path_factory.mktemp("native")
    NativeFormat().write(Dataset(schema=make_schema(), images=images), out)
    back = NativeFormat().read(out)
    assert [comparable(i) for i in back] == [comparable(i) for i in images]


def test_reading_streams_and_can_iterate_twice(tmp_path: Path) -> None:
    NativeFormat().write(rich_dataset(), tmp_path)
    back = NativeFormat().read(tmp_path)
    assert len(list(back)) == len(list(back)) == 2


def test_images_are_copied_and_found_again(tmp_path: Path) -> None:
    picture = tmp_path / "pixels.png"
    picture.write_bytes(b"not really a png")
    source = rich_dataset()
    source.images[1].path = picture
    NativeFormat().write(source, tmp_path / "out")
    back = list(NativeFormat().read(tmp_path / "out"))
    assert back[1].path == tmp_path / "out" / "images" / "second.jpg"
    assert back[1].path.read_bytes() == b"not really a png"
    assert NativeFormat().detect(tmp_path / "out") == 1.0


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("{not json", "dataset.jsonl: line 3: not JSON"),
        (
            '{"file_name": "x.jpg", "width": 5, "height": 5, "annotation": {"objects": '
            '[{"id": "1", "class_id": "car", "shape": {"kind": "bbox", "x": 1}}]}}',
            "dataset.jsonl: line 3 (image 'x.jpg'): annotation.objects.0.shape.bbox.y",
        ),
        ('{"file_name": "y.jpg", "width": "5", "height": 5}', "line 3 (image 'y.jpg'): width"),
        ('{"file_name": "z.jpg", "height": 5}', "line 3 (image 'z.jpg'): width is missing"),
    ],
)
def test_bad_lines_name_file_line_and_image(tmp_path: Path, line: str, expected: str) -> None:
    NativeFormat().write(rich_dataset(), tmp_path)
    file = tmp_path / "dataset.jsonl"
    lines = file.read_text().splitlines()
    file.write_text("\n".join([*lines[:2], line]) + "\n")
    with pytest.raises(FormatError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        list(NativeFormat().read(tmp_path))


def test_bad_header_is_refused(tmp_path: Path) -> None:
    (tmp_path / "dataset.jsonl").write_text('{"something": 1}\n')
    with pytest.raises(FormatError, match=r"dataset\.jsonl: line 1: not a Labelwright"):
        NativeFormat().read(tmp_path)
