"""Backgrounds behind the objects: a solid colour, smooth noise, or a random photo crop."""

from __future__ import annotations

import cv2
import numpy as np

from labelwright.synth.assets import image_array
from labelwright.synth.recipe import BackgroundSpec

NOISE_OCTAVES = (4, 8, 16, 32)  # cells across the short side, coarse to fine
GRAIN = 5  # +-levels of per-pixel noise, so no background is perfectly smooth


def pick_colour(rng: np.random.Generator, choices: list[str] | None) -> np.ndarray:
    """One of the given #rrggbb colours, or a random fairly saturated one (RGB in 0..1)."""
    if choices:
        return hex_to_rgb(choices[int(rng.integers(len(choices)))])
    hue, saturation, value = rng.random(), rng.uniform(0.3, 1.0), rng.uniform(0.3, 1.0)
    return _hsv_to_rgb(hue, saturation, value)


def hex_to_rgb(colour: str) -> np.ndarray:
    """A #rrggbb string as RGB floats in 0..1."""
    return np.array([int(colour[i : i + 2], 16) / 255.0 for i in (1, 3, 5)])


def _hsv_to_rgb(h: float, s: float, v: float) -> np.ndarray:
    i = int(h * 6) % 6
    f = h * 6 - int(h * 6)
    p, q, t = v * (1 - s), v * (1 - f * s), v * (1 - (1 - f) * s)
    return np.array([(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)][i])


def make_background(
    spec: BackgroundSpec, rng: np.random.Generator, width: int, height: int
) -> np.ndarray:
    """An (height, width, 3) uint8 background drawn from `spec` with `rng`."""
    if spec.kind == "solid":
        colour = pick_colour(rng, spec.colors)
        return np.broadcast_to(_to_bytes(colour), (height, width, 3)).copy()
    if spec.kind == "noise":
        return _noise(spec, rng, width, height)
    return _photo_crop(spec, rng, width, height)


def _to_bytes(rgb: np.ndarray) -> np.ndarray:
    return np.clip(np.round(rgb * 255), 0, 255).astype(np.uint8)


def _noise(spec: BackgroundSpec, rng: np.random.Generator, width: int, height: int) -> np.ndarray:
    """Value noise over several octaves, blended between two colours, with a little grain.

    The smooth part is built at a quarter of the size and scaled up once: it has no
    detail finer than that, and full-size octaves would cost more than rendering.
    """
    low, high = pick_colour(rng, spec.colors), pick_colour(rng, spec.colors)
    small_w, small_h = max(8, width // 4), max(8, height // 4)
    total = np.zeros((small_h, small_w), np.float32)
    weight_sum = 0.0
    short = min(width, height)
    for octave, cells in enumerate(NOISE_OCTAVES):
        grid = rng.random((max(2, cells * height // short), max(2, cells * width // short)))
        grid = grid.astype(np.float32)
        smooth = cv2.resize(grid, (small_w, small_h), interpolation=cv2.INTER_CUBIC)
        total += 0.5**octave * smooth
        weight_sum += 0.5**octave
    level = np.clip(total / weight_sum, 0.0, 1.0)[..., None]
    small = _to_bytes(low[None, None, :] * (1 - level) + high[None, None, :] * level)
    image = cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)
    grain = rng.integers(0, 2 * GRAIN + 1, (height, width), dtype=np.uint8)
    return cv2.subtract(cv2.add(image, cv2.merge([grain, grain, grain])), GRAIN)


def _photo_crop(
    spec: BackgroundSpec, rng: np.random.Generator, width: int, height: int
) -> np.ndarray:
    """A random crop of a random image, scaled to cover the frame, maybe mirrored."""
    files = spec.files or []
    path = files[int(rng.integers(len(files)))]
    photo = image_array(str(path), max_side=max(2048, width, height))
    zoom = rng.uniform(1.0, 1.5) * max(width / photo.shape[1], height / photo.shape[0])
    scaled_w = max(width, int(np.ceil(photo.shape[1] * zoom)))
    scaled_h = max(height, int(np.ceil(photo.shape[0] * zoom)))
    x0 = int(rng.integers(scaled_w - width + 1))
    y0 = int(rng.integers(scaled_h - height + 1))
    mirror = bool(rng.integers(2))
    # Scale only the part that is kept: crop in source pixels first, then resize.
    sx, sy = photo.shape[1] / scaled_w, photo.shape[0] / scaled_h
    left, top = int(x0 * sx), int(y0 * sy)
    right = min(photo.shape[1], max(left + 1, int(np.ceil((x0 + width) * sx))))
    bottom = min(photo.shape[0], max(top + 1, int(np.ceil((y0 + height) * sy))))
    crop = cv2.resize(photo[top:bottom, left:right], (width, height), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(crop[:, ::-1]) if mirror else crop
