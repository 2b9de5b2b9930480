"""COCO instances JSON: boxes, polygons, masks and keypoints, written as a stream.

Layout: `annotations/instances_<split>.json` per split (`instances.json` for images without
one), `images/<split>/<file_name>` when images are copied, and `manifest.json`.

Choices (COCO cannot say everything Labelwright can):
- Category ids are 1-based positions in the schema's class list, so they stay the same
  across exports as long as classes are only appended (removing a class shifts later ids).
- A polygon with holes is written as compressed RLE with `iscrowd` 0 (COCO polygons have no
  holes, and several polygons would mean several parts, not holes); its rings are kept in
  the annotation's `labelwright.shape` so Labelwright reads the polygon back exactly.
- A mask is RLE; `iscrowd` is 0 for an instance mask and 1 for a semantic (stuff) mask,
  since COCOeval treats crowd regions as "ignore", which is right only for the latter.
- Rotated boxes and ellipses are written as polygons (ellipses with ELLIPSE_VERTICES points);
  the exact shape rides along in `labelwright.shape`. Boxes carry their rectangle as the
  segmentation, and so do keypoints (the box round their labeled nodes), so `annToMask`
  and COCOeval's segm mode work on every annotation.
- Keypoints go to the category's `keypoints` (node names) and 1-based `skeleton`.
- What COCO has no place for lives in `labelwright` extension fields, which COCO tools
  ignore: per image `tags` (tag group -> option ids), `objects` (polylines, points and tag
  objects as native JSON), `relations`, `state`, `meta`; per annotation the object `id`,
  `attributes`, `frame`, `track`, `group`, `score`, `source`; at the top the whole schema.
- Reading plain COCO: a polygon in several parts becomes one instance mask (pixel-exact);
  an annotation without segmentation becomes a box.

Reading loads each JSON file whole (about 1 KB of memory per annotation); images are
converted to domain objects only as the dataset is iterated.
"""

from __future__ import annotations

import json
import re
import tempfile
import warnings
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

import numpy as np
from pycocotools import mask as coco_mask
from pydantic import ValidationError

from labelwright.domain.geometry import area_of, bbox_of, rings_of
from labelwright.domain.rle import check_rle, coco_rle
from labelwright.domain.schema import LabelClass, LabelSchema, Skeleton
from labelwright.domain.shapes import (
    Annotation,
    AnnotationObject,
    BBox,
    Keypoints,
    Mask,
    ObjectRelation,
    Polygon,
    Rle,
    Shape,
)
from labelwright.formats.dataset import Dataset, DatasetImage, FormatError, Manifest
from labelwright.formats.filters import Tally, place_image, safe_relative

EXT = "labelwright"
# one encoder for every entry: json.dumps builds a new one per call when given options
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode
_IMAGE_ONLY_KINDS = {"polyline", "points", "tag"}
_EXACT_KINDS = {"rotated_box", "ellipse"}
_SPLITS = ("train", "val", "test")
_PALETTE = ["#e6194b", "#3cb44b", "#ffe119", "#4363d8", "#f58231", "#911eb4", "#46f0f0"]


def annotations_file(split: str | None) -> str:
    """The annotation file name for a split."""
    return f"instances_{split}.json" if split else "instances.json"


def categories(schema: LabelSchema) -> list[dict[str, Any]]:
    """COCO categories from the schema, id = 1-based class position."""
    result = []
    for number, label_class in enumerate(schema.classes, start=1):
        category: dict[str, Any] = {
            "id": number,
            "name": label_class.name,
            "supercategory": "",
            EXT: {"class_id": label_class.id},
        }
        if label_class.skeleton is not None:
            category["keypoints"] = list(label_class.skeleton.nodes)
            category["skeleton"] = [[a + 1, b + 1] for a, b in label_class.skeleton.edges]
        result.append(category)
    return result


