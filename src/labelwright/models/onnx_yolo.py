"""A user's YOLO model exported to ONNX (Ultralytics v8/v11): detect, segment, pose, obb.

Settings: `path` of the `.onnx` file; `labels` (class names, when the file's metadata has
no `names`); `task` (when the metadata has none and the layout is ambiguous); `iou`
(NMS threshold); `max_detections`; `keypoint_names` (pose; COCO's 17 by default);
`mask_shape` (`mask` or `polygon`, for segment models).
"""

from __future__ import annotations

import ast
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from labelwright.domain.shapes import BBox, Keypoints, RotatedBox, Shape
from labelwright.models.images import check_images
from labelwright.models.letterbox import Letterbox, letterbox_image, to_nchw_float
from labelwright.models.masks import mask_polygon, mask_to_rle
from labelwright.models.onnx_session import checked_path, open_session, run_session
from labelwright.models.protocol import Image, ModelError, ModelSpec, Prediction, PredictOptions
from labelwright.models.specs import YOLO_ONNX
from labelwright.models.yolo_decode import TASKS, Detections, decode, infer_task, prototype_masks

COCO_KEYPOINTS = (
    "nose", "left_eye", "right_eye", "left_ear", "right_ear",
    "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
    "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
)  # fmt: skip
"""Node names of the 17-point COCO person skeleton, the default for pose models."""

KEYPOINT_VISIBLE = 0.5
"""A keypoint scoring at least this is visible (v=2); below it, not labeled (v=0)."""

DEFAULT_INPUT_SIZE = 640
_TASK_KINDS = {"detect": "bbox", "obb": "rotated_box", "pose": "keypoints", "segment": "mask"}


@dataclass(frozen=True)
class YoloLayout:
    """What a YOLO ONNX file takes and gives, read from its inputs, outputs and metadata."""

    task: str
    labels: tuple[str, ...]
    input_name: str
    input_width: int
    input_height: int
    fixed_batch: bool
    keypoint_shape: tuple[int, int] = (17, 3)
    mask_channels: int = 0


def _literal(metadata: dict[str, str], key: str, path: Path) -> Any:
    """A Python-literal metadata value (Ultralytics writes dicts and lists as repr text)."""
    if key not in metadata:
        return None
    try:
        return ast.literal_eval(metadata[key])
    except (ValueError, SyntaxError):
        raise ModelError(f"{path}: metadata {key!r} is not readable: {metadata[key]!r}") from None


def _label_names(metadata: dict[str, str], labels: Sequence[str] | None, path: Path) -> list[str]:
    """Class names: the `labels` setting, else the file's `names` metadata (dict or list)."""
    if labels is not None:
        if isinstance(labels, str) or not all(isinstance(n, str) and n for n in labels):
            raise ModelError(f"setting 'labels' must be a list of class names, got {labels!r}")
        return list(labels)
    names = _literal(metadata, "names", path)
    if isinstance(names, dict) and sorted(names) == list(range(len(names))):
        return [str(names[i]) for i in range(len(names))]
    if isinstance(names, list | tuple):
        return [str(n) for n in names]
    raise ModelError(f"{path} has no usable 'names' metadata; give the class names as `labels`")


def _input_size(shape: Sequence[Any], metadata: dict[str, str], path: Path) -> tuple[int, int]:
    """(width, height) of the network input: static dims, else metadata `imgsz`, else 640."""
    if len(shape) != 4:
        raise ModelError(f"{path}: input has shape {shape}; expected (batch, 3, height, width)")
    height, width = shape[2], shape[3]
    if isinstance(height, int) and isinstance(width, int) and height > 0 and width > 0:
        return width, height
    size = _literal(metadata, "imgsz", path)
    if isinstance(size, list | tuple) and len(size) == 2:
        return int(size[1]), int(size[0])
    if isinstance(size, int):
        return size, size
    return DEFAULT_INPUT_SIZE, DEFAULT_INPUT_SIZE


def _channel_count(shape: Sequence[Any], class_count: int, path: Path) -> int:
    """Channels per anchor: axis 1 in the standard `(1, channels, anchors)`, else axis 2."""
    for size in shape[1:]:
        if isinstance(size, int) and size >= 4 + class_count:
            return size
    raise ModelError(
        f"{path}: first output {list(shape)} has no axis of 4 box values plus "
        f"{class_count} class scores"
    )


