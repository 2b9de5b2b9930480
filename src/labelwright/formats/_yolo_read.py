"""Reading YOLO folders: data.yaml, the image files (for their sizes) and label lines."""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Iterator
from contextlib import closing
from functools import partial
from pathlib import Path
from typing import Any

import yaml
from PIL import Image, UnidentifiedImageError
from pydantic import ValidationError

from labelwright.domain.plain import PlainObject
from labelwright.domain.schema import LabelClass, LabelSchema, Skeleton
from labelwright.domain.shapes import Annotation, AnnotationObject, Point, RotatedBox
from labelwright.formats.dataset import (
    IMAGE_SUFFIXES,
    DatasetImage,
    FormatError,
    PlainDatasetImage,
)
from labelwright.formats.filters import read_ahead

SPLITS = ("train", "val", "test")
_TASK_KIND = {"detect": "bbox", "segment": "polygon", "pose": "keypoints", "obb": "rotated_box"}
_EXIF_ORIENTATION = 0x0112
_PALETTE = ["#e6194b", "#3cb44b", "#ffe119", "#4363d8", "#f58231", "#911eb4", "#46f0f0"]


def _load_yaml(yaml_file: Path) -> dict:
    """data.yaml as a dict, or FormatError."""
    try:
        data = yaml.safe_load(yaml_file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise FormatError(f"{yaml_file.name}: not readable YAML ({error})") from None
    if not isinstance(data, dict):
        raise FormatError(f"{yaml_file.name}: expected a mapping at the top")
    return data


def _names(data: dict, where: str) -> list[str]:
    """Class names by index from `names` (a list or an index -> name mapping)."""
    names = data.get("names")
    if isinstance(names, list):
        return [str(n) for n in names]
    if isinstance(names, dict) and all(isinstance(k, int) for k in names):
        if sorted(names) != list(range(len(names))):
            raise FormatError(f"{where}: names must be numbered 0..{len(names) - 1}")
        return [str(names[k]) for k in range(len(names))]
    raise FormatError(f"{where}: names must be a list or a mapping of index to name")


def _built_schema(names: list[str], data: dict, task: str, where: str) -> LabelSchema:
    """A schema with one class per name, allowing the task's shape kind."""
    skeleton = None
    if task == "pose":
        shape = data.get("kpt_shape") or [0, 3]
        flip = data.get("flip_idx") or list(range(shape[0]))
        pairs = sorted({(min(i, j), max(i, j)) for i, j in enumerate(flip) if i != j})
        skeleton = Skeleton(nodes=[f"kpt_{n}" for n in range(shape[0])], symmetric_pairs=pairs)
    used: set[str] = set()
    classes = []
    for number, name in enumerate(names):
        class_id = re.sub(r"[^A-Za-z0-9_.:-]+", "_", name).strip("_")[:60] or f"class_{number}"
        class_id = class_id if class_id not in used else f"{class_id}_{number}"
        used.add(class_id)
        classes.append(
            LabelClass(
                id=class_id,
                name=name,
                color=_PALETTE[number % len(_PALETTE)],
                shape_kinds=[_TASK_KIND[task]],
                skeleton=skeleton,
            )
        )
    try:
        return LabelSchema(classes=classes)
    except ValidationError as error:
        raise FormatError(f"{where}: names: {error.errors()[0]['msg']}") from None


def _class_map(names: list[str], schema: LabelSchema, where: str) -> list[LabelClass]:
    """The schema class for each YOLO class index, matched by name."""
    by_name = {c.name.casefold(): c for c in schema.classes}
    result = []
    for number, name in enumerate(names):
        found = by_name.get(name.casefold())
        if found is None:
            raise FormatError(f"{where}: names[{number}] {name!r} is not a class of the schema")
        result.append(found)
    return result


def _split_folders(data: dict, yaml_file: Path) -> list[tuple[str, Path]]:
    """(split, images folder) for each folder data.yaml names, each folder once.

    A folder named by several splits (val pointing at train) takes the split whose name it
    bears, else the first that names it.
    """
    named: dict[Path, list[str]] = {}
    for split in SPLITS:
        value = data.get(split)
        for entry in value if isinstance(value, list) else [value] if value else []:
            # resolved from the YAML's own folder, so a moved dataset still reads
            folder = (yaml_file.parent / str(entry)).resolve()
            if folder.is_dir():
                named.setdefault(folder, []).append(split)
    if not named:
        raise FormatError(
            f"{yaml_file.name}: no train/val/test image folder found "
            "(YOLO labels are normalised, so reading needs the images for their sizes)"
        )
    return [
        (folder.name if folder.name in splits else splits[0], folder)
        for folder, splits in named.items()
    ]


def image_size(path: Path) -> tuple[int, int]:
    """(width, height) after EXIF orientation, from the header only."""
    try:
        with Image.open(path) as image:
            width, height = image.size
            orientation = image.getexif().get(_EXIF_ORIENTATION, 1)
    except (OSError, UnidentifiedImageError) as error:
        raise FormatError(f"{path.name}: not a readable image ({error})") from None
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


class ImageSizes:
    """Image sizes read from headers, each distinct file once.

    A file with several hard links (an export links every copy to one original) is the
    same bytes under every name, so its size is kept by device and inode (with its length
    and change time); a file with one link is read each time.
    """

    def __init__(self) -> None:
        self._known: dict[tuple[int, int, int, int], tuple[int, int]] = {}

    def size(self, path: Path, info: os.stat_result) -> tuple[int, int]:
        """(width, height) of the image at `path`, whose stat is `info`."""
        if info.st_nlink < 2:
            return image_size(path)
        key = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)
        found = self._known.get(key)
        if found is None:
            found = self._known[key] = image_size(path)
        return found