def _flat(ring: list) -> list[float]:
    """A ring of points as COCO's flat [x1, y1, x2, y2, ...]."""
    return [float(c) for point in ring for c in point[:2]]


def _rle_of_rings(rings: list[list], height: int, width: int) -> dict:
    """Rasterize an outline minus its holes into compressed RLE."""
    flats = [_flat(ring) for ring in rings]
    outer = coco_mask.merge(coco_mask.frPyObjects([flats[0]], height, width))
    holes = coco_mask.merge(coco_mask.frPyObjects(flats[1:], height, width))
    with warnings.catch_warnings():  # pycocotools warns needlessly under NumPy 2
        warnings.simplefilter("ignore", DeprecationWarning)
        pixels = coco_mask.decode(outer).astype(bool) & ~coco_mask.decode(holes).astype(bool)
    return coco_mask.encode(np.asfortranarray(pixels.astype(np.uint8)))


def _segmentation(shape: Shape, height: int, width: int) -> tuple[Any, float, int]:
    """(segmentation, area, iscrowd) of an area shape."""
    if isinstance(shape, Mask):
        rle = coco_rle(shape.rle)
        area = float(coco_mask.area(rle))
        return (
            {"size": list(shape.rle.size), "counts": shape.rle.counts},
            area,
            int(not shape.instance),
        )
    if isinstance(shape, Keypoints):
        # the box round the labeled nodes, so tools that rasterize every annotation cope
        x, y, w, h = bbox_of(shape)
        return [_flat(rings_of(BBox(x=x, y=y, w=w, h=h))[0])], w * h, 0
    rings = rings_of(shape)
    if isinstance(shape, Polygon) and len(rings) > 1:
        rle = _rle_of_rings(rings, height, width)
        area = float(coco_mask.area(rle))
        return {"size": [height, width], "counts": rle["counts"].decode("ascii")}, area, 0
    area = _ring_area(rings[0]) if isinstance(shape, Polygon) else area_of(shape)
    return [_flat(rings[0])], area, 0


def _ring_area(ring: list) -> float:
    """Shoelace area in plain Python: NumPy's per-call cost dominates on small rings."""
    twice = 0.0
    for (x0, y0), (x1, y1) in zip(ring, [*ring[1:], ring[0]], strict=True):
        twice += x0 * y1 - x1 * y0
    return abs(twice) / 2


def _object_extension(obj: AnnotationObject) -> dict[str, Any]:
    """The annotation's `labelwright` field: only what differs from the defaults."""
    ext: dict[str, Any] = {"id": obj.id}
    shape = obj.shape
    if shape.kind == "bbox":
        ext["kind"] = "bbox"
    elif shape.kind in _EXACT_KINDS or (shape.kind == "polygon" and len(shape.rings) > 1):
        ext["shape"] = shape.model_dump(mode="json")
    for key, default in (("frame", 0), ("track", None), ("group", None), ("score", None)):
        if getattr(obj, key) != default:
            ext[key] = getattr(obj, key)
    if obj.attributes:
        ext["attributes"] = obj.attributes
    if obj.source != "manual":
        ext["source"] = obj.source
    return ext


def coco_annotation(obj: AnnotationObject, image: DatasetImage, category: dict) -> dict:
    """One object as a COCO annotation (without its `id` and `image_id`)."""
    shape = obj.shape
    segmentation, area, iscrowd = _segmentation(shape, image.height, image.width)
    x, y, w, h = bbox_of(shape)
    entry: dict[str, Any] = {
        "category_id": category["id"],
        "bbox": [x, y, w, h],
        "area": area,
        "iscrowd": iscrowd,
        "segmentation": segmentation,
    }
    if isinstance(shape, Keypoints):
        if "keypoints" not in category:
            raise ValueError(f"class {category['name']!r} has no skeleton")
        entry["keypoints"] = [v for point in shape.points for v in point]
        entry["num_keypoints"] = sum(1 for point in shape.points if point[2] > 0)
    entry[EXT] = _object_extension(obj)
    return entry


