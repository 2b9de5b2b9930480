"""Decoding the raw outputs of YOLO models exported to ONNX (Ultralytics v8/v11 layouts).

The first output is `(batch, channels, anchors)`: per anchor a centre box `cx, cy, w, h`
in network-input pixels, one score per class, then what the task adds:

| task      | channels            | extra per anchor                              |
|-----------|---------------------|-----------------------------------------------|
| `detect`  | `4 + nc`            | nothing                                       |
| `obb`     | `4 + nc + 1`        | the angle, in radians                         |
| `pose`    | `4 + nc + k * d`    | `k` keypoints of `x, y` (and a score if d = 3) |
| `segment` | `4 + nc + m`        | `m` mask coefficients; a second output holds  |
|           |                     | `(batch, m, h/4, w/4)` prototype masks        |

Everything here is pure NumPy over one image's output; no ONNX Runtime needed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from labelwright.models.nms import batched_nms, rotated_nms

TASKS = ("detect", "segment", "pose", "obb")


@dataclass
class Detections:
    """The objects kept after score filtering and NMS, in network-input coordinates."""

    boxes: np.ndarray
    """`(n, 4)` axis-aligned `x1, y1, x2, y2`."""
    scores: np.ndarray
    classes: np.ndarray
    rotated: np.ndarray | None = None
    """`(n, 5)` `cx, cy, w, h, angle_radians` for `obb`."""
    keypoints: np.ndarray | None = None
    """`(n, k, d)` keypoints for `pose` (`d` is 2 or 3)."""
    coefficients: np.ndarray | None = None
    """`(n, m)` mask coefficients for `segment`."""

    def __len__(self) -> int:
        return len(self.scores)


def anchors_first(output: np.ndarray, channels: int) -> np.ndarray:
    """One image's `(channels, anchors)` output as `(anchors, channels)` rows."""
    if output.ndim != 2:
        raise ValueError(f"expected a (channels, anchors) output, got shape {output.shape}")
    if output.shape[0] == channels:
        return output.T
    if output.shape[1] == channels:  # some exports put anchors first already
        return output
    raise ValueError(f"output shape {output.shape} has no axis of {channels} channels")


def infer_task(channels: int, class_count: int, has_prototypes: bool) -> str:
    """The task an output layout implies, when the model file does not say."""
    extra = channels - 4 - class_count
    if has_prototypes:
        return "segment"
    if extra == 0:
        return "detect"
    if extra == 1:
        return "obb"
    if extra > 1 and extra % 3 == 0:
        return "pose"
    raise ValueError(
        f"cannot tell the task from {channels} channels and {class_count} classes; "
        "set `task` (detect, segment, pose or obb)"
    )


def extra_channels(task: str, keypoint_shape: tuple[int, int], mask_channels: int) -> int:
    """How many channels after the class scores the task adds."""
    return {
        "detect": 0,
        "obb": 1,
        "pose": keypoint_shape[0] * keypoint_shape[1],
        "segment": mask_channels,
    }[task]


def xywh_to_xyxy(boxes: np.ndarray) -> np.ndarray:
    """Centre boxes to corner boxes."""
    half = boxes[:, 2:4] / 2.0
    return np.concatenate([boxes[:, :2] - half, boxes[:, :2] + half], axis=1)


def decode(
    output: np.ndarray,
    *,
    task: str,
    class_count: int,
    min_score: float,
    iou_threshold: float,
    max_detections: int,
    keypoint_shape: tuple[int, int] = (17, 3),
    mask_channels: int = 32,
    class_filter: np.ndarray | None = None,
) -> Detections:
    """Filter one image's output by score (best class per anchor), then NMS per class."""
    channels = 4 + class_count + extra_channels(task, keypoint_shape, mask_channels)
    rows = anchors_first(output, channels).astype(np.float64, copy=False)
    class_scores = rows[:, 4 : 4 + class_count]
    if class_filter is not None:
        class_scores = np.where(class_filter[None, :], class_scores, 0.0)
    classes = class_scores.argmax(axis=1)
    scores = class_scores[np.arange(len(rows)), classes]
    chosen = np.flatnonzero(scores >= min_score)
    rows, scores, classes = rows[chosen], scores[chosen], classes[chosen]
    extra = rows[:, 4 + class_count :]
    boxes = xywh_to_xyxy(rows[:, :4])
    if task == "obb":
        rotated = np.concatenate([rows[:, :4], extra[:, :1]], axis=1)
        keep = rotated_nms(rotated, scores, classes, iou_threshold)[:max_detections]
        return Detections(boxes[keep], scores[keep], classes[keep], rotated=rotated[keep])
    keep = batched_nms(boxes, scores, classes, iou_threshold)[:max_detections]
    found = Detections(boxes[keep], scores[keep], classes[keep])
    if task == "pose":
        found.keypoints = extra[keep].reshape(len(keep), *keypoint_shape)
    elif task == "segment":
        found.coefficients = extra[keep]
    return found


def sigmoid(values: np.ndarray) -> np.ndarray:
    """The logistic function, without overflow warnings for large negative inputs."""
    return 0.5 * (1.0 + np.tanh(0.5 * values))


def prototype_masks(coefficients: np.ndarray, prototypes: np.ndarray) -> np.ndarray:
    """`(n, h, w)` mask probabilities from `(n, m)` coefficients and `(m, h, w)` prototypes."""
    count, (channels, height, width) = len(coefficients), prototypes.shape
    flat = coefficients @ prototypes.reshape(channels, -1).astype(np.float64)
    return sigmoid(flat).reshape(count, height, width)
