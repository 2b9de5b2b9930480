"""Helpers the formats share: errors, names, image files, masks, schemas."""

from __future__ import annotations

import math
import os
import re
import shutil
import warnings
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
from pycocotools import mask as coco_mask

from labelwright.domain.attributes import (
    AttributeSpec,
    CheckboxAttribute,
    MultiselectAttribute,
    NumberAttribute,
    Option,
    SelectAttribute,
    TextAttribute,
)
from labelwright.domain.geometry import rings_of
from labelwright.domain.rle import coco_rle
from labelwright.domain.schema import LabelClass, LabelSchema, ShapeKind, Skeleton
from labelwright.domain.shapes import AnnotationObject, Mask, Rle, Shape
from labelwright.formats.dataset import DatasetImage, FormatError, Manifest

_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_.:-]+")


def parse_number(text: str | None, where: str, field: str) -> float:
    """A finite float from `text`, or FormatError saying `where: field is not a number`."""
    try:
        value = float(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise FormatError(f"{where}: {field} is not a number ({text!r})") from None
    if not math.isfinite(value):
        raise FormatError(f"{where}: {field} is not a finite number ({text!r})")
    return value


def parse_int(text: str | None, where: str, field: str) -> int:
    """A whole number from `text`, or FormatError naming `where` and `field`."""
    value = parse_number(text, where, field)
    if not value.is_integer():
        raise FormatError(f"{where}: {field} is not a whole number ({text!r})")
    return int(value)


MAX_MASK_PIXELS = 2**28
"""The largest image (in pixels) whose masks a reader will unpack, so a hostile size fails."""


def check_size(width: int, height: int, where: str, *, for_mask: bool = False) -> None:
    """FormatError unless the image size is positive (and small enough to hold a mask)."""
    if width <= 0 or height <= 0:
        raise FormatError(f"{where}: image size {width}x{height} is not positive")
    if for_mask and width * height > MAX_MASK_PIXELS:
        raise FormatError(f"{where}: image {width}x{height} is too large to unpack a mask")


def number_text(value: float) -> str:
    """A number as short text: whole numbers without a fraction, others to 1e-9."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.9f}".rstrip("0").rstrip(".")


def safe_relative(name: str, where: str) -> PurePosixPath:
    """A relative POSIX path that stays inside its folder, or FormatError."""
    path = PurePosixPath(name.replace("\\", "/"))
    if not name or path.is_absolute() or ".." in path.parts or name.startswith("/"):
        raise FormatError(f"{where}: file name {name!r} is not a safe relative path")
    return path


class ImageFolder:
    """A dataset's folder of images, listed once: a reader looks up thousands by name.

    A look-up in the listing costs a fraction of building a path and asking the file
    system (a tenth of the time a large COCO file takes to read went to that).
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._names: set[str] | None = None

    def find(self, name: str) -> Path | None:
        """The file called `name` in the folder (names with folders in them too), or None."""
        if "/" in name or "\\" in name or name in ("", ".", ".."):
            path = self.folder / name  # in a sub-folder (or odd): the file system decides
            return path if path.is_file() else None
        if self._names is None:
            self._names = _file_names(self.folder)
        return self.folder / name if name in self._names else None


def _file_names(folder: Path) -> set[str]:
    """Names of the files (or links to files) in a folder; none when it cannot be read."""
    try:
        with os.scandir(folder) as entries:
            return {e.name for e in entries if e.is_file()}
    except OSError:
        return set()


def copy_image(image: DatasetImage, folder: Path) -> None:
    """Copy an image's pixels under `folder`, keeping its original relative name."""
    if image.path is None:
        return
    target = folder / safe_relative(image.file_name, image.file_name)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(image.path, target)


def stable_id(name: str, taken: set[str]) -> str:
    """A schema id made from a display name, unique among `taken` (which it joins)."""
    base = _ID_UNSAFE.sub("_", name.strip()).strip("_")[:56] or "class"
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}_{n}"
    taken.add(candidate)
    return candidate


def voc_colormap(count: int = 256) -> list[tuple[int, int, int]]:
    """The standard Pascal VOC colour map (index 0 black, 1 dark red, ... )."""
    colours = []
    for index in range(count):
        r = g = b = 0
        c = index
        for bit in range(8):
            r |= ((c >> 0) & 1) << (7 - bit)
            g |= ((c >> 1) & 1) << (7 - bit)
            b |= ((c >> 2) & 1) << (7 - bit)
            c >>= 3
        colours.append((r, g, b))
    return colours