class _SplitWriter:
    """One instances file: images stream into it, annotations into a side file joined at end."""

    def __init__(self, folder: Path, split: str | None, head: dict[str, Any]) -> None:
        self.path = folder / annotations_file(split)
        # both stay open across the whole stream; close() closes them
        self.main: TextIO = self.path.open("w", encoding="utf-8")
        # annotations come after all images in COCO, so they wait in a temporary file
        self.side: TextIO = tempfile.TemporaryFile("w+", encoding="utf-8", dir=folder)  # noqa: SIM115
        body = json.dumps(head, ensure_ascii=False)[:-1]
        self.main.write(body + ',\n"images":[\n')
        self.image_count = 0
        self.annotation_count = 0

    def add_image(self, entry: dict[str, Any]) -> int:
        """Write an image entry and return its id."""
        self.image_count += 1
        entry["id"] = self.image_count
        comma = "" if self.image_count == 1 else ",\n"
        self.main.write(comma + _ENCODE(entry))
        return self.image_count

    def add_annotation(self, entry: dict[str, Any]) -> None:
        """Queue an annotation entry (its id is numbered here)."""
        self.annotation_count += 1
        entry["id"] = self.annotation_count
        comma = "" if self.annotation_count == 1 else ",\n"
        self.side.write(comma + _ENCODE(entry))

    def close(self) -> None:
        """Append the queued annotations and finish the JSON document."""
        self.main.write('\n],\n"annotations":[\n')
        self.side.seek(0)
        while chunk := self.side.read(1 << 20):
            self.main.write(chunk)
        self.main.write("\n]}\n")
        self.side.close()
        self.main.close()


class CocoFormat:
    """COCO instances JSON (detection, segmentation, keypoints)."""

    name = "coco"

    def detect(self, path: Path) -> float:
        """Sure for a JSON file (or annotations/ folder of them) that starts like COCO."""
        files = _annotation_files(Path(path), strict=False)
        if not files:
            return 0.0
        head = files[0].open("rb").read(4096)
        return 0.9 if b'"images"' in head or b'"categories"' in head else 0.1

    def write(self, dataset: Dataset, out: Path, *, copy_images: bool = True) -> Manifest:
        """Write one instances file per split, streaming; return and save the manifest."""
        out = Path(out)
        folder = out / "annotations"
        folder.mkdir(parents=True, exist_ok=True)
        cats = categories(dataset.schema)
        by_class = {c.id: cat for c, cat in zip(dataset.schema.classes, cats, strict=True)}
        head = {
            "info": {"description": dataset.name, "version": "1.0"},
            "categories": cats,
            EXT: {"schema": dataset.schema.model_dump(mode="json")},
        }
        tally = Tally(self.name, dataset.schema)
        writers: dict[str | None, _SplitWriter] = {}
        try:
            for image in dataset:
                writer = writers.get(image.split)
                if writer is None:
                    writer = writers[image.split] = _SplitWriter(folder, image.split, head)
                relative = safe_relative(image.file_name, annotations_file(image.split))
                if copy_images and image.path is not None:
                    place_image(image.path, out / "images" / (image.split or "") / relative)
                self._write_image(writer, image, by_class)
                tally.add(image)
        finally:
            for writer in writers.values():
                writer.close()
        return tally.finish(out)

    def _write_image(self, writer: _SplitWriter, image: DatasetImage, by_class: dict) -> None:
        """Write one image entry and its objects' annotations."""
        annotation = image.annotation
        extra = [o for o in annotation.objects if o.shape.kind in _IMAGE_ONLY_KINDS]
        ext: dict[str, Any] = {}
        for key, value in (
            ("tags", annotation.tags),
            ("objects", [o.model_dump(mode="json") for o in extra]),
            ("relations", [r.model_dump(mode="json") for r in annotation.relations]),
            ("state", image.state),
            ("meta", image.meta),
        ):
            if value:
                ext[key] = value
        if image.frame_count != 1:
            ext["frame_count"] = image.frame_count
        entry = {"file_name": image.file_name, "width": image.width, "height": image.height}
        if ext:
            entry[EXT] = ext
        image_id = writer.add_image(entry)
        where = f"{annotations_file(image.split)}: image {image.file_name!r}"
        for obj in annotation.objects:
            if obj.shape.kind in _IMAGE_ONLY_KINDS:
                continue
            category = by_class.get(obj.class_id)
            if category is None:
                raise FormatError(f"{where}: object {obj.id!r}: class {obj.class_id!r} unknown")
            try:
                coco = coco_annotation(obj, image, category)
            except ValueError as error:
                raise FormatError(f"{where}: object {obj.id!r}: {error}") from None
            coco["image_id"] = image_id
            writer.add_annotation(coco)

    def read(self, path: Path, *, schema: LabelSchema | None = None) -> Dataset:
        """Read every instances file; build the schema from the file unless one is given."""
        files = _annotation_files(Path(path), strict=True)
        loaded = [_CocoFile(file, schema) for file in files]
        schema = schema or loaded[0].schema
        for other in loaded[1:]:
            other.check_schema(schema)
        return Dataset(schema=schema, images=_CocoImages(loaded, schema))


