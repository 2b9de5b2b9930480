"""Axis-aligned boxes as numpy arrays: conversion and IoU matrices, batched over items."""

import numpy as np

from labelwright.domain.shapes import BBox


def boxes_xyxy(boxes: list[BBox]) -> np.ndarray:
    """An (n, 4) float array of `[x0, y0, x1, y1]` rows, one per box."""
    if not boxes:
        return np.zeros((0, 4))
    return np.array([(b.x, b.y, b.x + b.w, b.y + b.h) for b in boxes], dtype=float)


def iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of every box in `a` (n, 4) with every box in `b` (m, 4), both `[x0, y0, x1, y1]`."""
    return batch_iou(a[None], b[None])[0]


def batch_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU matrices (items, n, m) of boxes `a` (items, n, 4) against `b` (items, m, 4).

    Boxes of no area (padding rows of zeros included) have IoU 0 with everything.
    """
    ax0, ay0, ax1, ay1 = (a[..., k, None] for k in range(4))
    bx0, by0, bx1, by1 = (b[..., None, :, k] for k in range(4))
    iw = np.minimum(ax1, bx1) - np.maximum(ax0, bx0)
    ih = np.minimum(ay1, by1) - np.maximum(ay0, by0)
    inter = np.clip(iw, 0, None) * np.clip(ih, 0, None)
    area_a = np.clip(ax1 - ax0, 0, None) * np.clip(ay1 - ay0, 0, None)
    area_b = np.clip(bx1 - bx0, 0, None) * np.clip(by1 - by0, 0, None)
    union = area_a + area_b - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)
