"""Non-maximum suppression over axis-aligned and rotated boxes (NumPy and Shapely)."""

from __future__ import annotations

import numpy as np
import shapely


def box_iou_one_to_many(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """IoU of one `(x1, y1, x2, y2)` box with each row of an `(n, 4)` array."""
    width = np.clip(np.minimum(box[2], boxes[:, 2]) - np.maximum(box[0], boxes[:, 0]), 0, None)
    height = np.clip(np.minimum(box[3], boxes[:, 3]) - np.maximum(box[1], boxes[:, 1]), 0, None)
    inter = width * height
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    union = area + areas - inter
    return np.divide(inter, union, out=np.zeros_like(inter, dtype=np.float64), where=union > 0)


def nms(boxes: np.ndarray, scores: np.ndarray, iou_threshold: float) -> np.ndarray:
    """Indices of the boxes kept, best score first; a box overlapping a kept one is dropped."""
    order = np.argsort(-scores, kind="stable")
    keep = []
    while order.size:
        best = order[0]
        keep.append(best)
        rest = order[1:]
        order = rest[box_iou_one_to_many(boxes[best], boxes[rest]) <= iou_threshold]
    return np.asarray(keep, dtype=np.int64)


def batched_nms(
    boxes: np.ndarray, scores: np.ndarray, classes: np.ndarray, iou_threshold: float
) -> np.ndarray:
    """Class-wise NMS in one pass: boxes of different classes never suppress each other."""
    if not len(boxes):
        return np.zeros(0, dtype=np.int64)
    # Shift each class into its own region of the plane, far from every other class.
    span = float(boxes.max() - min(boxes.min(), 0.0)) + 1.0
    shifted = boxes + (classes.astype(np.float64) * span)[:, None]
    return nms(shifted, scores, iou_threshold)


def rotated_corners(rotated: np.ndarray) -> np.ndarray:
    """`(n, 4, 2)` corners of `(cx, cy, w, h, angle_radians)` rows, clockwise on screen."""
    cx, cy, w, h, angle = (rotated[:, i] for i in range(5))
    cos, sin = np.cos(angle), np.sin(angle)
    half = np.stack([(-w, -h), (w, -h), (w, h), (-w, h)]).transpose(2, 0, 1) / 2.0  # (n, 4, 2)
    xs = cx[:, None] + half[..., 0] * cos[:, None] - half[..., 1] * sin[:, None]
    ys = cy[:, None] + half[..., 0] * sin[:, None] + half[..., 1] * cos[:, None]
    return np.stack([xs, ys], axis=-1)


def rotated_nms(
    rotated: np.ndarray, scores: np.ndarray, classes: np.ndarray, iou_threshold: float
) -> np.ndarray:
    """Class-wise NMS over `(cx, cy, w, h, angle_radians)` rows, with exact polygon overlap."""
    polygons = shapely.polygons(rotated_corners(rotated))
    areas = shapely.area(polygons)
    order = np.argsort(-scores, kind="stable")
    keep = []
    while order.size:
        best = order[0]
        keep.append(best)
        rest = order[1:]
        same = classes[rest] == classes[best]
        inter = np.zeros(rest.size)
        inter[same] = shapely.area(shapely.intersection(polygons[best], polygons[rest[same]]))
        union = areas[best] + areas[rest] - inter
        iou = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
        order = rest[iou <= iou_threshold]
    return np.asarray(keep, dtype=np.int64)