def suffix_of(name: str) -> str:
    """A file name's suffix as pathlib sees it (`.jpg`; none for `.hidden` or `name.`)."""
    dot = name.rfind(".")
    return name[dot:] if 0 < dot < len(name) - 1 else ""


def image_files(folder: Path) -> list[tuple[str, os.DirEntry]]:
    """(relative POSIX name, directory entry) of each image under `folder`, in path order.

    Sorted by path parts, as sorted(folder.rglob("*")) would; linked folders are not followed.
    """
    found = []
    stack = [("", str(folder))]
    while stack:
        prefix, directory = stack.pop()
        with os.scandir(directory) as entries:
            for entry in entries:
                relative = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    stack.append((relative + "/", entry.path))
                elif suffix_of(entry.name).lower() in IMAGE_SUFFIXES and entry.is_file():
                    found.append((relative.split("/"), relative, entry))
    found.sort(key=lambda row: row[0])
    return [(relative, entry) for _, relative, entry in found]


class LabelReader:
    """Parses label files into annotation objects of one task."""

    def __init__(self, root: Path, classes: list[LabelClass], task: str | None) -> None:
        self.root = root
        self.classes = classes
        self.class_ids = [c.id for c in classes]
        self.task = task

    def parse(
        self, file: Path, data: bytes | str | None, width: int, height: int
    ) -> list[AnnotationObject]:
        """The objects of a label file read (`file_ops.read_file`): its bytes, None when it
        does not exist, or why it could not be read (an OSError)."""
        if data is None:
            return []
        if isinstance(data, str):
            raise OSError(f"{self._where(file)}: {data}")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise FormatError(f"{self._where(file)}: not UTF-8 text ({error})") from None
        stem = file.name.removesuffix(".txt")
        return [
            self._object(tokens, (file, number), f"{stem}-{number}", width, height)
            for number, tokens in _token_lines(text)
        ]

    def plain(
        self, data: bytes | str | None, stem: str, width: int, height: int
    ) -> list[PlainObject] | None:
        """A label file's objects as plain data (`domain.plain`), as `parse` would read them;
        None when anything in it is not a detect or segment line that parses (`parse` then
        reads it, and says what is wrong)."""
        if self.task not in (None, "detect", "segment") or isinstance(data, str):
            return None
        if data is None:
            return []
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        result = []
        for number, tokens in _token_lines(text):
            try:
                index, values = self._line(tokens)
                shape = self._shape(values, width, height)
            except ValueError:
                return None
            if shape["kind"] == "bbox":
                flat = [shape["x"], shape["y"], shape["w"], shape["h"]]
            else:  # a segment line: one ring
                flat = [c for point in shape["rings"][0] for c in point]
            kind = shape["kind"]
            result.append(PlainObject(f"{stem}-{number}", self.class_ids[index], kind, flat))
        return result

    def _where(self, file: Path, line: int | None = None) -> str:
        """How an error names a label file (relative to the dataset) and a line."""
        name = file.relative_to(self.root).as_posix() if file.is_relative_to(self.root) else file
        return f"{name}: line {line}" if line is not None else str(name)

    def _object(
        self, tokens: list[str], at: tuple, object_id: str, width: int, height: int
    ) -> AnnotationObject:
        """One label line as an annotation object; `at` is (file, line) for errors."""
        try:
            index, values = self._line(tokens)
        except ValueError as error:
            raise FormatError(f"{self._where(*at)}: {error}") from None
        try:
            shape = self._shape(values, width, height)
            return AnnotationObject.model_validate(
                {"id": object_id, "class_id": self.class_ids[index], "shape": shape}
            )
        except (ValueError, ValidationError) as error:
            raise FormatError(f"{self._where(*at)}: {error}") from None

    def _line(self, tokens: list[str]) -> tuple[int, list[float]]:
        """A label line's class number and numbers; ValueError saying what is wrong."""
        try:
            index = int(tokens[0])
            values = [float(t) for t in tokens[1:]]
        except ValueError:
            raise ValueError("expected a class number and numbers") from None
        if not 0 <= index < len(self.classes):
            raise ValueError(f"class {index} is not in names (0..{len(self.classes) - 1})")
        return index, values

    def _shape(self, values: list[float], width: int, height: int) -> dict[str, Any] | RotatedBox:
        """The shape of one line's numbers, following the task (data the object validates)."""
        task = self.task or ("detect" if len(values) == 4 else "segment")
        if task in ("detect", "pose"):
            if (task == "detect" and len(values) != 4) or len(values) < 4:
                raise ValueError(f"a {task} line needs cx cy w h, got {len(values)} numbers")
            if task == "pose":
                return self._keypoints(values[4:], width, height)
            cx, cy, w, h = values
            x, y = (cx - w / 2) * width, (cy - h / 2) * height
            return {"kind": "bbox", "x": x, "y": y, "w": w * width, "h": h * height}
        if len(values) % 2 or len(values) < 6:
            raise ValueError(f"a {task} line needs x y pairs, got {len(values)} numbers")
        points = [(values[i] * width, values[i + 1] * height) for i in range(0, len(values), 2)]
        if task == "segment":
            return {"kind": "polygon", "rings": [points]}
        if len(points) != 4:
            raise ValueError(f"an obb line needs 4 corners, got {len(points)}")
        return _rotated_box(points)

    def _keypoints(self, values: list[float], width: int, height: int) -> dict[str, Any]:
        """Pose numbers (x y v per node) as keypoints in pixels."""
        if len(values) % 3:
            raise ValueError("pose keypoints must be x y v triples")
        nodes = [values[i : i + 3] for i in range(0, len(values), 3)]
        points = [(x * width, y * height, int(v)) for x, y, v in nodes]
        return {"kind": "keypoints", "points": points}


