"""Reading Label Studio tasks into a dataset, guessing the schema from what they hold."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from labelwright.domain.schema import LabelSchema, TagGroup
from labelwright.domain.shapes import Annotation, AnnotationObject, Points, Tag
from labelwright.formats._common import (
    ImageFolder,
    SchemaBuilder,
    options_from_names,
    safe_relative,
    stable_id,
)
from labelwright.formats._labelstudio_codec import CLASS_TAGS, FROM_NAMES, is_finite
from labelwright.formats._labelstudio_parse import (
    _coord,
    _guess_spec,
    _option_id,
    _shape,
    _typed,
)
from labelwright.formats.dataset import Dataset, DatasetImage, FormatError


def file_name_of(url: str, image_root: str) -> str:
    """The relative image name behind a task's `data.image` URL or path."""
    if image_root and url.startswith(image_root):
        return url[len(image_root) :]
    if "?d=" in url:
        return unquote(url.split("?d=", 1)[1])
    path = unquote(urlparse(url).path) if re.match(r"^[a-z]+://", url) else url
    path = re.sub(r"^/data/upload/\d+/", "", path)
    return path.lstrip("/").split("/")[-1] if "://" in url else path.lstrip("/")


def read_tasks(target: Path, image_root: str = "") -> Dataset:
    """Read a tasks JSON file into a dataset, guessing the schema from what it holds."""
    label = target.name
    try:
        tasks = json.loads(target.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise FormatError(f"{label}: cannot read: {error}") from None
    except json.JSONDecodeError as error:
        raise FormatError(f"{label}: not valid JSON: {error}") from None
    if not isinstance(tasks, list):
        raise FormatError(f"{label}: expected a list of tasks, got {type(tasks).__name__}")
    reader = _TaskReader(label, image_root, ImageFolder(target.parent / "images"))
    images = [reader.read_task(task, number) for number, task in enumerate(tasks, start=1)]
    return Dataset(schema=reader.finish(images), images=images, name=target.parent.name)


class _TaskReader:
    """Reads tasks, noting attribute and tag values so the schema can be guessed after."""

    def __init__(self, label: str, image_root: str, images: ImageFolder) -> None:
        self.label, self.image_root, self.images = label, image_root, images
        self.builder = SchemaBuilder()
        self.attributes: dict[tuple[str, str], dict[str, Any]] = {}
        self.groups: dict[str, dict[str, Any]] = {}
        self.raw_tags: list[dict[str, list[str]]] = []
        self.class_names: dict[str, str] = {}  # class id to name

    def read_task(self, task: Any, number: int) -> DatasetImage:
        """One task as an image (attributes and tags still hold names until `finish`)."""
        where = f"{self.label}: task {number}"
        if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
            raise FormatError(f"{where}: a task must be an object with a `data` object")
        url = task["data"].get("image")
        if not isinstance(url, str) or not url:
            raise FormatError(f"{where}: data.image is missing")
        meta = task.get("meta") if isinstance(task.get("meta"), dict) else {}
        file_name = meta.get("file_name") or file_name_of(url, self.image_root)
        if not isinstance(file_name, str):
            raise FormatError(f"{where}: meta.file_name is not text")
        safe_relative(file_name, where)
        where = f"{where} ({file_name!r})"
        annotations = _dicts(task, "annotations", where)
        annotations = [a for a in annotations if not a.get("was_cancelled")]
        size = self._size(meta, annotations, _dicts(task, "predictions", where), where)
        objects: list[AnnotationObject] = []
        tags: dict[str, list[str]] = {}
        if annotations:
            results = annotations[0].get("result") or []
            objects += self._objects(results, "manual", None, size, tags, f"{where} annotation")
        for index, prediction in enumerate(task.get("predictions") or [], start=1):
            if not isinstance(prediction, dict):
                raise FormatError(f"{where} prediction {index}: not an object")
            source = str(prediction.get("model_version") or "model:unknown")
            score = prediction.get("score") if is_finite(prediction.get("score")) else None
            results = prediction.get("result") or []
            here = f"{where} prediction {index}"
            objects += self._objects(results, source, score, size, {}, here)
        self.raw_tags.append(tags)
        return DatasetImage(
            file_name=file_name,
            width=size[0],
            height=size[1],
            annotation=Annotation(objects=objects),
            path=self.images.find(file_name),
            split=str(meta["split"]) if meta.get("split") else None,
        )

    def _size(self, meta, annotations, predictions, where) -> tuple[int, int]:
        """The image size from meta, else from any result's original size."""
        results = [r for a in annotations + predictions for r in a.get("result") or []]
        for source in [meta, *(r for r in results if isinstance(r, dict))]:
            width = source.get("width", source.get("original_width"))
            height = source.get("height", source.get("original_height"))
            if is_finite(width) and is_finite(height) and width > 0 and height > 0:
                return int(width), int(height)
        raise FormatError(f"{where}: the image size is unknown (no meta or original_width)")

    def _objects(self, results, source, score, size, tags, where) -> list[AnnotationObject]:
        """Objects of one annotation or prediction; attribute and tag results are folded in."""
        if not isinstance(results, list):
            raise FormatError(f"{where}: result is not a list")
        regions: dict[str, dict[str, Any]] = {}
        extras = []
        for number, result in enumerate(results, start=1):
            here = f"{where} result {number}"
            if not isinstance(result, dict) or not isinstance(result.get("value"), dict):
                raise FormatError(f"{here}: a result must be an object with a `value` object")
            kind = result.get("type")
            if kind in FROM_NAMES:
                self._region(result, regions, size, score, here)
            elif kind in ("choices", "textarea", "number"):
                extras.append((result, here))
        for result, here in extras:
            rid = str(result.get("id", ""))
            rid = rid if rid in regions else rid.rsplit("#", 1)[0]  # a point of a points object
            if rid in regions:
                self._attribute(regions[rid], result, here)
            elif result["type"] == "choices":
                self._tag(result, regions, tags, here)
        objects = []
        for rid, region in regions.items():
            shape = region["shape"]
            if region.get("points"):
                shape = Points(points=region["points"])
            class_id = self.builder.class_id(region["name"])
            self.builder.add_kind(region["name"], shape.kind)
            self.class_names[class_id] = region["name"]
            objects.append(
                AnnotationObject(
                    id=rid,
                    class_id=class_id,
                    shape=shape,
                    attributes=region["attributes"],
                    score=region["score"],
                    source=source,
                )
            )
        return objects

    def _region(self, result, regions, size, score, where) -> None:
        """Add one region result (points with ids `<id>#<n>` join one object)."""
        kind, value = result["type"], result["value"]
        names = value.get(kind)
        if not isinstance(names, list) or not names or not isinstance(names[0], str):
            raise FormatError(f"{where}: value.{kind} must list a label name")
        rid = str(result.get("id") or f"r{len(regions) + 1}")
        result_score = result.get("score") if is_finite(result.get("score")) else score
        if kind == "keypointlabels":
            base = rid.rsplit("#", 1)[0] if re.search(r"#\d+$", rid) else rid
            point = (_coord(value, "x", size[0], where), _coord(value, "y", size[1], where))
            region = regions.setdefault(
                base,
                {"name": names[0], "shape": None, "points": [], "attributes": {}},
            )
            region["points"].append(point)
            region["score"] = result_score
            return
        shape = _shape(kind, value, size, where)
        regions[rid] = {"name": names[0], "shape": shape, "attributes": {}, "score": result_score}

    def _attribute(self, region, result, where) -> None:
        """Note one per-region attribute result under its name (typed in `finish`)."""
        name = str(result.get("from_name") or "")
        if not name:
            raise FormatError(f"{where}: from_name is missing")
        kind, value = result["type"], result["value"]
        note = self.attributes.setdefault(
            (region["name"], name), {"kind": kind, "options": [], "multi": False, "flag": True}
        )
        if kind == "number":
            raw = value.get("number")
            if not is_finite(raw):
                raise FormatError(f"{where}: value.number is not a number")
        elif kind == "textarea":
            texts = value.get("text")
            raw = "\n".join(texts) if isinstance(texts, list) else str(texts or "")
        else:
            raw = _names(value, where)
            note["multi"] = note["multi"] or len(raw) > 1
            note["flag"] = note["flag"] and raw == [name]
            note["options"] += [n for n in raw if n not in note["options"]]
        region["attributes"][name] = raw

    def _tag(self, result, regions, tags, where) -> None:
        """An image-level choices result: object-class tags, or a tag group's options."""
        names = _names(result["value"], where)
        group = str(result.get("from_name") or CLASS_TAGS)
        if group == CLASS_TAGS:
            base = str(result.get("id") or "tag")
            for name in names:
                rid = base if len(names) == 1 else f"{base}:{name}"
                regions[rid] = {"name": name, "shape": Tag(), "attributes": {}, "score": None}
            return
        note = self.groups.setdefault(group, {"options": [], "multi": False})
        note["options"] += [n for n in names if n not in note["options"]]
        note["multi"] = note["multi"] or len(names) > 1
        tags.setdefault(group, []).extend(names)

    def finish(self, images: list[DatasetImage]) -> LabelSchema:
        """Type the attributes and tag groups seen, turn names into ids, build the schema."""
        specs: dict[tuple[str, str], Any] = {}
        taken: dict[str, set[str]] = {}
        for (class_name, name), note in self.attributes.items():
            common = {"id": stable_id(name, taken.setdefault(class_name, set())), "name": name}
            specs[(class_name, name)] = spec = _guess_spec(note, common)
            self.builder.add_attribute(class_name, spec)
        group_ids: set[str] = set()
        groups = {
            name: TagGroup(
                id=stable_id(name, group_ids),
                name=name,
                multiple=note["multi"],
                options=options_from_names(note["options"]),
            )
            for name, note in self.groups.items()
        }
        for image, raw_tags in zip(images, self.raw_tags, strict=True):
            objects = [
                o.model_copy(update={"attributes": _typed(o, specs, self.class_names)})
                for o in image.annotation.objects
            ]
            tags = {
                groups[g].id: [_option_id(groups[g].options, n) for n in names]
                for g, names in raw_tags.items()
            }
            image.annotation = Annotation(objects=objects, tags=tags)
        return self.builder.build(tag_groups=list(groups.values()))


def _dicts(task: dict, key: str, where: str) -> list[dict]:
    """A task's `annotations` or `predictions`, checked to be a list of objects."""
    items = task.get(key) or []
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise FormatError(f"{where}: {key} must be a list of objects")
    return items


def _names(value: dict, where: str) -> list[str]:
    """The option names of a choices value."""
    names = value.get("choices")
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise FormatError(f"{where}: value.choices must be a list of names")
    return names
