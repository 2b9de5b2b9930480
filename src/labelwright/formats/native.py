"""Labelwright's own lossless format: JSON Lines, the schema first, then one line per image.

Layout: `dataset.jsonl` (+ `images/<file_name>` when images are copied, + `manifest.json`).
Line 1 is `{"labelwright_dataset": 1, "name": ..., "schema": {...}}`; every further line is
one image with everything a DatasetImage holds except `path`, which is where the pixels are
on the writing machine (on reading it points into `images/` when the file is there).
Floats are written with Python's shortest round-trip repr, so a round trip is exact.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from labelwright.domain.schema import LabelSchema
from labelwright.domain.shapes import Annotation
from labelwright.formats._common import ImageFolder
from labelwright.formats.dataset import Dataset, DatasetImage, FormatError, Manifest
from labelwright.formats.filters import Tally, place_image, safe_relative

FILE_NAME = "dataset.jsonl"
VERSION = 1
_HEADER_KEY = "labelwright_dataset"


def image_record(image: DatasetImage) -> dict[str, Any]:
    """One image as the JSON object of its line."""
    return {
        "file_name": image.file_name,
        "width": image.width,
        "height": image.height,
        "frame_count": image.frame_count,
        "split": image.split,
        "state": image.state,
        "meta": image.meta,
        "annotation": image.annotation.model_dump(mode="json"),
    }


def _problem(error: ValidationError) -> str:
    """The first pydantic error as `where: what`."""
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {first['msg']}" if where else first["msg"]


def image_from_record(record: Any, where: str) -> DatasetImage:
    """Build a DatasetImage from one line's object, or raise FormatError naming `where`."""
    if not isinstance(record, dict):
        raise FormatError(f"{where}: expected an object")
    name = record.get("file_name")
    where = f"{where} (image {name!r})" if isinstance(name, str) else where
    try:
        annotation = Annotation.model_validate(record.get("annotation", {}))
    except ValidationError as error:
        raise FormatError(f"{where}: annotation.{_problem(error)}") from None
    fields = {"file_name": str, "width": int, "height": int, "frame_count": int}
    for key, kind in fields.items():
        if key in record and (not isinstance(record[key], kind) or isinstance(record[key], bool)):
            raise FormatError(f"{where}: {key} must be {kind.__name__}")
    for key in ("file_name", "width", "height"):
        if key not in record:
            raise FormatError(f"{where}: {key} is missing")
    return DatasetImage(
        file_name=record["file_name"],
        width=record["width"],
        height=record["height"],
        annotation=annotation,
        frame_count=record.get("frame_count", 1),
        split=record.get("split"),
        state=record.get("state"),
        meta=record.get("meta") or {},
    )


class NativeFormat:
    """Lossless JSON Lines: schema line, then one line per image."""

    name = "native"

    def detect(self, path: Path) -> float:
        """Sure when the first line is a Labelwright dataset header."""
        path = Path(path)
        file = path / FILE_NAME if path.is_dir() else path
        if not file.is_file():
            return 0.0
        with file.open("rb") as handle:
            head = handle.read(64)
        return 1.0 if head.lstrip().startswith(b'{"' + _HEADER_KEY.encode()) else 0.0

    def write(self, dataset: Dataset, out: Path, *, copy_images: bool = True) -> Manifest:
        """Write `dataset.jsonl` one line at a time (and the images, when asked)."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        tally = Tally(self.name, dataset.schema)
        header = {
            _HEADER_KEY: VERSION,
            "name": dataset.name,
            "schema": dataset.schema.model_dump(mode="json"),
        }
        with (out / FILE_NAME).open("w", encoding="utf-8") as handle:
            handle.write(json.dumps(header, ensure_ascii=False) + "\n")
            for image in dataset:
                relative = safe_relative(image.file_name, FILE_NAME)
                if copy_images and image.path is not None:
                    place_image(image.path, out / "images" / relative)
                handle.write(json.dumps(image_record(image), ensure_ascii=False) + "\n")
                tally.add(image)
        return tally.finish(out)

    def read(self, path: Path) -> Dataset:
        """Read the header now and stream the images as the dataset is iterated."""
        path = Path(path)
        file = path / FILE_NAME if path.is_dir() else path
        if not file.is_file():
            raise FormatError(f"{file}: no such file")
        with file.open(encoding="utf-8") as handle:
            header = _parse_line(handle.readline(), file.name, 1)
        if not isinstance(header, dict) or header.get(_HEADER_KEY) != VERSION:
            raise FormatError(f"{file.name}: line 1: not a Labelwright dataset header")
        try:
            schema = LabelSchema.model_validate(header.get("schema", {}))
        except ValidationError as error:
            raise FormatError(f"{file.name}: line 1: schema.{_problem(error)}") from None
        return Dataset(schema=schema, images=_ImageLines(file), name=header.get("name") or "")


def _parse_line(line: str, file_name: str, number: int) -> Any:
    """One JSON line, or FormatError naming the file and line."""
    try:
        return json.loads(line)
    except json.JSONDecodeError as error:
        raise FormatError(f"{file_name}: line {number}: not JSON ({error.msg})") from None


class _ImageLines:
    """The image lines of a native file, re-read on every iteration (so it streams twice)."""

    def __init__(self, file: Path) -> None:
        self.file = file

    def __iter__(self) -> Iterator[DatasetImage]:
        images = ImageFolder(self.file.parent / "images")
        with self.file.open(encoding="utf-8") as handle:
            handle.readline()
            for number, line in enumerate(handle, start=2):
                if not line.strip():
                    continue
                where = f"{self.file.name}: line {number}"
                image = image_from_record(_parse_line(line, self.file.name, number), where)
                image.path = images.find(image.file_name)
                yield image