def _annotation_files(path: Path, *, strict: bool) -> list[Path]:
    """The instances files at `path` (a JSON file, a dataset folder or its annotations/)."""
    if path.is_file():
        return [path]
    folder = path / "annotations" if (path / "annotations").is_dir() else path
    files = sorted(f for f in folder.glob("*.json") if f.name != "manifest.json")
    if not files and strict:
        raise FormatError(f"{path}: no COCO annotation JSON files found")
    return files


def split_of(file: Path) -> str | None:
    """The split an annotation file's name says (instances_train2017.json -> train)."""
    tail = file.stem.rsplit("_", 1)[-1].rstrip("0123456789")
    return tail if "_" in file.stem and tail in _SPLITS else None


def _need(entry: Any, key: str, kind: type | tuple, where: str) -> Any:
    """entry[key] when it has the right type, else FormatError."""
    if not isinstance(entry, dict):
        raise FormatError(f"{where}: expected an object")
    value = entry.get(key)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise FormatError(f"{where}: {key} is missing or not a {_kind_name(kind)}")
    return value


def _kind_name(kind: type | tuple) -> str:
    return " or ".join(k.__name__ for k in kind) if isinstance(kind, tuple) else kind.__name__


class _CocoFile:
    """One loaded instances file, its references checked, annotations grouped by image."""

    def __init__(self, file: Path, schema: LabelSchema | None) -> None:
        self.file = file
        self.name = file.name
        self.split = split_of(file)
        try:
            with file.open(encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise FormatError(f"{self.name}: not readable JSON ({error})") from None
        if not isinstance(data, dict):
            raise FormatError(f"{self.name}: expected a JSON object at the top")
        cats = _list(data, "categories", self.name)
        self.categories = {
            _need(c, "id", int, f"{self.name}: category #{n}"): c for n, c in enumerate(cats)
        }
        self.schema = schema or _embedded_schema(data, self.name) or self._built_schema(data)
        self.class_of = self._class_map(self.schema)
        self.images = self._images(_list(data, "images", self.name))
        self.by_image: dict[int, list[dict]] = defaultdict(list)
        for number, ann in enumerate(_list(data, "annotations", self.name)):
            image_id = ann.get("image_id") if isinstance(ann, dict) else None
            category_id = ann.get("category_id") if isinstance(ann, dict) else None
            if image_id in self.images and category_id in self.categories:
                self.by_image[image_id].append(ann)  # the common case, checked cheaply
                continue
            where = f"{self.name}: annotation {_label(ann, number)}"
            image_id = _need(ann, "image_id", int, where)
            category_id = _need(ann, "category_id", int, where)
            if image_id not in self.images:
                raise FormatError(f"{where}: image_id {image_id} is not an image")
            if category_id not in self.categories:
                raise FormatError(f"{where}: category_id {category_id} is not a category")
            self.by_image[image_id].append(ann)

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

    def _class_map(self, schema: LabelSchema) -> dict[int, LabelClass]:
        """Category id -> schema class, by the stored class id, else by name."""
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
            result[cat_id] = found
        return result

    def check_schema(self, schema: LabelSchema) -> None:
        """Re-map this file's categories onto the schema shared by all files."""
        self.class_of = self._class_map(schema)

    def _built_schema(self, data: dict) -> LabelSchema:
        """A schema made from the categories and the shape kinds their annotations use."""
        kinds: dict[int, set[str]] = defaultdict(set)
        for ann in data.get("annotations") or []:
            if isinstance(ann, dict) and isinstance(ann.get("category_id"), int):
                kinds[ann["category_id"]].add(_raw_kind(ann))
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

    def image(self, image_id: int, root: Path) -> DatasetImage:
        """Build one DatasetImage with its objects."""
        entry = self.images[image_id]
        where = f"{self.name}: image {image_id}"
        ext = entry.get(EXT) or {}
        width, height = entry["width"], entry["height"]
        objects = []
        for number, ann in enumerate(self.by_image.get(image_id, [])):
            objects.append(self._object(ann, width, height, number))
        try:
            objects += [AnnotationObject.model_validate(o) for o in ext.get("objects", [])]
            annotation = Annotation(
                objects=objects,
                tags=ext.get("tags", {}),
                relations=[ObjectRelation.model_validate(r) for r in ext.get("relations", [])],
            )
        except ValidationError as error:
            raise FormatError(f"{where}: {EXT}: {error.errors()[0]['msg']}") from None
        file_name = entry["file_name"]
        local = root / "images" / (self.split or "") / file_name
        return DatasetImage(
            file_name=file_name,
            width=width,
            height=height,
            annotation=annotation,
            frame_count=ext.get("frame_count", 1),
            path=local if local.is_file() else None,
            split=self.split,
            state=ext.get("state"),
            meta=ext.get("meta", {}),
        )

    def _object(self, ann: dict, width: int, height: int, number: int) -> AnnotationObject:
        """One COCO annotation as an annotation object."""
        where = f"{self.name}: annotation {_label(ann, number)}"
        ext = ann.get(EXT) or {}
        label_class = self.class_of[ann["category_id"]]
        try:
            shape = _shape(ann, ext, width, height)
            fields = {k: ext[k] for k in ("frame", "track", "group", "score", "source") if k in ext}
            return AnnotationObject(
                id=str(ext.get("id", ann.get("id", where))),
                class_id=label_class.id,
                shape=shape,
                attributes=ext.get("attributes") or ann.get("attributes") or {},
                **fields,
            )
        except ValidationError as error:
            problem = error.errors()[0]
            loc = ".".join(str(p) for p in problem["loc"])
            raise FormatError(f"{where}: {loc}: {problem['msg']}") from None
        except (ValueError, TypeError, KeyError) as error:
            raise FormatError(f"{where}: {error}") from None


def _list(data: dict, key: str, where: str) -> list:
    """data[key] as a list (missing means empty), else FormatError."""
    value = data.get(key, [])
    if not isinstance(value, list):
        raise FormatError(f"{where}: {key} must be a list")
    return value


def _label(entry: Any, number: int) -> str:
    """How an error names an entry: its id, else its position."""
    if isinstance(entry, dict) and isinstance(entry.get("id"), int | str):
        return str(entry["id"])
    return f"#{number}"


def _embedded_schema(data: dict, where: str) -> LabelSchema | None:
    """The schema Labelwright stored at the top of its own export, if any."""
    stored = (data.get(EXT) or {}).get("schema") if isinstance(data.get(EXT), dict) else None
    if stored is None:
        return None
    try:
        return LabelSchema.model_validate(stored)
    except ValidationError as error:
        raise FormatError(f"{where}: {EXT}.schema: {error.errors()[0]['msg']}") from None


def _stable_id(text: str, used: set[str]) -> str:
    """A StableId made from a category name, unique among `used`."""
    base = re.sub(r"[^A-Za-z0-9_.:-]+", "_", str(text)).strip("_")[:60] or "class"
    candidate, number = base, 2
    while candidate in used:
        candidate, number = f"{base}_{number}", number + 1
    used.add(candidate)
    return candidate


def _skeleton(category: dict, where: str) -> Skeleton | None:
    """A skeleton from COCO `keypoints` names and 1-based `skeleton` edges."""
    names = category.get("keypoints")
    if not names:
        return None
    edges = [(a - 1, b - 1) for a, b in category.get("skeleton") or []]
    try:
        return Skeleton(nodes=names, edges=edges)
    except ValidationError as error:
        raise FormatError(f"{where}: skeleton: {error.errors()[0]['msg']}") from None


def _raw_kind(ann: dict) -> str:
    """The Labelwright shape kind an annotation will be read as."""
    ext = ann.get(EXT) or {}
    if isinstance(ext.get("shape"), dict):
        return str(ext["shape"].get("kind"))
    if ext.get("kind") == "bbox":
        return "bbox"
    if ann.get("keypoints"):
        return "keypoints"
    segmentation = ann.get("segmentation")
    if isinstance(segmentation, dict) or (isinstance(segmentation, list) and len(segmentation) > 1):
        return "mask"
    return "polygon" if segmentation else "bbox"


def _shape(ann: dict, ext: dict, width: int, height: int) -> Shape:
    """The shape of one COCO annotation (see the module notes for the rules)."""
    if isinstance(ext.get("shape"), dict):
        return AnnotationObject.model_validate(
            {"id": "-", "class_id": "-", "shape": ext["shape"]}
        ).shape
    kind = _raw_kind(ann)
    if kind == "keypoints":
        flat = ann["keypoints"]
        if len(flat) % 3:
            raise ValueError("keypoints must hold x, y, v triples")
        return Keypoints(
            points=[(flat[i], flat[i + 1], int(flat[i + 2])) for i in range(0, len(flat), 3)]
        )
    if kind == "bbox":
        x, y, w, h = ann["bbox"]
        return BBox(x=x, y=y, w=w, h=h)
    segmentation = ann["segmentation"]
    if kind == "polygon":
        ring = segmentation[0]
        return Polygon(rings=[[(ring[i], ring[i + 1]) for i in range(0, len(ring) - 1, 2)]])
    return Mask(rle=_rle(segmentation, width, height), instance=not ann.get("iscrowd"))


def _rle(segmentation: Any, width: int, height: int) -> Rle:
    """Compressed RLE from a COCO segmentation (RLE dict, uncompressed RLE or polygon parts)."""
    if isinstance(segmentation, dict) and isinstance(segmentation.get("counts"), str):
        rle = Rle(size=tuple(segmentation["size"]), counts=segmentation["counts"])
        check_rle(rle)
        return rle
    if isinstance(segmentation, dict):
        encoded = coco_mask.frPyObjects(segmentation, height, width)
    else:
        encoded = coco_mask.merge(coco_mask.frPyObjects(segmentation, height, width))
    return Rle(size=(height, width), counts=encoded["counts"].decode("ascii"))


class _CocoImages:
    """The images of loaded instances files, built one at a time as they are iterated."""

    def __init__(self, files: list[_CocoFile], schema: LabelSchema) -> None:
        self.files = files
        self.schema = schema

    def __iter__(self) -> Iterator[DatasetImage]:
        for loaded in self.files:
            root = (
                loaded.file.parent.parent
                if loaded.file.parent.name == "annotations"
                else (loaded.file.parent)
            )
            for image_id in loaded.images:
                yield loaded.image(image_id, root)
