"""YOLO (Ultralytics layout): each task reads back what it wrote, within 6-decimal rounding."""

from __future__ import annotations

import math
import os
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from labelwright.domain.geometry import bbox_of, rotated_box_corners
from labelwright.domain.shapes import Annotation, AnnotationObject, BBox, Keypoints, RotatedBox
from labelwright.formats._yolo_read import LabelReader
from labelwright.formats.dataset import Dataset, DatasetImage, FormatError, PlainDatasetImage
from labelwright.formats.yolo import TASKS, YoloFormat, image_size
from tests.formats.conftest import datasets, make_schema, rich_dataset


def tolerance(image: DatasetImage) -> float:
    """Six decimals of a normalised value: half a millionth of the side, plus float slack."""
    return 5e-7 * max(image.width, image.height) + 1e-9


def with_pixels(images, folder: Path) -> list[DatasetImage]:
    """Give every image a real file of its size (YOLO reads sizes from the images)."""
    folder.mkdir(parents=True, exist_ok=True)
    for image in images:
        path = folder / f"{len(list(folder.iterdir()))}.png"
        Image.new("L", (image.width, image.height)).save(path)
        image.path = path
    return list(images)


def read_back(out: Path, **options) -> dict[str, DatasetImage]:
    return {i.file_name: i for i in YoloFormat().read(out, **options)}


def close(a: list[float], b: list[float], tol: float) -> bool:
    return len(a) == len(b) and all(
        math.isclose(x, y, abs_tol=tol) for x, y in zip(a, b, strict=True)
    )


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(images=datasets(("bbox", "polygon", "rotated_box")))
def test_detect_reads_back_the_boxes(tmp_path_factory, images) -> None:
    root = tmp_path_factory.mktemp("yolo")
    images = with_pixels(images, root / "src")
    YoloFormat().write(Dataset(schema=make_schema(), images=images), root / "out")
    back = read_back(root / "out", schema=make_schema())
    for image in images:
        read = back[image.file_name]
        assert read.split == (image.split or "train")
        assert (read.width, read.height) == (image.width, image.height)
        expected = [(o.class_id, bbox_of(o.shape)) for o in image.annotation.objects]
        got = [(o.class_id, bbox_of(o.shape)) for o in read.annotation.objects]
        assert [c for c, _ in got] == [c for c, _ in expected]
        for (_, a), (_, b) in zip(got, expected, strict=True):
            assert close(list(a), list(b), 2 * tolerance(image))


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(images=datasets(("polygon",)))
def test_segment_reads_back_the_polygons(tmp_path_factory, images) -> None:
    root = tmp_path_factory.mktemp("yolo")
    images = with_pixels(images, root / "src")
    YoloFormat(task="segment").write(Dataset(schema=make_schema(), images=images), root / "out")
    back = read_back(root / "out", schema=make_schema())
    for image in images:
        got = back[image.file_name].annotation.objects
        for a, b in zip(got, image.annotation.objects, strict=True):
            flat_a = [c for p in a.shape.rings[0] for c in p]
            flat_b = [c for p in b.shape.rings[0] for c in p]
            assert a.class_id == b.class_id and close(flat_a, flat_b, tolerance(image))


def _plain_form(obj) -> tuple:
    """What a plain object holds of a read object: id, class, kind and numbers, flat."""
    shape = obj.shape
    if shape.kind == "bbox":
        return obj.id, obj.class_id, "bbox", [shape.x, shape.y, shape.w, shape.h]
    return obj.id, obj.class_id, "polygon", [c for point in shape.rings[0] for c in point]


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(images=datasets(("bbox", "polygon", "rotated_box")), task=st.sampled_from(TASKS))
def test_plain_images_are_read_as_the_full_reader_reads_them(
    tmp_path_factory, images, task
) -> None:
    root = tmp_path_factory.mktemp("yolo")
    images = with_pixels(images, root / "src")
    YoloFormat(task=task).write(Dataset(schema=make_schema(), images=images), root / "out")
    read = YoloFormat().read(root / "out", schema=make_schema())
    for full, either in zip(read, read.images.plain(), strict=True):
        if isinstance(either, DatasetImage):
            assert either == full
            continue
        assert task in ("detect", "segment")
        assert isinstance(either, PlainDatasetImage) and either.build() == full
        assert (either.file_name, either.width, either.height) == (
            full.file_name,
            full.width,
            full.height,
        )
        assert [tuple(o) for o in either.objects] == [
            _plain_form(o) for o in full.annotation.objects
        ]


