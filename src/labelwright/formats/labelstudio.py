"""Label Studio JSON tasks: `tasks.json`, a list of {data, meta, annotations, predictions}.

Coordinates are percent of the image (`original_width`/`original_height` say its
size). A rectangle's `rotation` turns it clockwise around its top-left corner, as
Label Studio does. Masks are `brushlabels` in Label Studio's own RLE (the rle-pack
encoding of the RGBA pixels; the alpha channel, over 127, is the mask). Manual
objects go to the first annotation, the others to one prediction per `source`
(its `model_version`) with their scores. Per-region attributes are extra results
with the region's id: select/multiselect as `choices` of option names, a true
checkbox as `choices` holding the attribute's own name, text as `textarea`,
numbers as `number`. Object-class tags are `choices` from "class"; image tag
groups are `choices` from the group's name.

Not carried: polylines; keypoint skeletons (each labeled node is a
`keypointlabels` point, read back as a `points` object: the points of one object
share the result id `<object id>#<n>`); polygon holes (such polygons are written
as brushes); frames, tracks, groups; attribute and tag-group types are guessed
from the values present, since the JSON holds no schema.
"""

from __future__ import annotations

import json
import math
import re
from itertools import pairwise
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import numpy as np

from labelwright.domain.attributes import (
    CheckboxAttribute,
    MultiselectAttribute,
    NumberAttribute,
    Option,
    SelectAttribute,
    TextAttribute,
)
from labelwright.domain.geometry import rotated_box_corners
from labelwright.domain.schema import LabelSchema, TagGroup
from labelwright.domain.shapes import (
    Annotation,
    AnnotationObject,
    BBox,
    Ellipse,
    Keypoints,
    Mask,
    Points,
    Polygon,
    RotatedBox,
    Tag,
)
from labelwright.formats._common import (
    ManifestCounter,
    SchemaBuilder,
    check_size,
    copy_image,
    encode_mask,
    options_from_names,
    safe_relative,
    shape_pixels,
    stable_id,
)
from labelwright.formats.dataset import Dataset, DatasetImage, FormatError, Manifest

FILE_NAME = "tasks.json"
CLASS_TAGS = "class"
"""`from_name` of the choices that carry object-class tags."""

FROM_NAMES = {
    "rectanglelabels": "label",
    "polygonlabels": "polygon",
    "keypointlabels": "keypoint",
    "brushlabels": "brush",
    "ellipselabels": "ellipse",
}
_RLE_SIZES = (3, 4, 8, 16)
_MAX_RUN = 2 ** _RLE_SIZES[-1]


class LabelStudioFormat:
    """Label Studio JSON export/import for image tasks."""

    name = "labelstudio"

    def __init__(self, image_root: str = "") -> None:
        # e.g. "/data/local-files/?d=" so Label Studio finds the copied images
        self.image_root = image_root

    def detect(self, path: Path) -> float:
        """Sure when the JSON (or the folder's tasks.json) is a list of tasks with `data`."""
        target = path / FILE_NAME if path.is_dir() else path
        if not target.is_file() or target.suffix.lower() != ".json":
            return 0.0
        with target.open("rb") as stream:
            head = stream.read(4096).decode("utf-8", "replace").lstrip()
        if not head.startswith("[") or '"data"' not in head:
            return 0.0
        return 0.9 if '"annotations"' in head or '"predictions"' in head else 0.7

    def read(self, path: Path) -> Dataset:
        """Read a Label Studio JSON export (the file, or the folder holding tasks.json)."""
        target = path / FILE_NAME if path.is_dir() else path
        return read_tasks(target, self.image_root)

    def write(self, dataset: Dataset, out: Path, *, copy_images: bool = True) -> Manifest:
        """Write tasks.json (and images/ with the pixels), one task at a time."""
        out.mkdir(parents=True, exist_ok=True)
        schema = dataset.schema
        counter = ManifestCounter(self.name, schema)
        with (out / FILE_NAME).open("w", encoding="utf-8") as stream:
            stream.write("[")
            for number, image in enumerate(dataset):
                task = task_of(image, schema, self.image_root)
                stream.write(("," if number else "") + "\n" + json.dumps(task))
                if copy_images:
                    copy_image(image, out / "images")
                counter.add_image(image)
                for obj in image.annotation.objects:
                    if obj.shape.kind != "polyline":
                        counter.add_object(obj)
            stream.write("\n]\n")
        return counter.manifest


