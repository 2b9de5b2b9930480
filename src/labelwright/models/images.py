"""The one check every model makes of the arrays it is given."""

from __future__ import annotations

from typing import Any

import numpy as np

from labelwright.models.protocol import ModelError


def image_problem(image: Any) -> str | None:
    """Why `image` is not an RGB uint8 `(height, width, 3)` array, or None when it is."""
    if not isinstance(image, np.ndarray) or image.ndim != 3 or image.shape[2] != 3:
        shape = getattr(image, "shape", type(image).__name__)
        return f"not an RGB (height, width, 3) array: {shape}"
    if image.dtype != np.uint8 or 0 in image.shape:
        return f"not a non-empty uint8 array: {image.dtype} {image.shape}"
    return None


def check_image(image: Any, where: str = "image") -> tuple[int, int]:
    """(width, height) of an RGB uint8 array; ModelError saying what `where` is instead."""
    problem = image_problem(image)
    if problem:
        raise ModelError(f"{where} is {problem}")
    return image.shape[1], image.shape[0]


def check_images(images: Any) -> None:
    """Check every image of a batch, naming the first bad one by its position."""
    for index, image in enumerate(images):
        check_image(image, f"image {index}")
