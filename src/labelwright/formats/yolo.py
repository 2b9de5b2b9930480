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

import os
from pathlib import Path, PurePosixPath
from typing import Any

import shapely
import yaml

from labelwright.domain.geometry import bbox_of, ellipse_outline, rings_of, rotated_box_corners
from labelwright.domain.schema import LabelSchema
from labelwright.domain.shapes import (
    AnnotationObject,
    BBox,
    Ellipse,
    Keypoints,
    Point,
    Polygon,
    RotatedBox,
    Shape,
)
from labelwright.formats._yolo_read import (
    SPLITS,
    LabelReader,
    YoloImages,
    _built_schema,
    _class_map,
    _load_yaml,
    _names,
    _split_folders,
)
from labelwright.formats._yolo_read import image_size as image_size
from labelwright.formats.dataset import Dataset, DatasetImage, FormatError, Manifest
from labelwright.formats.filters import ExportFiles, Tally, safe_relative

TASKS = ("detect", "segment", "pose", "obb")
_AREA_KINDS = {"bbox", "rotated_box", "polygon", "ellipse", "mask"}
_SIX = "{:.6f}".format
_BOX_LINE = "%d %.6f %.6f %.6f %.6f"


def _numbers(values: list[float]) -> str:
    """Numbers as YOLO writes them: fixed 6 decimals."""
    return " ".join(map(_SIX, values))


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


def _box_of(shape: Shape) -> tuple[float, float, float, float]:
    """(x, y, w, h) of an area shape; a box or a one-ring polygon without the general path."""
    if isinstance(shape, BBox):
        return shape.x, shape.y, shape.w, shape.h
    if isinstance(shape, Polygon) and len(shape.rings) == 1 and shape.rings[0]:
        xs = [p[0] for p in shape.rings[0]]
        ys = [p[1] for p in shape.rings[0]]
        left, top = min(xs), min(ys)
        return left, top, max(xs) - left, max(ys) - top
    return bbox_of(shape)


def object_line(
    obj: AnnotationObject, index: int, task: str, width: int, height: int
) -> str | None:
    """One object as a label line for `task`, or None when the task cannot carry it."""
    shape = obj.shape
    if task == "detect" and shape.kind in _AREA_KINDS:
        x, y, w, h = _box_of(shape)
        return _BOX_LINE % (index, (x + w / 2) / width, (y + h / 2) / height, w / width, h / height)
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


class _LabelWriter:
    """Writes label files and places images (through `files`, see ExportFiles)."""

    def __init__(
        self, out: Path, task: str, index: dict[str, int], copy_images: bool, files: ExportFiles
    ) -> None:
        self.out, self.task, self.index, self.copy_images = out, task, index, copy_images
        self.files = files

    def write(self, image: DatasetImage, split: str) -> list[str]:
        """Write one image's label file (and place the image); return the written class ids."""
        relative = safe_relative(image.file_name, f"images/{split}")
        lines, written = [], []
        for obj in image.annotation.objects:
            index = self.index.get(obj.class_id)
            if index is None:
                raise FormatError(
                    f"{image.file_name}: object {obj.id!r}: class {obj.class_id!r} unknown"
                )
            line = object_line(obj, index, self.task, image.width, image.height)
            if line is not None:
                lines.append(line)
                written.append(obj.class_id)
        target = os.path.join(self.out, "labels", split, label_path(relative))
        self.files.write(target, "".join(line + "\n" for line in lines).encode())
        if self.copy_images and image.path is not None:
            self.files.place(image.path, self.out / "images" / split / relative)
        return written


class YoloFormat:
    """Ultralytics YOLO folders (detect, segment, pose or obb)."""

    name = "yolo"
    skips_images = True  # its image stream passes images over unread (see YoloStream)

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
        with ExportFiles() as files:
            writer = _LabelWriter(out, task, index, copy_images, files)
            for image in dataset:
                split = image.split or "train"
                tally.add(image, writer.write(image, split), split=split)
        self._write_yaml(out, schema, set(tally.manifest.per_split), task, extra)
        return tally.finish(out)

    def _write_yaml(
        self, out: Path, schema: LabelSchema, splits: set[str], task: str, extra: dict
    ) -> None:
        """data.yaml as Ultralytics reads it (plus the task, which YOLO files cannot show)."""
        data: dict[str, Any] = {"path": str(out.resolve())}
        for split in SPLITS:
            if split in splits:
                data[split] = f"images/{split}"
        present = [data[s] for s in SPLITS if s in data] or ["images/train"]
        data.setdefault("train", present[0])  # Ultralytics needs train and val to exist
        data.setdefault("val", data["train"])
        data = {"path": data["path"], **{s: data[s] for s in SPLITS if s in data}}
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
        reader = LabelReader(yaml_file.parent, classes, task)
        folders = _split_folders(data, yaml_file)
        return Dataset(schema=schema, images=YoloImages(reader, folders))
