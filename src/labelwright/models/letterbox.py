"""Letterboxing: fit an image into a fixed network input without distorting it, and back.

The arithmetic follows Ultralytics' `LetterBox` (scale to fit, pad evenly with grey 114),
so coordinates from models exported by it map back exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PAD_VALUE = 114


@dataclass(frozen=True)
class Letterbox:
    """How an image of `width` x `height` was scaled by `scale` and padded into the input."""

    width: int
    height: int
    scale: float
    pad_x: int
    pad_y: int
    new_width: int
    new_height: int

    @classmethod
    def fit(cls, width: int, height: int, input_width: int, input_height: int) -> Letterbox:
        """The letterbox that fits `width` x `height` into `input_width` x `input_height`."""
        scale = min(input_width / width, input_height / height)
        new_width, new_height = round(width * scale), round(height * scale)
        # Ultralytics rounds the half-padding with a -0.1 nudge; so must we, to match it.
        pad_x = round((input_width - new_width) / 2 - 0.1)
        pad_y = round((input_height - new_height) / 2 - 0.1)
        return cls(width, height, scale, pad_x, pad_y, new_width, new_height)

    def to_image(self, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Network-input coordinates to original image coordinates."""
        return (xs - self.pad_x) / self.scale, (ys - self.pad_y) / self.scale

    def boxes_to_image(self, boxes: np.ndarray) -> np.ndarray:
        """`(n, 4)` input-space `(x1, y1, x2, y2)` boxes to image space, clipped to the image."""
        x1, y1 = self.to_image(boxes[:, 0], boxes[:, 1])
        x2, y2 = self.to_image(boxes[:, 2], boxes[:, 3])
        out = np.stack([x1, y1, x2, y2], axis=1)
        out[:, [0, 2]] = np.clip(out[:, [0, 2]], 0, self.width)
        out[:, [1, 3]] = np.clip(out[:, [1, 3]], 0, self.height)
        return out


def letterbox_image(
    image: np.ndarray, input_width: int, input_height: int
) -> tuple[np.ndarray, Letterbox]:
    """The image scaled and padded to the input size (uint8 HWC) and the letterbox used."""
    import cv2

    height, width = image.shape[:2]
    box = Letterbox.fit(width, height, input_width, input_height)
    canvas = np.full((input_height, input_width, 3), PAD_VALUE, dtype=np.uint8)
    if (box.new_width, box.new_height) == (width, height):
        resized = image
    else:
        resized = cv2.resize(image, (box.new_width, box.new_height), interpolation=cv2.INTER_LINEAR)
    canvas[box.pad_y : box.pad_y + box.new_height, box.pad_x : box.pad_x + box.new_width] = resized
    return canvas, box


def to_nchw_float(images: list[np.ndarray]) -> np.ndarray:
    """Stack uint8 HWC RGB images into a float32 NCHW tensor scaled to 0..1."""
    batch = np.stack(images).astype(np.float32) / 255.0
    return np.ascontiguousarray(batch.transpose(0, 3, 1, 2))
