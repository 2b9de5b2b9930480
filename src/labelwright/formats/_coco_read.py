"""Reading COCO: loaded instances files, their images built one at a time."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
from pydantic import ValidationError

from labelwright.domain.plain import PlainObject
from labelwright.domain.schema import LabelClass, LabelSchema
from labelwright.domain.shapes import Annotation
from labelwright.formats._coco_layout import EXT, split_of
from labelwright.formats._coco_load import (
    AnnotationLines,
    NotOneEntryPerLine,
    load_instances,
    parse_entry,
)
from labelwright.formats._coco_parse import (
    _embedded_schema,
    _label,
    _list,
    _need,
    _raw_kind,
    _shape,
    _skeleton,
    _stable_id,
)
from labelwright.formats._common import ImageFolder
from labelwright.formats.dataset import DatasetImage, FormatError, PlainDatasetImage

_OBJECT_FIELDS = ("frame", "track", "group", "score", "source")
_SHAPE_FIELDS = {"id", "kind", "shape", "attributes"}  # an extension's fields that are not those
_PLAIN_FIELDS = {"id", "kind"}  # the extension fields a plain object may have
_IMAGE_LABELS = ("objects", "tags", "relations")  # an image's own labels in its extension
_HEAD = re.compile(rb'\{"id":-?\d+,"image_id":(-?\d+),"category_id":(-?\d+),')
"""How Labelwright starts an annotation's line (see `_SplitWriter.add_annotations`)."""
_PALETTE = ["#e6194b", "#3cb44b", "#ffe119", "#4363d8", "#f58231", "#911eb4", "#46f0f0"]


