"""YOLO in the Ultralytics layout: detection, segmentation, pose or oriented boxes.

Layout: `images/<split>/<file_name>`, `labels/<split>/<file_name stem>.txt`, `data.yaml`
(`path`, `train`/`val`/`test`, `names`; for pose `kpt_shape` and `flip_idx`) and
`manifest.json`. Images without a split go to `train`; when there is no `val` split,
`val` points at the training images, since Ultralytics needs one.

One task per export (YOLO label files hold one kind of line), chosen by `task`:
- detect: `class cx cy w h`, the axis-aligned box of every area shape.
- segment: `class x1 y1 x2 y2 ...`, the outline of boxes, rotated boxes, ellipses and
  polygons (holes are dropped: YOLO polygons have none); masks are skipped.
- pose: `class cx cy w h x1 y1 v1 ...` for keypoints, the box around the labeled nodes;
  every skeleton must have the same number of nodes; unlabeled nodes are written `0 0 0`.
- obb: `class x1 y1 x2 y2 x3 y3 x4 y4`, the corners of boxes and rotated boxes (ellipses
  and polygons as their smallest rotated rectangle).
Class index = position in the schema's class list (all classes, so indices match across
tasks). Coordinates are normalised by the image size and written with 6 decimals, so a
value read back is within 5e-7 x the image side of what was written (0.001 px at 2000 px).
Objects a task cannot carry are skipped; the manifest counts only what was written.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import shapely
import yaml
from PIL import Image, UnidentifiedImageError
from pydantic import ValidationError

from labelwright.domain.geometry import bbox_of, ellipse_outline, rings_of, rotated_box_corners
from labelwright.domain.schema import LabelClass, LabelSchema, Skeleton
from labelwright.domain.shapes import (
    Annotation,
    AnnotationObject,
    BBox,
    Ellipse,
    Keypoints,
    Point,
    Polygon,
    RotatedBox,
    Shape,
)
from labelwright.formats.dataset import Dataset, DatasetImage, FormatError, Manifest
from labelwright.formats.filters import Tally, place_image, safe_relative

TASKS = ("detect", "segment", "pose", "obb")
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".gif", ".dng"}
_AREA_KINDS = {"bbox", "rotated_box", "polygon", "ellipse", "mask"}
_SPLITS = ("train", "val", "test")
_TASK_KIND = {"detect": "bbox", "segment": "polygon", "pose": "keypoints", "obb": "rotated_box"}
_EXIF_ORIENTATION = 0x0112
_PALETTE = ["#e6194b", "#3cb44b", "#ffe119", "#4363d8", "#f58231", "#911eb4", "#46f0f0"]


def _numbers(values: list[float]) -> str:
    """Numbers as YOLO writes them: fixed 6 decimals."""
    return " ".join(f"{v:.6f}" for v in values)


def _normalised(points: list[Point], width: int, height: int) -> list[float]:
    """Points as flat x y values divided by the image size."""
    return [v for x, y in points for v in (x / width, y / height)]


def _corners(shape: Shape) -> list[Point] | None:
    """Four corners for an oriented box line, or None when the shape has no area."""
    if isinstance(shape, RotatedBox):
        return rotated_box_corners(shape)
    if isinstance(shape, BBox):
        return rings_of(shape)[0]
    if isinstance(shape, Ellipse):
        box = RotatedBox(
            cx=shape.cx, cy=shape.cy, w=2 * shape.rx, h=2 * shape.ry, angle=shape.angle
        )
        return rotated_box_corners(box)
    if isinstance(shape, Polygon) and shape.rings and len(shape.rings[0]) >= 3:
        hull = shapely.minimum_rotated_rectangle(shapely.Polygon(shape.rings[0]))
        return list(hull.exterior.coords)[:4] if hull.geom_type == "Polygon" else None
    return None


def object_line(
    obj: AnnotationObject, index: int, task: str, width: int, height: int
) -> str | None:
    """One object as a label line for `task`, or None when the task cannot carry it."""
    shape = obj.shape
    if task == "detect" and shape.kind in _AREA_KINDS:
        x, y, w, h = bbox_of(shape)
        return f"{index} " + _numbers(
            [(x + w / 2) / width, (y + h / 2) / height, w / width, h / height]
        )
    if task == "segment" and shape.kind in _AREA_KINDS - {"mask"}:
        ring = rings_of(shape)[0] if not isinstance(shape, Ellipse) else ellipse_outline(shape)
        return f"{index} " + _numbers(_normalised(ring, width, height))
    if task == "obb" and shape.kind in _AREA_KINDS - {"mask"}:
        corners = _corners(shape)
        if corners is None:
            return None
        return f"{index} " + _numbers(_normalised(corners, width, height))
    if task == "pose" and isinstance(shape, Keypoints):
        x, y, w, h = bbox_of(shape)
        box = [(x + w / 2) / width, (y + h / 2) / height, w / width, h / height]
        nodes = [v for px, py, vis in shape.points for v in _node(px, py, vis, width, height)]
        return f"{index} " + _numbers(box) + " " + " ".join(nodes)
    return None


def _node(x: float, y: float, visibility: int, width: int, height: int) -> list[str]:
    """One keypoint's three numbers; an unlabeled node is 0 0 0, as Ultralytics expects."""
    if visibility == 0:
        return ["0.000000", "0.000000", "0"]
    return [f"{x / width:.6f}", f"{y / height:.6f}", str(visibility)]