def test_obb_reads_back_rotated_boxes(tmp_path: Path) -> None:
    box = RotatedBox(cx=50, cy=40, w=30, h=12, angle=25)
    image = DatasetImage(file_name="r.png", width=100, height=80)
    image.annotation.objects.append(AnnotationObject(id="1", class_id="car", shape=box))
    with_pixels([image], tmp_path / "src")
    YoloFormat().write(Dataset(make_schema(), [image]), tmp_path / "out", task="obb")
    (read,) = read_back(tmp_path / "out").values()
    shape = read.annotation.objects[0].shape
    assert isinstance(shape, RotatedBox)
    flat = [c for p in rotated_box_corners(shape) for c in p]
    assert close(flat, [c for p in rotated_box_corners(box) for c in p], 1e-4)
    assert (tmp_path / "out" / "labels" / "train" / "r.txt").read_text().count(" ") == 8


def test_pose_writes_kpt_shape_and_flip_idx(tmp_path: Path) -> None:
    points = Keypoints(points=[(10, 10, 2), (20, 15, 1), (0, 0, 0)])
    image = DatasetImage(file_name="p.png", width=100, height=80, split="val")
    image.annotation.objects.append(AnnotationObject(id="1", class_id="person", shape=points))
    with_pixels([image], tmp_path / "src")
    YoloFormat(task="pose").write(Dataset(make_schema(), [image]), tmp_path / "out")
    data = yaml.safe_load((tmp_path / "out" / "data.yaml").read_text())
    assert data["kpt_shape"] == [3, 3] and data["flip_idx"] == [0, 2, 1]
    assert data["names"] == {0: "Car", 1: "Person", 2: "Road"}
    assert data["val"] == "images/val" and data["train"] == "images/val"  # train must exist
    (read,) = read_back(tmp_path / "out", schema=make_schema()).values()
    got = read.annotation.objects[0]
    assert got.class_id == "person"
    assert close([c for p in got.shape.points for c in p], [10, 10, 2, 20, 15, 1, 0, 0, 0], 1e-4)


def test_images_keep_their_names_and_are_hard_linked(tmp_path: Path) -> None:
    (image,) = with_pixels([DatasetImage(file_name="deep/x.png", width=30, height=20)], tmp_path)
    YoloFormat().write(Dataset(make_schema(), [image]), tmp_path / "out")
    copied = tmp_path / "out" / "images" / "train" / "deep" / "x.png"
    assert os.stat(copied).st_ino == os.stat(image.path).st_ino
    assert (tmp_path / "out" / "labels" / "train" / "deep" / "x.txt").read_text() == ""
    assert image_size(copied) == (30, 20)


def test_exif_rotated_images_report_turned_sizes(tmp_path: Path) -> None:
    picture = Image.new("RGB", (40, 20))
    exif = picture.getexif()
    exif[0x0112] = 6
    picture.save(tmp_path / "turned.jpg", exif=exif)
    assert image_size(tmp_path / "turned.jpg") == (20, 40)


def test_manifest_counts_what_the_task_carried(tmp_path: Path) -> None:
    source = rich_dataset()
    images = with_pixels(source.images, tmp_path / "src")
    manifest = YoloFormat().write(Dataset(source.schema, images), tmp_path / "out")
    assert manifest.format == "yolo-detect"
    assert manifest.per_class == {"Car": 3, "Road": 4}
    assert manifest.per_split == {"train": 1, "val": 1}
    assert (tmp_path / "out" / "manifest.json").is_file()