class _CocoFile:
    """One loaded instances file, its references checked, annotations grouped by image."""

    def __init__(self, file: Path, schema: LabelSchema | None) -> None:
        self.file = file
        self.name = file.name
        self.split = split_of(file)
        try:
            self._load(schema, whole=False)
        except NotOneEntryPerLine:
            self._load(schema, whole=True)

    def _load(self, schema: LabelSchema | None, *, whole: bool) -> None:
        """Load the file, check its categories and images and group its annotations."""
        instances = load_instances(self.file, self.name, whole=whole)
        data = instances.top
        cats = _list(data, "categories", self.name)
        self.categories = {
            _need(c, "id", int, f"{self.name}: category #{n}"): c for n, c in enumerate(cats)
        }
        given = schema or _embedded_schema(data, self.name)
        if given is not None:
            self.schema = given
            self.class_ids = self._class_ids(given)
        self.images = self._images(instances.images)
        kinds = self._group(instances.annotations, with_kinds=given is None)
        if given is None:
            self.schema = self._built_schema(kinds)
            self.class_ids = self._class_ids(self.schema)

    def _group(self, annotations: Sequence, *, with_kinds: bool) -> dict[int, set[str]]:
        """Annotations by image id, their references checked; shape kinds per category.

        A raw line that starts the way Labelwright writes one gives its references without
        being parsed (the costly part of loading); it is parsed when its image is built.
        """
        self.lines = annotations if isinstance(annotations, AnnotationLines) else None
        if self.lines is not None and not with_kinds and self._group_lines(self.lines):
            return {}
        self.lines = None
        self.by_image: dict[int, Sequence] = defaultdict(list)
        kinds: dict[int, set[str]] = defaultdict(set)
        images, categories = self.images, self.categories
        for number, entry in enumerate(annotations):
            head = None if with_kinds or not isinstance(entry, bytes) else _HEAD.match(entry)
            if head is not None:
                image_id, category_id = int(head[1]), int(head[2])
            else:
                ann = parse_entry(entry)
                image_id = ann.get("image_id") if isinstance(ann, dict) else None
                category_id = ann.get("category_id") if isinstance(ann, dict) else None
            if image_id not in images or category_id not in categories:
                self._bad_reference(parse_entry(entry), number)
            self.by_image[image_id].append(entry)  # a raw line stays raw until its image
            if with_kinds:
                kinds[category_id].add(_raw_kind(ann))
        return kinds

    def _group_lines(self, lines: AnnotationLines) -> bool:
        """Group the lines by image, all at once (`by_image` holds each image's line
        numbers); False when the ids are beyond 64 bits, to group them one by one instead."""
        try:
            image_ids = np.fromiter(self.images, np.int64, len(self.images))
            category_ids = np.fromiter(self.categories, np.int64, len(self.categories))
        except OverflowError:
            return False
        wrong = ~np.isin(lines.image_ids, image_ids) | ~np.isin(lines.category_ids, category_ids)
        if wrong.any():
            number = int(np.argmax(wrong))
            self._bad_reference(parse_entry(lines[number]), number)
        if not len(lines):
            self.by_image = {}
            return True
        order = np.argsort(lines.image_ids, kind="stable")  # each image's lines in file order
        ids = lines.image_ids[order]
        cuts = np.flatnonzero(ids[1:] != ids[:-1]) + 1
        firsts, ends = np.concatenate(([0], cuts)), np.concatenate((cuts, [len(ids)]))
        # An image whose lines follow each other (as Labelwright writes them) keeps a range:
        # its lines are then one slice of the file (`AnnotationLines.parsed`).
        together = order[ends - 1] - order[firsts] == ends - firsts - 1
        lows = order[firsts].tolist()
        self.by_image = {
            image_id: range(low, low + end - first) if joined else order[first:end].tolist()
            for image_id, first, end, low, joined in zip(
                ids[firsts].tolist(),
                firsts.tolist(),
                ends.tolist(),
                lows,
                together.tolist(),
                strict=True,
            )
        }
        return True

    def _bad_reference(self, ann: Any, number: int) -> NoReturn:
        """Raise FormatError saying which reference of an annotation is wrong (its line's
        start, which grouped it, may name another than its entry does)."""
        where = f"{self.name}: annotation {_label(ann, number)}"
        image_id = _need(ann, "image_id", int, where)
        category_id = _need(ann, "category_id", int, where)
        if image_id not in self.images:
            raise FormatError(f"{where}: image_id {image_id} is not an image")
        if category_id not in self.categories:
            raise FormatError(f"{where}: category_id {category_id} is not a category")
        raise FormatError(f"{where}: image_id or category_id given twice")

    def _images(self, entries: list) -> dict[int, dict]:
        """Image entries by id, their required fields checked."""
        images = {}
        for number, entry in enumerate(entries):
            where = f"{self.name}: image {_label(entry, number)}"
            image_id = _need(entry, "id", int, where)
            _need(entry, "file_name", str, where)
            for key in ("width", "height"):
                if _need(entry, key, int, where) <= 0:
                    raise FormatError(f"{where}: {key} must be positive")
            if image_id in images:
                raise FormatError(f"{where}: image id {image_id} is used twice")
            images[image_id] = entry
        return images

    def _class_ids(self, schema: LabelSchema) -> dict[int, str]:
        """Category id -> schema class id, by the stored class id, else by name."""
        by_id = {c.id: c for c in schema.classes}
        by_name = {c.name.casefold(): c for c in schema.classes}
        result = {}
        for cat_id, cat in self.categories.items():
            stored = (cat.get(EXT) or {}).get("class_id")
            name = str(cat.get("name", ""))
            found = by_id.get(stored) or by_name.get(name.casefold())
            if found is None:
                raise FormatError(
                    f"{self.name}: category {cat_id} ({name!r}) is not a class of the schema"
                )
            result[cat_id] = found.id
        return result

    def check_schema(self, schema: LabelSchema) -> None:
        """Re-map this file's categories onto the schema shared by all files."""
        self.class_ids = self._class_ids(schema)

    def _built_schema(self, kinds: dict[int, set[str]]) -> LabelSchema:
        """A schema made from the categories and the shape kinds their annotations use."""
        classes, used = [], set()
        for number, (cat_id, cat) in enumerate(self.categories.items()):
            where = f"{self.name}: category {cat_id}"
            name = _need(cat, "name", str, where)
            class_id = _stable_id((cat.get(EXT) or {}).get("class_id") or name, used)
            found = kinds.get(cat_id, set()) | {"bbox"}
            skeleton = _skeleton(cat, where)
            if skeleton is not None:
                found.add("keypoints")
            else:
                found.discard("keypoints")
            try:
                classes.append(
                    LabelClass(
                        id=class_id,
                        name=name,
                        color=_PALETTE[number % len(_PALETTE)],
                        shape_kinds=sorted(found),
                        skeleton=skeleton,
                    )
                )
            except ValidationError as error:
                raise FormatError(f"{where}: {error.errors()[0]['msg']}") from None
        try:
            return LabelSchema(classes=classes)
        except ValidationError as error:
            raise FormatError(f"{self.name}: categories: {error.errors()[0]['msg']}") from None

    def image(
        self, image_id: int, folder: ImageFolder, anns: list[dict] | None = None
    ) -> DatasetImage:
        """Build one DatasetImage with its objects (`anns`: its annotations, parsed already)."""
        entry = self.images[image_id]
        where = f"{self.name}: image {image_id}"
        ext = entry.get(EXT) or {}
        width, height = entry["width"], entry["height"]
        if anns is None:
            anns = self._annotations(image_id)
        objects = [self._object(ann, width, height, n) for n, ann in enumerate(anns)]
        extra = ext.get("objects", [])
        if not isinstance(extra, list):
            raise FormatError(f"{where}: {EXT}: objects must be a list")
        try:  # one validation of the whole annotation: far cheaper than one per object
            annotation = Annotation.model_validate(
                {
                    "objects": objects + extra if extra else objects,
                    "tags": ext.get("tags", {}),
                    "relations": ext.get("relations", []),
                }
            )
        except ValidationError as error:
            raise self._invalid(error, anns, where) from None
        file_name = entry["file_name"]
        return DatasetImage(
            file_name=file_name,
            width=width,
            height=height,
            annotation=annotation,
            frame_count=ext.get("frame_count", 1),
            path=folder.find(file_name),
            split=self.split,
            state=ext.get("state"),
            meta=ext.get("meta", {}),
        )

    def plain_image(self, image_id: int, folder: ImageFolder) -> PlainDatasetImage | DatasetImage:
        """One image as plain objects (`domain.plain`) when every annotation of it is a usual
        box or one-ring polygon and the image has no labels of its own; else built in full."""
        entry = self.images[image_id]
        ext = entry.get(EXT) or {}
        anns = self._annotations(image_id)
        frames = ext.get("frame_count", 1) if isinstance(ext, dict) else None
        if type(frames) is not int or any(ext.get(key) for key in _IMAGE_LABELS):
            return self.image(image_id, folder, anns)
        objects = []
        for ann in anns:
            plain = self._plain_object(ann)
            if plain is None:
                return self.image(image_id, folder, anns)
            objects.append(plain)
        file_name = entry["file_name"]
        return PlainDatasetImage(
            file_name=file_name,
            width=entry["width"],
            height=entry["height"],
            frame_count=frames,
            path=folder.find(file_name),
            objects=objects,
            build=partial(self.image, image_id, folder, anns),
        )

    def _annotations(self, image_id: int) -> list[dict]:
        """An image's annotation entries, parsed."""
        lines = self.by_image.get(image_id, [])
        if self.lines is not None and lines:  # line numbers: parsed together if they can be
            parsed = self.lines.parsed(lines)
            if parsed is not None:
                return [self._checked(ann, image_id, n) for n, ann in enumerate(parsed)]
            lines = [self.lines[k] for k in lines]
        return [self._parsed(line, image_id, number) for number, line in enumerate(lines)]

    def _plain_object(self, ann: dict) -> PlainObject | None:
        """A COCO annotation as a plain object, if it reads as nothing but a box or a one-ring
        polygon (what `_object` makes of it then); None otherwise."""
        ext = ann.get(EXT)
        if ext is None:
            ext = {}
        elif type(ext) is not dict or not ext.keys() <= _PLAIN_FIELDS:
            return None
        object_id = _object_id(ann, ext)
        if object_id is None or ann.get("attributes"):
            return None
        kind = _raw_kind(ann, ext)
        if kind == "bbox":
            flat = ann.get("bbox")
        elif kind == "polygon" and type(ann["segmentation"]) is list:
            flat = ann["segmentation"][0]
        else:
            return None
        if type(flat) is not list:
            return None
        return PlainObject(str(object_id), self.class_ids[ann["category_id"]], kind, flat)

    def _object(self, ann: dict, width: int, height: int, number: int) -> dict[str, Any]:
        """One COCO annotation as an annotation object's fields, to validate with its image's.

        Run once per object of a dataset, so it looks each field up once.
        """
        ext = ann.get(EXT)
        try:
            if ext is None:
                ext = {}
            elif not isinstance(ext, dict):
                raise TypeError(f"{EXT} must be an object")
            object_id = _object_id(ann, ext)
            data = {
                "id": str(object_id) if object_id is not None else self._where(ann, number),
                "class_id": self.class_ids[ann["category_id"]],
                "shape": _shape(ann, ext, width, height),
                "attributes": ext.get("attributes") or ann.get("attributes") or {},
            }
        except (ValueError, TypeError, KeyError) as error:
            raise FormatError(f"{self._where(ann, number)}: {error}") from None
        if ext.keys() - _SHAPE_FIELDS:
            for key in _OBJECT_FIELDS:
                if key in ext:
                    data[key] = ext[key]
        return data

    def _invalid(self, error: ValidationError, anns: list[dict], where: str) -> FormatError:
        """What an image's failed validation says: the COCO annotation and field at fault, or
        the image's own extension field."""
        problem = error.errors()[0]
        loc = problem["loc"]
        if len(loc) >= 2 and loc[0] == "objects" and isinstance(loc[1], int) and loc[1] < len(anns):
            field = ".".join(str(p) for p in loc[2:])
            return FormatError(f"{self._where(anns[loc[1]], loc[1])}: {field}: {problem['msg']}")
        return FormatError(f"{where}: {EXT}: {problem['msg']}")

    def _parsed(self, entry: Any, image_id: int, number: int) -> dict:
        """An image's annotation entry parsed and checked (`_checked`)."""
        try:
            ann = parse_entry(entry)
        except NotOneEntryPerLine:
            where = f"{self.name}: image {image_id}: annotation #{number}"
            raise FormatError(f"{where}: its line is not a whole JSON object") from None
        return self._checked(ann, image_id, number)

    def _checked(self, ann: dict, image_id: int, number: int) -> dict:
        """An annotation entry of an image, checked against the references its line's start
        gave when it was grouped (a key given twice would have JSON keep the last)."""
        if ann.get("image_id") != image_id or ann.get("category_id") not in self.categories:
            raise FormatError(f"{self._where(ann, number)}: image_id or category_id given twice")
        return ann

    def _where(self, ann: dict, number: int) -> str:
        """How an error names an annotation (built only when needed: it is costly per object)."""
        return f"{self.name}: annotation {_label(ann, number)}"