def pose_settings(schema: LabelSchema) -> dict[str, Any]:
    """`kpt_shape` and `flip_idx` from the schema's skeletons (which must agree in size)."""
    skeletons = [c.skeleton for c in schema.classes if c.skeleton is not None]
    if not skeletons:
        raise FormatError("data.yaml: the pose task needs a class with a keypoint skeleton")
    sizes = {len(s.nodes) for s in skeletons}
    if len(sizes) > 1:
        raise FormatError(f"data.yaml: skeletons differ in size {sorted(sizes)}; YOLO needs one")
    flip = list(range(len(skeletons[0].nodes)))
    for a, b in skeletons[0].symmetric_pairs:
        flip[a], flip[b] = b, a
    return {"kpt_shape": [len(flip), 3], "flip_idx": flip}


def label_path(relative: PurePosixPath) -> PurePosixPath:
    """The label file next to an image path, as Ultralytics finds it."""
    return relative.with_suffix(".txt")


class YoloFormat:
    """Ultralytics YOLO folders (detect, segment, pose or obb)."""

    name = "yolo"

    def __init__(self, task: str = "detect") -> None:
        if task not in TASKS:
            raise ValueError(f"unknown YOLO task {task!r}; one of {', '.join(TASKS)}")
        self.task = task

    def detect(self, path: Path) -> float:
        """Sure for a folder (or YAML file) with `names` and a labels/ folder."""
        path = Path(path)
        yaml_file = path if path.is_file() else path / "data.yaml"
        if yaml_file.suffix not in (".yaml", ".yml") or not yaml_file.is_file():
            return 0.0
        return 0.9 if (yaml_file.parent / "labels").is_dir() else 0.5

    def write(
        self, dataset: Dataset, out: Path, *, copy_images: bool = True, task: str | None = None
    ) -> Manifest:
        """Write images, one label file per image and data.yaml, streaming."""
        task = task or self.task
        if task not in TASKS:
            raise ValueError(f"unknown YOLO task {task!r}; one of {', '.join(TASKS)}")
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)  # data.yaml is written even with no images
        schema = dataset.schema
        extra = pose_settings(schema) if task == "pose" else {}
        index = {c.id: number for number, c in enumerate(schema.classes)}
        tally = Tally(f"{self.name}-{task}", schema)
        made: set[Path] = set()
        for image in dataset:
            split = image.split or "train"
            relative = safe_relative(image.file_name, f"images/{split}")
            lines, written = [], []
            for obj in image.annotation.objects:
                if obj.class_id not in index:
                    raise FormatError(
                        f"{image.file_name}: object {obj.id!r}: class {obj.class_id!r} unknown"
                    )
                line = object_line(obj, index[obj.class_id], task, image.width, image.height)
                if line is not None:
                    lines.append(line)
                    written.append(obj.class_id)
            target = out / "labels" / split / label_path(relative)
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            target.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
            if copy_images and image.path is not None:
                place_image(image.path, out / "images" / split / relative)
            tally.add(image, written, split=split)
        self._write_yaml(out, schema, set(tally.manifest.per_split), task, extra)
        return tally.finish(out)

    def _write_yaml(
        self, out: Path, schema: LabelSchema, splits: set[str], task: str, extra: dict
    ) -> None:
        """data.yaml as Ultralytics reads it (plus the task, which YOLO files cannot show)."""
        data: dict[str, Any] = {"path": str(out.resolve())}
        for split in _SPLITS:
            if split in splits:
                data[split] = f"images/{split}"
        present = [data[s] for s in _SPLITS if s in data] or ["images/train"]
        data.setdefault("train", present[0])  # Ultralytics needs train and val to exist
        data.setdefault("val", data["train"])
        data = {"path": data["path"], **{s: data[s] for s in _SPLITS if s in data}}
        data["names"] = {number: c.name for number, c in enumerate(schema.classes)}
        data.update(extra)
        data["labelwright_task"] = task
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
        (out / "data.yaml").write_text(text, encoding="utf-8")

    def read(
        self, path: Path, *, schema: LabelSchema | None = None, task: str | None = None
    ) -> Dataset:
        """Read data.yaml and every split's images and labels (sizes from image headers)."""
        path = Path(path)
        yaml_file = path if path.is_file() else path / "data.yaml"
        data = _load_yaml(yaml_file)
        names = _names(data, yaml_file.name)
        task = task or data.get("labelwright_task") or ("pose" if "kpt_shape" in data else None)
        if task is not None and task not in TASKS:
            raise FormatError(f"{yaml_file.name}: unknown task {task!r}")
        schema = schema or _built_schema(names, data, task or "detect", yaml_file.name)
        classes = _class_map(names, schema, yaml_file.name)
        reader = _LabelReader(yaml_file.parent, classes, task)
        folders = _split_folders(data, yaml_file)
        return Dataset(schema=schema, images=_YoloImages(reader, folders))


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
    for split in _SPLITS:
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