def task_of(image: DatasetImage, schema, image_root: str = "") -> dict[str, Any]:
    """One Label Studio task for an image."""
    manual: list[dict] = []
    predicted: dict[str, list[AnnotationObject]] = {}
    for obj in image.annotation.objects:
        if obj.source == "manual":
            manual += _results(obj, image, schema)
        else:
            predicted.setdefault(obj.source, []).append(obj)
    for group_id, option_ids in image.annotation.tags.items():
        group = schema.tag_group_by_id(group_id)
        if group is None:
            raise FormatError(f"image {image.file_name!r}: tag group {group_id!r} is not known")
        names = {o.id: o.name for o in group.options}
        value = {"choices": [names.get(i, i) for i in option_ids]}
        manual.append(_result(f"tags-{group.id}", "choices", group.name, image, value))
    predictions = []
    for source, objects in predicted.items():
        scores = [o.score for o in objects if o.score is not None]
        prediction: dict[str, Any] = {"model_version": source}
        if scores:
            prediction["score"] = sum(scores) / len(scores)
        prediction["result"] = [r for o in objects for r in _results(o, image, schema)]
        predictions.append(prediction)
    meta = {"file_name": image.file_name, "width": image.width, "height": image.height}
    if image.split:
        meta["split"] = image.split
    return {
        "data": {"image": image_root + image.file_name},
        "meta": meta,
        "annotations": [{"result": manual}] if manual else [],
        "predictions": predictions,
    }


def _result(rid: str, kind: str, from_name: str, image: DatasetImage, value: dict) -> dict:
    """One result dict with the fields Label Studio expects on every region."""
    return {
        "id": rid,
        "type": kind,
        "from_name": from_name,
        "to_name": "image",
        "original_width": image.width,
        "original_height": image.height,
        "image_rotation": 0,
        "value": value,
    }


def _results(obj: AnnotationObject, image: DatasetImage, schema) -> list[dict]:
    """The results of one object: its region(s), then one per attribute."""
    label_class = schema.class_by_id(obj.class_id)
    where = f"image {image.file_name!r} object {obj.id!r}"
    if label_class is None:
        raise FormatError(f"{where}: class id {obj.class_id!r} is not in the schema")
    regions = _regions(obj, image, label_class.name, where)
    for region in regions:
        if obj.score is not None and obj.source != "manual":
            region["score"] = obj.score
    if regions and obj.shape.kind != "tag":
        regions += _attribute_results(obj, label_class, image, regions[0]["id"])
    return regions


def _regions(obj: AnnotationObject, image: DatasetImage, name: str, where: str) -> list[dict]:
    """The region results of an object's shape (several for multi-point shapes)."""
    px, py = 100.0 / image.width, 100.0 / image.height  # pixels to percent
    shape = obj.shape
    if isinstance(shape, Polygon) and len(shape.rings) > 1:
        shape = _brush_mask(shape, image, where)
    match shape:
        case BBox() | RotatedBox():
            if isinstance(shape, BBox):
                x, y, w, h, angle = shape.x, shape.y, shape.w, shape.h, 0.0
            else:
                (x, y), w, h, angle = rotated_box_corners(shape)[0], shape.w, shape.h, shape.angle
            value = {"x": x * px, "y": y * py, "width": w * px, "height": h * py}
            value["rotation"] = angle % 360
            kind = "rectanglelabels"
        case Polygon():
            value = {"points": [[x * px, y * py] for x, y in shape.rings[0]], "closed": True}
            kind = "polygonlabels"
        case Ellipse():
            value = {"x": shape.cx * px, "y": shape.cy * py}
            value |= {"radiusX": shape.rx * px, "radiusY": shape.ry * py}
            value["rotation"] = shape.angle % 360
            kind = "ellipselabels"
        case Mask():
            try:
                pixels = shape_pixels(shape, image.height, image.width)
            except ValueError as error:
                raise FormatError(f"{where}: {error}") from None
            value = {"format": "rle", "rle": encode_brush(pixels)}
            kind = "brushlabels"
        case Points() | Keypoints():
            points = [(p[0], p[1]) for p in shape.points if len(p) < 3 or p[2] > 0]
            return [
                _result(
                    f"{obj.id}#{n}",
                    "keypointlabels",
                    FROM_NAMES["keypointlabels"],
                    image,
                    {"x": x * px, "y": y * py, "width": 0.5, "keypointlabels": [name]},
                )
                for n, (x, y) in enumerate(points)
            ]
        case Tag():
            return [_result(obj.id, "choices", CLASS_TAGS, image, {"choices": [name]})]
        case _:
            return []  # polylines have no Label Studio image region
    value[kind] = [name]
    return [_result(obj.id, kind, FROM_NAMES[kind], image, value)]


