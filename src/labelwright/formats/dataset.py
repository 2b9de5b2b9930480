"""The in-memory (streamable) dataset every format reads into and writes from."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from labelwright.domain.schema import LabelSchema
from labelwright.domain.shapes import Annotation

if TYPE_CHECKING:  # listing formats loads this module, and must not load the checks
    from labelwright.domain.plain import PlainObject

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".gif", ".dng"}
"""File suffixes (lower case) that mark a dataset's file as an image, not labels."""


@dataclass
class DatasetImage:
    """One image with its labels, as a format reads or writes it."""

    file_name: str  # the original relative name; the same in every export
    width: int  # after EXIF orientation
    height: int
    annotation: Annotation = field(default_factory=Annotation)
    frame_count: int = 1
    path: Path | None = None  # where the pixels are, when a format must copy them
    split: str | None = None  # train | val | test | None
    state: str | None = None  # workflow state (carried by the native format)
    meta: dict[str, Any] = field(default_factory=dict)  # anything else a format keeps


@dataclass
class PlainDatasetImage:
    """An image whose objects are all of the usual kind, as plain data (`domain.plain`),
    which an import can store without building models. `build()` gives the DatasetImage,
    for when the plain path cannot settle it."""

    file_name: str
    width: int
    height: int
    frame_count: int
    path: Path | None
    objects: list[PlainObject]
    build: Callable[[], DatasetImage]


@dataclass
class Dataset:
    """A label schema and its images; `images` may be a generator, so big sets stream."""

    schema: LabelSchema
    images: Iterable[DatasetImage]
    name: str = ""

    def __iter__(self) -> Iterator[DatasetImage]:
        return iter(self.images)


@dataclass
class Manifest:
    """What an export holds: counts per class and per split."""

    format: str
    images: int = 0
    objects: int = 0
    per_class: dict[str, int] = field(default_factory=dict)
    per_split: dict[str, int] = field(default_factory=dict)


class FormatError(ValueError):
    """A dataset file is malformed: the message names the file and the field or object."""


class Format(Protocol):
    """A dataset format plugin.

    A format may also set `skips_images = True` when the iterator of the images it reads
    has `skip(count) -> int`, passing images over without building them: a large import
    then reads it in several processes, each building its share of the pages. Such an
    iterator may also have `select(wanted)`, called before its first image with a test of
    image numbers, to read only the images it will be asked for. The images it reads may
    have `prepare()`, the work every pass over them starts with (a listing of their files),
    done once there and then: the processes forked to share the pages then share it too.
    And they may have `plain()`: an iterator over them again (with `skip` too) that gives an
    image whose objects are all of the usual kind as a PlainDatasetImage.
    """

    name: str

    def detect(self, path: Path) -> float:
        """How sure (0..1) this format is that `path` (a folder or main file) is its own."""

    def read(self, path: Path) -> Dataset:
        """Read a dataset; raise FormatError naming the file and the object on bad input."""

    def write(self, dataset: Dataset, out: Path, *, copy_images: bool = True) -> Manifest:
        """Write a dataset into the folder `out`, streaming, and return what it holds."""
