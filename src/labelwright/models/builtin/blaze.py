"""Running MediaPipe's BlazeFace / BlazePose SSD detectors: anchors, letterbox, decoding, NMS.

This mirrors MediaPipe's calculators (SsdAnchors, ImageToTensor with a letterbox,
TensorsToDetections, weighted non-maximum suppression), so the shipped .tflite files can run
on LiteRT without the mediapipe library, whose protobuf and numpy pins clash with ours.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SsdConfig:
    """The anchor and decoding options of one detector, as in its MediaPipe graph."""

    input_size: int
    strides: tuple[int, ...]
    anchors_per_layer: int
    """Anchors per cell per layer: one per aspect ratio, plus one for the interpolated scale."""
    keypoints: int
    min_score: float
    nms_iou: float = 0.3
    input_range: tuple[float, float] = (-1.0, 1.0)


def ssd_anchors(config: SsdConfig) -> np.ndarray:
    """Anchor centres (n, 2) in [0, 1], in the model's output order (fixed anchor size 1)."""
    centres = []
    layer = 0
    while layer < len(config.strides):
        stride = config.strides[layer]
        same = 0  # consecutive layers with one stride share one grid
        while layer < len(config.strides) and config.strides[layer] == stride:
            same += 1
            layer += 1
        cells = math.ceil(config.input_size / stride)
        ys, xs = np.meshgrid(np.arange(cells), np.arange(cells), indexing="ij")
        grid = np.stack([(xs + 0.5) / cells, (ys + 0.5) / cells], axis=-1).reshape(-1, 1, 2)
        centres.append(np.repeat(grid, same * config.anchors_per_layer, axis=1).reshape(-1, 2))
    return np.concatenate(centres).astype(np.float32)


@dataclass(frozen=True)
class Letterbox:
    """How an image was fitted, aspect kept, into the model's square input."""

    scale: float
    """Input pixels per image pixel."""
    pad_x: float
    pad_y: float


def letterboxed(image: np.ndarray, config: SsdConfig) -> tuple[np.ndarray, Letterbox]:
    """The image resized into the square input, centred, padded with zeros, in input range."""
    import cv2

    height, width = image.shape[:2]
    size = config.input_size
    scale = size / max(height, width)
    new_w, new_h = max(1, round(width * scale)), max(1, round(height * scale))
    low, high = config.input_range
    resized = cv2.resize(image, (new_w, new_h), interpolation=cv2.INTER_AREA).astype(np.float32)
    tensor = np.zeros((size, size, 3), dtype=np.float32)
    pad_x, pad_y = (size - new_w) // 2, (size - new_h) // 2
    tensor[pad_y : pad_y + new_h, pad_x : pad_x + new_w] = resized / 255.0 * (high - low) + low
    return tensor[None], Letterbox(scale=new_w / width, pad_x=pad_x, pad_y=pad_y)


@dataclass
class Detection:
    """One decoded detection in image pixels: box (x0, y0, x1, y1), keypoints (k, 2), score."""

    box: np.ndarray
    keypoints: np.ndarray
    score: float


def decode(
    regressors: np.ndarray,
    scores: np.ndarray,
    anchors: np.ndarray,
    config: SsdConfig,
    fit: Letterbox,
) -> list[Detection]:
    """Turn raw outputs (n, coords) and (n, 1) into scored detections in image pixels."""
    raw = np.clip(scores.reshape(-1).astype(np.float64), -100.0, 100.0)
    probability = 1.0 / (1.0 + np.exp(-raw))
    chosen = np.flatnonzero(probability >= config.min_score)
    size = config.input_size
    # Offsets are in input pixels relative to the anchor centre (anchor size is 1).
    values = regressors[chosen] / size
    centre = anchors[chosen]
    cx, cy = values[:, 0] + centre[:, 0], values[:, 1] + centre[:, 1]
    half_w, half_h = values[:, 2] / 2, values[:, 3] / 2
    boxes = np.stack([cx - half_w, cy - half_h, cx + half_w, cy + half_h], axis=1)
    points = (
        values[:, 4 : 4 + 2 * config.keypoints].reshape(len(chosen), config.keypoints, 2)
        + centre[:, None]
    )
    to_image = np.array([fit.pad_x, fit.pad_y], dtype=np.float32)

    def unfit(xy: np.ndarray) -> np.ndarray:
        """Input-relative coordinates back to image pixels (undo scale and padding)."""
        return (xy * size - to_image) / fit.scale

    return [
        Detection(
            box=unfit(boxes[i].reshape(2, 2)).reshape(4),
            keypoints=unfit(points[i]),
            score=float(probability[chosen[i]]),
        )
        for i in range(len(chosen))
    ]


def _iou(box: np.ndarray, others: np.ndarray) -> np.ndarray:
    """IoU of one (x0, y0, x1, y1) box with each of (n, 4) boxes."""
    x0 = np.maximum(box[0], others[:, 0])
    y0 = np.maximum(box[1], others[:, 1])
    x1 = np.minimum(box[2], others[:, 2])
    y1 = np.minimum(box[3], others[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (others[:, 2] - others[:, 0]) * (others[:, 3] - others[:, 1])
    union = area + areas - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0)


def weighted_nms(detections: list[Detection], iou_limit: float) -> list[Detection]:
    """MediaPipe's weighted NMS: each cluster becomes the score-weighted mean of its members."""
    remaining = sorted(detections, key=lambda d: d.score, reverse=True)
    merged = []
    while remaining:
        boxes = np.stack([d.box for d in remaining])
        cluster = _iou(remaining[0].box, boxes) > iou_limit
        cluster[0] = True
        members = [d for d, inside in zip(remaining, cluster, strict=True) if inside]
        weights = np.array([d.score for d in members])[:, None]
        total = float(weights.sum())
        merged.append(
            Detection(
                box=(np.stack([d.box for d in members]) * weights).sum(axis=0) / total,
                keypoints=(np.stack([d.keypoints for d in members]) * weights[:, :, None]).sum(
                    axis=0
                )
                / total,
                score=remaining[0].score,
            )
        )
        remaining = [d for d, inside in zip(remaining, cluster, strict=True) if not inside]
    return merged