def test_bad_label_line_names_file_and_line(tmp_path: Path) -> None:
    (image,) = with_pixels([DatasetImage(file_name="x.png", width=30, height=20)], tmp_path)
    YoloFormat().write(Dataset(make_schema(), [image]), tmp_path / "out")
    (tmp_path / "out" / "labels" / "train" / "x.txt").write_text(
        "0 0.5 0.5 0.1 0.1\n7 0.5 0.5 0.1 0.1\n"
    )
    with pytest.raises(FormatError, match=r"labels/train/x.txt: line 2: class 7 is not in names"):
        list(YoloFormat().read(tmp_path / "out"))
    (tmp_path / "out" / "labels" / "train" / "x.txt").write_text("0 0.5 zero 0.1 0.1\n")
    with pytest.raises(FormatError, match=r"labels/train/x.txt: line 1: expected a class"):
        list(YoloFormat().read(tmp_path / "out"))


def test_unknown_task_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown YOLO task 'classify'"):
        YoloFormat(task="classify")


def test_supervision_loads_the_export(tmp_path: Path) -> None:
    sv = pytest.importorskip("supervision", reason="supervision is not installed")
    source = rich_dataset()
    images = with_pixels(source.images, tmp_path / "src")
    for image in images:
        image.split = "train"
        image.file_name = Path(image.file_name).name  # supervision does not look in sub-folders
    YoloFormat().write(Dataset(source.schema, images), tmp_path / "out")
    loaded = sv.DetectionDataset.from_yolo(
        images_directory_path=str(tmp_path / "out" / "images" / "train"),
        annotations_directory_path=str(tmp_path / "out" / "labels" / "train"),
        data_yaml_path=str(tmp_path / "out" / "data.yaml"),
    )
    assert loaded.classes == ["Car", "Person", "Road"]
    assert sorted(len(d) for _, _, d in loaded) == [0, 7]


def test_image_files_come_in_path_order(tmp_path: Path) -> None:
    from labelwright.formats._yolo_read import image_files

    for name in ("a/b.png", "a.b.png", "a-c.png", "A.png", "a/.hidden.png", "notes.txt", "x.JPG"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"")
    expected = [
        p.relative_to(tmp_path).as_posix()
        for p in sorted(tmp_path.rglob("*"))
        if p.suffix.lower() in {".png", ".jpg"} and p.is_file()
    ]
    assert [name for name, _ in image_files(tmp_path)] == expected


def test_image_sizes_are_read_once_per_linked_file_and_always_for_single_files(
    tmp_path: Path, monkeypatch
) -> None:
    from labelwright.formats import _yolo_read

    Image.new("L", (30, 20)).save(tmp_path / "one.png")
    os.link(tmp_path / "one.png", tmp_path / "two.png")
    Image.new("L", (7, 5)).save(tmp_path / "single.png")
    reads = []
    real = _yolo_read.image_size
    monkeypatch.setattr(_yolo_read, "image_size", lambda p: reads.append(p.name) or real(p))
    sizes = _yolo_read.ImageSizes()
    for name in ("one.png", "two.png", "single.png", "single.png"):
        path = tmp_path / name
        assert sizes.size(path, path.stat()) == ((7, 5) if name == "single.png" else (30, 20))
    assert reads == ["one.png", "single.png", "single.png"]
    Image.new("L", (9, 9)).save(tmp_path / "single.png")  # new bytes under the same name
    assert sizes.size(tmp_path / "single.png", (tmp_path / "single.png").stat()) == (9, 9)


def test_label_file_that_is_not_utf8_names_the_file(tmp_path: Path) -> None:
    (image,) = with_pixels([DatasetImage(file_name="x.png", width=30, height=20)], tmp_path)
    YoloFormat().write(Dataset(make_schema(), [image]), tmp_path / "out")
    (tmp_path / "out" / "labels" / "train" / "x.txt").write_bytes(b"0 0.5 \xff 0.1 0.1\n")
    with pytest.raises(FormatError, match=r"labels/train/x.txt: not UTF-8 text"):
        list(YoloFormat().read(tmp_path / "out"))


def test_detect_lines_are_six_decimal_numbers(tmp_path: Path) -> None:
    from labelwright.domain.shapes import BBox, Polygon

    image = DatasetImage(file_name="d.png", width=200, height=100)
    image.annotation.objects += [
        AnnotationObject(id="1", class_id="car", shape=BBox(x=10, y=20, w=30, h=40)),
        AnnotationObject(
            id="2", class_id="road", shape=Polygon(rings=[[(0, 0), (50, 0), (50, 25)]])
        ),
    ]
    YoloFormat().write(Dataset(make_schema(), [image]), tmp_path / "out", copy_images=False)
    assert (tmp_path / "out" / "labels" / "train" / "d.txt").read_text() == (
        "0 0.125000 0.400000 0.150000 0.400000\n2 0.125000 0.125000 0.250000 0.250000\n"
    )