def read_layout(
    session: Any, path: Path, *, labels: Sequence[str] | None, task: str | None
) -> YoloLayout:
    """The layout of a loaded YOLO session; ModelError when it is not one we can decode."""
    metadata = dict(session.get_modelmeta().custom_metadata_map)
    names = _label_names(metadata, labels, path)
    model_input, outputs = session.get_inputs()[0], session.get_outputs()
    width, height = _input_size(model_input.shape, metadata, path)
    first = outputs[0].shape
    if len(first) != 3:
        raise ModelError(f"{path}: first output has shape {first}; expected (1, channels, N)")
    channels = _channel_count(first, len(names), path)
    prototypes = outputs[1].shape if len(outputs) > 1 and len(outputs[1].shape) == 4 else None
    task = task or metadata.get("task") or infer_task(channels, len(names), prototypes is not None)
    if task not in TASKS:
        raise ModelError(f"{path}: task {task!r} is not one of {', '.join(TASKS)}")
    if task == "segment" and prototypes is None:
        raise ModelError(f"{path}: a segment model needs a second (1, 32, h, w) prototype output")
    keypoint_shape = _literal(metadata, "kpt_shape", path)
    if task == "pose" and not keypoint_shape:
        extra = channels - 4 - len(names)
        keypoint_shape = [extra // 3, 3]
    return YoloLayout(
        task=task,
        labels=tuple(names),
        input_name=model_input.name,
        input_width=width,
        input_height=height,
        fixed_batch=model_input.shape[0] == 1,
        keypoint_shape=tuple(keypoint_shape or (17, 3)),  # type: ignore[arg-type]
        mask_channels=int(prototypes[1]) if prototypes else 0,
    )


class OnnxYolo:
    """A YOLO `.onnx` file as a batch model; the spec's labels come from the file."""

    def __init__(
        self,
        path: str | Path,
        *,
        labels: Sequence[str] | None = None,
        task: str | None = None,
        iou: float = 0.45,
        max_detections: int = 300,
        keypoint_names: Sequence[str] | None = None,
        mask_shape: str = "mask",
        threads: int | None = None,
    ) -> None:
        self.path = checked_path(path, "path")
        if not 0 < iou <= 1:
            raise ModelError(f"setting 'iou' must be in (0, 1], got {iou!r}")
        if mask_shape not in ("mask", "polygon"):
            raise ModelError(
                f"setting 'mask_shape' must be 'mask' or 'polygon', got {mask_shape!r}"
            )
        self.iou, self.max_detections, self.mask_shape = iou, int(max_detections), mask_shape
        self.session = open_session(self.path, threads=threads)
        self.layout = read_layout(self.session, self.path, labels=labels, task=task)
        self.keypoint_names = self._keypoint_names(keypoint_names)
        self.spec = self._spec()

    def _keypoint_names(self, names: Sequence[str] | None) -> tuple[str, ...]:
        """Node names for pose output: the setting, else COCO's for 17 points, else numbers."""
        if self.layout.task != "pose":
            return ()
        count = self.layout.keypoint_shape[0]
        if names is not None:
            if len(names) != count:
                raise ModelError(
                    f"setting 'keypoint_names' has {len(names)} names; {self.path} has {count}"
                )
            return tuple(names)
        return COCO_KEYPOINTS if count == len(COCO_KEYPOINTS) else tuple(map(str, range(count)))

    def _spec(self) -> ModelSpec:
        """The spec of this file: its labels and the one shape kind its task emits."""
        kind = _TASK_KINDS[self.layout.task]
        if kind == "mask" and self.mask_shape == "polygon":
            kind = "polygon"
        return ModelSpec(
            name=YOLO_ONNX.name,
            description=f"YOLO {self.layout.task} model {self.path.name}",
            labels=self.layout.labels,
            kinds=(kind,),
            skeleton=self.keypoint_names,
            requires=YOLO_ONNX.requires,
            extra=YOLO_ONNX.extra,
        )

    def predict(self, images: Sequence[Image], options: PredictOptions) -> list[list[Prediction]]:
        """Predict objects on each image (one session run per image for fixed-batch files)."""
        check_images(images)
        step = 1 if self.layout.fixed_batch else max(len(images), 1)
        results: list[list[Prediction]] = []
        for start in range(0, len(images), step):
            results.extend(self._predict_batch(images[start : start + step], options))
        return results

    def _predict_batch(
        self, images: Sequence[Image], options: PredictOptions
    ) -> list[list[Prediction]]:
        """Letterbox, run once, and decode each image of the batch."""
        layout = self.layout
        boxed = [letterbox_image(im, layout.input_width, layout.input_height) for im in images]
        tensor = to_nchw_float([canvas for canvas, _ in boxed])
        outputs = run_session(self.session, {layout.input_name: tensor}, str(self.path))
        class_filter = None
        if options.labels is not None:
            class_filter = np.array([name in options.labels for name in layout.labels])
        results = []
        for index, (_, letterbox) in enumerate(boxed):
            found = decode(
                outputs[0][index],
                task=layout.task,
                class_count=len(layout.labels),
                min_score=options.min_score,
                iou_threshold=self.iou,
                max_detections=self.max_detections,
                keypoint_shape=layout.keypoint_shape,
                mask_channels=layout.mask_channels,
                class_filter=class_filter,
            )
            prototypes = outputs[1][index] if layout.task == "segment" else None
            results.append(self._predictions(found, letterbox, prototypes))
        return results

    def _predictions(
        self, found: Detections, letterbox: Letterbox, prototypes: np.ndarray | None
    ) -> list[Prediction]:
        """Detections in input space as predictions in image space."""
        shapes = self._shapes(found, letterbox, prototypes)
        return [
            Prediction(label=self.layout.labels[int(c)], shape=shape, score=float(s))
            for shape, c, s in zip(shapes, found.classes, found.scores, strict=True)
            if shape is not None
        ]

    def _shapes(
        self, found: Detections, letterbox: Letterbox, prototypes: np.ndarray | None
    ) -> list[Shape | None]:
        """One shape per detection, for this model's task."""
        boxes = letterbox.boxes_to_image(found.boxes)
        if found.rotated is not None:
            return rotated_shapes(found.rotated, letterbox)
        if found.keypoints is not None:
            return keypoint_shapes(found.keypoints, letterbox)
        if found.coefficients is not None and prototypes is not None:
            masks = instance_masks(found.coefficients, prototypes, boxes, letterbox)
            if self.mask_shape == "polygon":
                return [mask_polygon(mask) for mask in masks]
            return [mask_to_rle(mask) if mask.any() else None for mask in masks]
        return [BBox(x=x1, y=y1, w=x2 - x1, h=y2 - y1) for x1, y1, x2, y2 in boxes.tolist()]


def rotated_shapes(rotated: np.ndarray, letterbox: Letterbox) -> list[Shape | None]:
    """Input-space `(cx, cy, w, h, radians)` rows as image-space rotated boxes."""
    cxs, cys = letterbox.to_image(rotated[:, 0], rotated[:, 1])
    sizes = rotated[:, 2:4] / letterbox.scale
    return [
        RotatedBox(cx=float(cx), cy=float(cy), w=float(w), h=float(h), angle=math.degrees(a))
        for cx, cy, (w, h), a in zip(cxs, cys, sizes, rotated[:, 4], strict=True)
    ]


def keypoint_shapes(keypoints: np.ndarray, letterbox: Letterbox) -> list[Shape | None]:
    """Input-space `(n, k, 2|3)` keypoints as image-space keypoint shapes, clipped to it."""
    xs, ys = letterbox.to_image(keypoints[..., 0], keypoints[..., 1])
    xs, ys = np.clip(xs, 0, letterbox.width), np.clip(ys, 0, letterbox.height)
    if keypoints.shape[2] > 2:
        visible = np.where(keypoints[..., 2] >= KEYPOINT_VISIBLE, 2, 0)
    else:
        visible = np.full(xs.shape, 2)
    return [
        Keypoints(points=[(float(x), float(y), int(v)) for x, y, v in zip(*row, strict=True)])
        for row in zip(xs, ys, visible, strict=True)
    ]


def instance_masks(
    coefficients: np.ndarray, prototypes: np.ndarray, boxes: np.ndarray, letterbox: Letterbox
) -> list[np.ndarray]:
    """Full-image boolean masks, each limited to its (image-space) box."""
    import cv2

    probabilities = prototype_masks(coefficients, prototypes)
    _, proto_height, proto_width = prototypes.shape
    # The part of the prototype grid that covers the image, not the letterbox padding.
    fx = proto_width / (2 * letterbox.pad_x + letterbox.new_width)
    fy = proto_height / (2 * letterbox.pad_y + letterbox.new_height)
    left, top = letterbox.pad_x * fx, letterbox.pad_y * fy
    right, bottom = left + letterbox.new_width * fx, top + letterbox.new_height * fy
    # Affine map from image pixels to prototype cells, so no sub-cell rounding is lost.
    scale_x, scale_y = (right - left) / letterbox.width, (bottom - top) / letterbox.height
    masks = []
    for probability, (x1, y1, x2, y2) in zip(probabilities, boxes, strict=True):
        x0, y0 = int(x1), int(y1)
        width, height = math.ceil(x2) - x0, math.ceil(y2) - y0
        mask = np.zeros((letterbox.height, letterbox.width), dtype=bool)
        if width > 0 and height > 0:
            # Only the box is resampled: pixel (x0 + i) maps to its cell centre.
            warp = np.array(
                [
                    [scale_x, 0, left + (x0 + 0.5) * scale_x - 0.5],
                    [0, scale_y, top + (y0 + 0.5) * scale_y - 0.5],
                ]
            )
            inside = cv2.warpAffine(
                probability.astype(np.float32),
                warp,
                (width, height),
                flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                borderMode=cv2.BORDER_REPLICATE,
            )
            mask[y0 : y0 + height, x0 : x0 + width] = inside > 0.5
        masks.append(mask)
    return masks