def _token_lines(text: str) -> Iterator[tuple[int, list[str]]]:
    """(1-based line number, tokens) of each line of a label file that holds any."""
    for number, line in enumerate(text.splitlines(), start=1):
        tokens = line.split()
        if tokens:
            yield number, tokens


def _rotated_box(corners: list[Point]) -> RotatedBox:
    """A rotated box from its four corners in drawing order."""
    (x0, y0), (x1, y1), (x2, y2), _ = corners
    cx = sum(p[0] for p in corners) / 4
    cy = sum(p[1] for p in corners) / 4
    angle = math.degrees(math.atan2(y1 - y0, x1 - x0))
    return RotatedBox(
        cx=cx, cy=cy, w=math.hypot(x1 - x0, y1 - y0), h=math.hypot(x2 - x1, y2 - y1), angle=angle
    )


class YoloImages:
    """The images of a YOLO dataset, read one at a time as they are iterated."""

    def __init__(self, reader: LabelReader, folders: list[tuple[str, Path]]) -> None:
        self.reader = reader
        self.folders = folders
        self._listed: list[tuple[str, list[tuple[str, os.DirEntry]], list[str]]] | None = None

    def __iter__(self) -> YoloStream:
        return YoloStream(self, plain=False)

    def plain(self) -> YoloStream:
        """The images again, those whose label files hold only usual boxes and polygons as
        PlainDatasetImage (see formats.dataset.Format)."""
        return YoloStream(self, plain=True)

    def prepare(self) -> None:
        """List the images now (see formats.dataset.Format)."""
        self.listed()

    def listed(self) -> list[tuple[str, list[tuple[str, os.DirEntry]], list[str]]]:
        """(split, its images in order, their label files) of each split folder, listed on
        the first call (a listing of 100,000 images takes half a second)."""
        if self._listed is None:
            self._listed = self._listing()
        return self._listed

    def _listing(self) -> list[tuple[str, list[tuple[str, os.DirEntry]], list[str]]]:
        found = []
        for split, folder in self.folders:
            labels = str(labels_folder(folder))
            images = image_files(folder)
            label_files = [  # as label_path() names them
                os.path.join(labels, relative[: len(relative) - len(suffix_of(relative))] + ".txt")
                for relative, _ in images
            ]
            found.append((split, images, label_files))
        return found

    def entries(
        self, listed: list[tuple[str, list, list[str]]], wanted: Callable[[int], bool] | None
    ) -> Iterator[tuple[int, tuple]]:
        """(number, (relative name, file, size, label file, its contents, split)) of each
        image, or of those whose number is `wanted`: the others are not read at all."""
        sizes = ImageSizes()
        start = 0
        for split, images, label_files in listed:
            keep = [k for k in range(len(images)) if wanted is None or wanted(start + k)]
            # The label files are read ahead, on another core: the calls cost as much as
            # parsing what they hold. Not under a selection, though: the other readers
            # sharing the images keep the other cores busy, and a helper would only take
            # turns with them (and pass every file's bytes through a pipe).
            files = [label_files[k] for k in keep]
            with closing(read_ahead(files, helper=wanted is None)) as contents:
                for k, data in zip(keep, contents, strict=True):
                    relative, entry = images[k]
                    file = Path(entry.path)
                    size = sizes.size(file, entry.stat())
                    yield start + k, (relative, file, size, label_files[k], data, split)
            start += len(images)

    def _image(
        self,
        relative: str,
        file: Path,
        size: tuple[int, int],
        label_file: str,
        data: bytes | str | None,
        split: str,
    ) -> DatasetImage:
        """One image with the objects of its label file's contents."""
        width, height = size
        objects = self.reader.parse(Path(label_file), data, width, height)
        return DatasetImage(
            file_name=relative,
            width=width,
            height=height,
            annotation=Annotation(objects=objects),
            path=file,
            split=split,
        )

    def _plain_image(self, *entry: Any) -> DatasetImage | PlainDatasetImage:
        """One image as plain objects when its label file allows, else built in full."""
        relative, file, (width, height), label_file, data, _split = entry
        stem = os.path.basename(label_file).removesuffix(".txt")
        objects = self.reader.plain(data, stem, width, height)
        if objects is None:
            return self._image(*entry)
        return PlainDatasetImage(
            file_name=relative,
            width=width,
            height=height,
            frame_count=1,
            path=file,
            objects=objects,
            build=partial(self._image, *entry),
        )