def test_a_failed_label_write_is_raised(tmp_path: Path) -> None:
    (tmp_path / "out" / "labels" / "train" / "x.txt").mkdir(parents=True)  # in the way
    image = DatasetImage(file_name="x.png", width=30, height=20)
    with pytest.raises(IsADirectoryError):
        YoloFormat().write(Dataset(make_schema(), [image]), tmp_path / "out", copy_images=False)


def test_a_label_file_that_cannot_be_read_is_named(tmp_path: Path) -> None:
    reader = LabelReader(tmp_path, make_schema().classes, "detect")
    label = tmp_path / "labels" / "train" / "a.txt"
    with pytest.raises(OSError, match=r"labels/train/a\.txt: Permission denied"):
        reader.parse(label, "Permission denied", 100, 100)
    assert reader.parse(label, None, 100, 100) == []  # no label file: no objects


def _numbered(tmp_path: Path, count: int) -> Path:
    """A detect dataset of `count` images n0.png, n1.png, ... each with one box."""
    box = AnnotationObject(id="b", class_id="car", shape=BBox(x=1, y=2, w=5, h=4))
    images = with_pixels(
        [DatasetImage(f"n{k:02d}.png", 30, 20, Annotation(objects=[box])) for k in range(count)],
        tmp_path / "pixels",
    )
    YoloFormat().write(Dataset(make_schema(), images), tmp_path / "out")
    return tmp_path / "out"


def test_a_stream_reads_only_the_images_it_is_told_it_will_take(tmp_path: Path) -> None:
    out = _numbered(tmp_path, 6)
    for k in (1, 4):  # broken label files: reading either one would raise
        (out / "labels" / "train" / f"n{k:02d}.txt").write_text("9 0.5 0.5 0.1 0.1\n")
    with pytest.raises(FormatError, match="class 9 is not in names"):
        list(YoloFormat().read(out).images)
    stream = YoloFormat().read(out).images.plain()
    stream.select(lambda number: number not in (1, 4))
    taken = [next(stream).file_name]
    assert stream.skip(1) == 1
    taken += [next(stream).file_name, next(stream).file_name]
    assert stream.skip(1) == 1
    taken += [image.file_name for image in stream]
    assert taken == ["n00.png", "n02.png", "n03.png", "n05.png"]
    assert stream.skip(3) == 0  # at the end
    again = YoloFormat().read(out).images.plain()
    again.select(lambda number: number != 1)
    next(again)
    with pytest.raises(RuntimeError, match="image 1 of the dataset was not selected"):
        next(again)
    with pytest.raises(RuntimeError, match="select comes before the first image"):
        again.select(lambda number: True)


def test_skipping_without_selecting_passes_images_over(tmp_path: Path) -> None:
    out = _numbered(tmp_path, 5)
    stream = iter(YoloFormat().read(out).images)
    assert stream.skip(2) == 2
    assert [image.file_name for image in stream] == ["n02.png", "n03.png", "n04.png"]
    assert stream.skip(1) == 0


def test_images_are_listed_once_for_every_pass_and_selection(tmp_path: Path, monkeypatch) -> None:
    from labelwright.formats import _yolo_read

    out = _numbered(tmp_path, 4)
    listings = []
    image_files = _yolo_read.image_files
    monkeypatch.setattr(
        _yolo_read, "image_files", lambda folder: listings.append(folder) or image_files(folder)
    )
    images = YoloFormat().read(out).images
    images.prepare()  # as a reading process does before it forks the others
    assert len(listings) == 1
    assert [image.file_name for image in images] == [f"n{k:02d}.png" for k in range(4)]
    stream = images.plain()
    stream.select(lambda number: number % 2 == 1)  # as a reader sharing the pages does
    stream.skip(1)
    assert [next(stream).file_name, stream.skip(1), next(stream).file_name] == [
        "n01.png",
        1,
        "n03.png",
    ]
    assert len(listings) == 1