def hex_colour(rgb: tuple[int, int, int]) -> str:
    """`#rrggbb` of an RGB triple."""
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def decode_mask(mask: Mask) -> np.ndarray:
    """A domain mask as a boolean (height, width) array."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # pycocotools under NumPy 2
        return coco_mask.decode(coco_rle(mask.rle)).astype(bool)


def encode_mask(pixels: np.ndarray, *, instance: bool = True) -> Mask:
    """A boolean (height, width) array as a domain mask."""
    rle = coco_mask.encode(np.asfortranarray(pixels.astype(np.uint8)))
    return Mask(
        rle=Rle(size=(int(rle["size"][0]), int(rle["size"][1])), counts=rle["counts"].decode()),
        instance=instance,
    )


def shape_pixels(shape: Shape, height: int, width: int) -> np.ndarray | None:
    """The pixels an area shape covers, or None for shapes with no area."""
    if isinstance(shape, Mask):
        if tuple(shape.rle.size) != (height, width):
            raise ValueError(f"mask size {list(shape.rle.size)} is not the image's")
        return decode_mask(shape)
    try:
        rings = [[c for p in ring for c in p[:2]] for ring in rings_of(shape)]
    except ValueError:
        return None
    if len(rings[0]) < 6:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        outer = coco_mask.decode(coco_mask.merge(coco_mask.frPyObjects([rings[0]], height, width)))
        pixels = outer.astype(bool)
        holes = [ring for ring in rings[1:] if len(ring) >= 6]
        if holes:
            cut = coco_mask.merge(coco_mask.frPyObjects(holes, height, width))
            pixels &= ~coco_mask.decode(cut).astype(bool)
    return pixels


class ManifestCounter:
    """Counts images and objects per class and split while a writer streams."""

    def __init__(self, format_name: str, schema: LabelSchema) -> None:
        self.manifest = Manifest(format=format_name)
        self._names = {c.id: c.name for c in schema.classes}

    def add_image(self, image: DatasetImage) -> None:
        """Count one written image."""
        self.manifest.images += 1
        split = image.split or "none"
        self.manifest.per_split[split] = self.manifest.per_split.get(split, 0) + 1

    def add_object(self, obj: AnnotationObject) -> None:
        """Count one written object under its class name."""
        self.manifest.objects += 1
        name = self._names.get(obj.class_id, obj.class_id)
        self.manifest.per_class[name] = self.manifest.per_class.get(name, 0) + 1


def attribute_text(spec: AttributeSpec | None, value: Any) -> str:
    """An attribute value as the text XML formats store (option names, not ids)."""
    if isinstance(spec, SelectAttribute):
        return next((o.name for o in spec.options if o.id == value), str(value))
    if isinstance(spec, MultiselectAttribute):
        names = {o.id: o.name for o in spec.options}
        return ",".join(names.get(v, str(v)) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return number_text(value)
    return str(value)


class SchemaBuilder:
    """Collects classes and attributes while a reader goes, then makes a LabelSchema."""

    def __init__(self) -> None:
        self._ids: set[str] = set()
        self._classes: dict[str, dict[str, Any]] = {}  # by class name

    def class_id(self, name: str, *, color: str | None = None) -> str:
        """The id of the class called `name`, adding the class on first sight."""
        entry = self._classes.get(name)
        if entry is None:
            palette = voc_colormap(len(self._classes) + 2)[len(self._classes) + 1]
            entry = {
                "id": stable_id(name, self._ids),
                "color": color or hex_colour(palette),
                "kinds": [],
                "attributes": {},
                "skeleton": None,
            }
            self._classes[name] = entry
        return entry["id"]

    def add_kind(self, name: str, kind: str) -> None:
        """Note that class `name` uses shape `kind`."""
        kinds = self._classes[name]["kinds"]
        if kind not in kinds:
            kinds.append(kind)

    def set_skeleton(self, name: str, skeleton: Skeleton) -> None:
        """Give class `name` a keypoint skeleton."""
        self._classes[name]["skeleton"] = skeleton

    def add_attribute(self, class_name: str, spec: AttributeSpec) -> None:
        """Declare an attribute of a class (the first declaration of a name wins)."""
        self._classes[class_name]["attributes"].setdefault(spec.name.casefold(), spec)

    def attribute(self, class_name: str, attribute_name: str) -> AttributeSpec | None:
        """The declared attribute of a class, by name, or None."""
        return self._classes[class_name]["attributes"].get(attribute_name.casefold())

    def infer_attribute(self, class_name: str, name: str, text: str) -> tuple[str, Any]:
        """Guess an attribute's type from a text value; return (attribute id, value)."""
        spec = self.attribute(class_name, name)
        if spec is None:
            lowered = text.strip().lower()
            taken = {a.id for a in self._classes[class_name]["attributes"].values()}
            attribute_id = stable_id(name, taken)
            if lowered in ("true", "false"):
                spec = CheckboxAttribute(id=attribute_id, name=name)
            elif _is_number(text):
                spec = NumberAttribute(id=attribute_id, name=name)
            else:
                spec = TextAttribute(id=attribute_id, name=name)
            self.add_attribute(class_name, spec)
        return spec.id, attribute_value(spec, text)

    def build(self, **extra: Any) -> LabelSchema:
        """The schema of every class seen."""
        classes = []
        for name, entry in self._classes.items():
            kinds = entry["kinds"] or [ShapeKind.bbox]
            if entry["skeleton"] is not None and "keypoints" not in kinds:
                kinds.append("keypoints")
            classes.append(
                LabelClass(
                    id=entry["id"],
                    name=name,
                    color=entry["color"],
                    shape_kinds=kinds,
                    attributes=list(entry["attributes"].values()),
                    skeleton=entry["skeleton"],
                )
            )
        return LabelSchema(classes=classes, **extra)


def _is_number(text: str) -> bool:
    """Whether `text` reads as a finite number."""
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def attribute_value(spec: AttributeSpec, text: str) -> Any:
    """Turn attribute text back into the value `spec` expects (option names to ids)."""
    if isinstance(spec, CheckboxAttribute):
        return text.strip().lower() in ("true", "1", "yes")
    if isinstance(spec, NumberAttribute):
        value = float(text) if _is_number(text) else text
        return int(value) if isinstance(value, float) and value.is_integer() else value
    if isinstance(spec, SelectAttribute):
        return _option_id(spec.options, text)
    if isinstance(spec, MultiselectAttribute):
        return [_option_id(spec.options, t) for t in text.split(",") if t]
    return text


def _option_id(options: list[Option], name: str) -> str:
    """The id of the option called `name` (or `name` itself when none is)."""
    return next((o.id for o in options if o.name == name or o.id == name), name)


def options_from_names(names: list[str]) -> list[Option]:
    """Options whose ids are made from their names."""
    taken: set[str] = set()
    return [Option(id=stable_id(n, taken), name=n) for n in names]