class YoloStream:
    """The images as they are iterated, built one at a time.

    `skip` passes images over without building them, and `select`, called before the first
    image, says which ones (by number) will be taken at all: only their label files and image
    headers are read, so readers that share a dataset's pages each read only their own.
    """

    def __init__(self, images: YoloImages, *, plain: bool) -> None:
        self._images, self._plain = images, plain
        self._wanted: Callable[[int], bool] | None = None
        self._entries: Iterator[tuple[int, tuple]] | None = None
        self._position = 0  # the number of the next image
        self._total = 0

    def select(self, wanted: Callable[[int], bool]) -> None:
        """Read only the images whose number is `wanted` (the others can only be skipped)."""
        if self._entries is not None:
            raise RuntimeError("select comes before the first image")
        self._wanted = wanted

    def __iter__(self) -> YoloStream:
        return self

    def __next__(self) -> DatasetImage | PlainDatasetImage:
        entries = self._started()
        while self._position < self._total:
            number, entry = next(entries)
            if number < self._position:
                continue  # skipped (read, when nothing was selected)
            if number > self._position:
                raise RuntimeError(f"image {self._position} of the dataset was not selected")
            self._position += 1
            return self._images._plain_image(*entry) if self._plain else self._images._image(*entry)
        raise StopIteration

    def skip(self, count: int) -> int:
        """Pass over up to `count` images; how many there were."""
        self._started()
        skipped = max(0, min(count, self._total - self._position))
        self._position += skipped
        return skipped

    def _started(self) -> Iterator[tuple[int, tuple]]:
        """The entries, listed on first use (when `select` can no longer change them)."""
        if self._entries is None:
            listed = self._images.listed()
            self._total = sum(len(images) for _, images, _ in listed)
            self._entries = self._images.entries(listed, self._wanted)
        return self._entries


def labels_folder(images: Path) -> Path:
    """The labels folder matching an images folder (Ultralytics: last `images` -> `labels`)."""
    parts = list(images.parts)
    for i in range(len(parts) - 1, -1, -1):
        if parts[i] == "images":
            parts[i] = "labels"
            return Path(*parts)
    return images