def _object_id(ann: dict, ext: dict) -> Any:
    """An annotation's object id as stored: its extension's, else the COCO annotation id."""
    object_id = ext.get("id")
    return ann.get("id") if object_id is None else object_id


class _CocoImages:
    """The images of loaded instances files, built one at a time as they are iterated."""

    def __init__(self, files: list[_CocoFile], schema: LabelSchema) -> None:
        self.files = files
        self.schema = schema

    def __iter__(self) -> _CocoImageIterator:
        return _CocoImageIterator(self.files)

    def plain(self) -> _CocoImageIterator:
        """The images again, those of only usual objects as PlainDatasetImage."""
        return _CocoImageIterator(self.files, plain=True)


class _CocoImageIterator:
    """Builds each image when it is reached; `skip` passes images over without building them
    (a reader that shares the work with others builds only its own pages)."""

    def __init__(self, files: list[_CocoFile], *, plain: bool = False) -> None:
        self._entries = self._walk(files)
        self._plain = plain

    @staticmethod
    def _walk(files: list[_CocoFile]) -> Iterator[tuple[_CocoFile, ImageFolder, int]]:
        for loaded in files:
            parent = loaded.file.parent
            root = parent.parent if parent.name == "annotations" else parent
            folder = ImageFolder(root / "images" / (loaded.split or ""))
            for image_id in loaded.images:
                yield loaded, folder, image_id

    def __iter__(self) -> _CocoImageIterator:
        return self

    def __next__(self) -> DatasetImage | PlainDatasetImage:
        loaded, folder, image_id = next(self._entries)
        if self._plain:
            return loaded.plain_image(image_id, folder)
        return loaded.image(image_id, folder)

    def skip(self, count: int) -> int:
        """Pass over up to `count` images; how many there were."""
        return sum(1 for _ in islice(self._entries, count))