class _LabelReader:
    """Parses label files into annotation objects of one task."""

    def __init__(self, root: Path, classes: list[LabelClass], task: str | None) -> None:
        self.root = root
        self.classes = classes
        self.task = task

    def objects(self, file: Path, width: int, height: int) -> list[AnnotationObject]:
        """The objects of one label file (none when it does not exist)."""
        if not file.is_file():
            return []
        where = file.relative_to(self.root).as_posix() if file.is_relative_to(self.root) else file
        result = []
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                object_id = f"{file.stem}-{number}"
                result.append(self._object(line.split(), (where, number), object_id, width, height))
        return result

    def _object(
        self, tokens: list[str], at: tuple, object_id: str, width: int, height: int
    ) -> AnnotationObject:
        """One label line as an annotation object; `at` is (file, line) for errors."""
        where = "{}: line {}".format(*at)
        try:
            index = int(tokens[0])
            values = [float(t) for t in tokens[1:]]
        except ValueError:
            raise FormatError(f"{where}: expected a class number and numbers") from None
        if not 0 <= index < len(self.classes):
            raise FormatError(
                f"{where}: class {index} is not in names (0..{len(self.classes) - 1})"
            )
        try:
            shape = self._shape(values, width, height)
            return AnnotationObject(id=object_id, class_id=self.classes[index].id, shape=shape)
        except (ValueError, ValidationError) as error:
            raise FormatError(f"{where}: {error}") from None

    def _shape(self, values: list[float], width: int, height: int) -> Shape:
        """The shape of one line's numbers, following the task."""
        task = self.task or ("detect" if len(values) == 4 else "segment")
        if task in ("detect", "pose"):
            if (task == "detect" and len(values) != 4) or len(values) < 4:
                raise ValueError(f"a {task} line needs cx cy w h, got {len(values)} numbers")
            if task == "pose":
                return self._keypoints(values[4:], width, height)
            cx, cy, w, h = values
            return BBox(x=(cx - w / 2) * width, y=(cy - h / 2) * height, w=w * width, h=h * height)
        if len(values) % 2 or len(values) < 6:
            raise ValueError(f"a {task} line needs x y pairs, got {len(values)} numbers")
        points = [(values[i] * width, values[i + 1] * height) for i in range(0, len(values), 2)]
        if task == "segment":
            return Polygon(rings=[points])
        if len(points) != 4:
            raise ValueError(f"an obb line needs 4 corners, got {len(points)}")
        return _rotated_box(points)

    def _keypoints(self, values: list[float], width: int, height: int) -> Keypoints:
        """Pose numbers (x y v per node) as keypoints in pixels."""
        if len(values) % 3:
            raise ValueError("pose keypoints must be x y v triples")
        nodes = [values[i : i + 3] for i in range(0, len(values), 3)]
        return Keypoints(points=[(x * width, y * height, int(v)) for x, y, v in nodes])


def _rotated_box(corners: list[Point]) -> RotatedBox:
    """A rotated box from its four corners in drawing order."""
    (x0, y0), (x1, y1), (x2, y2), _ = corners
    cx = sum(p[0] for p in corners) / 4
    cy = sum(p[1] for p in corners) / 4
    angle = math.degrees(math.atan2(y1 - y0, x1 - x0))
    return RotatedBox(
        cx=cx, cy=cy, w=math.hypot(x1 - x0, y1 - y0), h=math.hypot(x2 - x1, y2 - y1), angle=angle
    )


class _YoloImages:
    """The images of a YOLO dataset, read one at a time as they are iterated."""

    def __init__(self, reader: _LabelReader, folders: list[tuple[str, Path]]) -> None:
        self.reader = reader
        self.folders = folders

    def __iter__(self) -> Iterator[DatasetImage]:
        for split, folder in self.folders:
            labels = _labels_folder(folder)
            for file in sorted(folder.rglob("*")):
                if file.suffix.lower() not in IMAGE_SUFFIXES or not file.is_file():
                    continue
                relative = PurePosixPath(file.relative_to(folder).as_posix())
                width, height = image_size(file)
                label_file = labels / label_path(relative)
                objects = self.reader.objects(label_file, width, height)
                yield DatasetImage(
                    file_name=str(relative),
                    width=width,
                    height=height,
                    annotation=Annotation(objects=objects),
                    path=file,
                    split=split,
                )


def _labels_folder(images: Path) -> Path:
    """The labels folder matching an images folder (Ultralytics: last `images` -> `labels`)."""
    parts = list(images.parts)
    for i in range(len(parts) - 1, -1, -1):
        if parts[i] == "images":
            parts[i] = "labels"
            return Path(*parts)
    return images