def _brush_mask(shape: Polygon, image: DatasetImage, where: str) -> Mask:
    """A polygon with holes as a mask, since Label Studio polygons have none."""
    pixels = shape_pixels(shape, image.height, image.width)
    if pixels is None:
        raise FormatError(f"{where}: the polygon's outline has fewer than 3 points")
    return encode_mask(pixels)


def _attribute_results(obj, label_class, image, rid: str) -> list[dict]:
    """Per-region results carrying the object's attributes."""
    results = []
    for attribute_id, value in obj.attributes.items():
        spec = label_class.attribute(attribute_id)
        name = spec.name if spec else attribute_id
        options = {o.id: o.name for o in getattr(spec, "options", [])}
        if isinstance(value, bool):
            if not value:
                continue  # an unticked checkbox is simply absent
            kind, payload = "choices", {"choices": [name]}
        elif isinstance(value, int | float):
            kind, payload = "number", {"number": value}
        elif isinstance(value, list):
            kind, payload = "choices", {"choices": [options.get(v, v) for v in value]}
        elif options:
            kind, payload = "choices", {"choices": [options.get(value, value)]}
        else:
            kind, payload = "textarea", {"text": [str(value)]}
        results.append(_result(rid, kind, name, image, payload))
    return results


def encode_brush(pixels: np.ndarray) -> list[int]:
    """Label Studio's brush RLE of a boolean mask (RGBA, every channel 255 on the mask)."""
    flat = pixels.ravel()
    bounds = np.concatenate([[0], np.flatnonzero(np.diff(flat.astype(np.int8))) + 1, [flat.size]])
    bits = [f"{flat.size * 4:032b}", f"{8 - 1:05b}", *(f"{s - 1:04b}" for s in _RLE_SIZES)]
    for start, end in pairwise(bounds.tolist()):
        value, left = (255 if flat[start] else 0), int(end - start) * 4
        while left > 0:
            run = min(left, _MAX_RUN)
            size = next(i for i, s in enumerate(_RLE_SIZES) if run - 1 < 2**s)
            bits.append(f"1{size:02b}{run - 1:0{_RLE_SIZES[size]}b}{value:08b}")
            left -= run
    text = "".join(bits)
    text += "0" * (-len(text) % 8)
    return list(int(text, 2).to_bytes(len(text) // 8, "big"))


def decode_brush(rle: Any, height: int, width: int, where: str) -> np.ndarray:
    """A boolean (height, width) mask from Label Studio's brush RLE (alpha over 127)."""
    check_size(width, height, where, for_mask=True)
    if not isinstance(rle, list) or not all(isinstance(b, int) and 0 <= b < 256 for b in rle):
        raise FormatError(f"{where}: value.rle is not a list of bytes")
    bits = "".join(f"{b:08b}" for b in rle)
    position = 0

    def read(count: int) -> int:
        nonlocal position
        if position + count > len(bits):
            raise FormatError(f"{where}: value.rle ends early")
        position += count
        return int(bits[position - count : position], 2) if count else 0

    total = read(32)
    if total != height * width * 4:
        raise FormatError(f"{where}: value.rle holds {total} values, not {height}x{width}x4")
    word = read(5) + 1
    sizes = [read(4) + 1 for _ in range(4)]
    values: list[int] = []
    lengths: list[int] = []
    done = 0
    while done < total:
        repeated = read(1)
        run = 1 + read(sizes[read(2)])
        if repeated:
            values.append(read(word))
            lengths.append(run)
        else:
            values += [read(word) for _ in range(run)]
            lengths += [1] * run
        done += run
    if done != total:
        raise FormatError(f"{where}: value.rle runs past the image")
    channels = np.repeat(np.asarray(values, dtype=np.int64), lengths).reshape(height, width, 4)
    return channels[:, :, 3] > 127


def file_name_of(url: str, image_root: str) -> str:
    """The relative image name behind a task's `data.image` URL or path."""
    if image_root and url.startswith(image_root):
        return url[len(image_root) :]
    if "?d=" in url:
        return unquote(url.split("?d=", 1)[1])
    path = unquote(urlparse(url).path) if re.match(r"^[a-z]+://", url) else url
    path = re.sub(r"^/data/upload/\d+/", "", path)
    return path.lstrip("/").split("/")[-1] if "://" in url else path.lstrip("/")


def is_finite(value: Any) -> bool:
    """Whether `value` is a real finite number (not a bool)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


FORMAT = LabelStudioFormat()
"""The Label Studio JSON format plugin."""


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
    reader = _TaskReader(label, image_root, target.parent / "images")
    images = [reader.read_task(task, number) for number, task in enumerate(tasks, start=1)]
    return Dataset(schema=reader.finish(images), images=images, name=target.parent.name)


class _TaskReader:
    """Reads tasks, noting attribute and tag values so the schema can be guessed after."""

    def __init__(self, label: str, image_root: str, images: Path) -> None:
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
        path = self.images / file_name
        return DatasetImage(
            file_name=file_name,
            width=size[0],
            height=size[1],
            annotation=Annotation(objects=objects),
            path=path if path.is_file() else None,
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


def _guess_spec(note: dict[str, Any], common: dict[str, str]) -> Any:
    """An attribute spec fitting the values seen of one attribute."""
    if note["kind"] == "number":
        return NumberAttribute(**common)
    if note["kind"] == "textarea":
        return TextAttribute(**common)
    if note["flag"]:
        return CheckboxAttribute(**common)
    kind = MultiselectAttribute if note["multi"] else SelectAttribute
    return kind(**common, options=options_from_names(note["options"]))


def _option_id(options: list[Option], name: str) -> str:
    """The id of the option called `name`."""
    return next(o.id for o in options if o.name == name)


def _typed(obj: AnnotationObject, specs: dict, class_names: dict[str, str]) -> dict[str, Any]:
    """An object's attributes keyed by attribute id, option names turned into ids."""
    typed = {}
    for name, raw in obj.attributes.items():
        spec = specs[(class_names[obj.class_id], name)]
        value: Any = raw
        if isinstance(spec, CheckboxAttribute):
            value = True
        elif isinstance(spec, SelectAttribute) and isinstance(raw, list) and raw:
            value = _option_id(spec.options, raw[0])
        elif isinstance(spec, MultiselectAttribute) and isinstance(raw, list):
            value = [_option_id(spec.options, n) for n in raw]
        elif isinstance(spec, TextAttribute) and isinstance(raw, list):
            value = ",".join(raw)
        typed[spec.id] = value
    return typed


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


def _coord(value: dict, key: str, full: int, where: str) -> float:
    """A percent coordinate of `value` in pixels."""
    number = value.get(key)
    if not is_finite(number):
        raise FormatError(f"{where}: value.{key} is not a number")
    return number * full / 100.0


def _shape(kind: str, value: dict, size: tuple[int, int], where: str):
    """The geometry of one region value."""
    width, height = size
    if kind == "rectanglelabels":
        x, w = _coord(value, "x", width, where), _coord(value, "width", width, where)
        y, h = _coord(value, "y", height, where), _coord(value, "height", height, where)
        angle = value.get("rotation", 0) or 0
        if not is_finite(angle):
            raise FormatError(f"{where}: value.rotation is not a number")
        if angle % 360 == 0:
            return BBox(x=x, y=y, w=w, h=h)
        c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
        cx, cy = x + w / 2 * c - h / 2 * s, y + w / 2 * s + h / 2 * c
        return RotatedBox(cx=cx, cy=cy, w=w, h=h, angle=angle)
    if kind == "polygonlabels":
        points = value.get("points")
        if not isinstance(points, list) or len(points) < 3:
            raise FormatError(f"{where}: value.points must list at least 3 points")
        ring = []
        for index, point in enumerate(points, start=1):
            if not isinstance(point, list | tuple) or len(point) != 2:
                raise FormatError(f"{where}: value.points[{index}] is not an [x, y] pair")
            pair = {"x": point[0], "y": point[1]}
            ring.append((_coord(pair, "x", width, where), _coord(pair, "y", height, where)))
        return Polygon(rings=[ring])
    if kind == "ellipselabels":
        angle = value.get("rotation", 0) or 0
        if not is_finite(angle):
            raise FormatError(f"{where}: value.rotation is not a number")
        return Ellipse(
            cx=_coord(value, "x", width, where),
            cy=_coord(value, "y", height, where),
            rx=_coord(value, "radiusX", width, where),
            ry=_coord(value, "radiusY", height, where),
            angle=angle,
        )
    if value.get("format", "rle") != "rle":
        raise FormatError(f"{where}: brush format {value.get('format')!r} is not rle")
    return encode_mask(decode_brush(value.get("rle"), height, width, where))
