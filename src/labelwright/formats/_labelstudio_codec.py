"""Label Studio's result vocabulary and brush RLE, shared by the reader and writer."""

from __future__ import annotations

import math
from itertools import pairwise
from typing import Any

import numpy as np

from labelwright.formats._common import check_size
from labelwright.formats.dataset import FormatError

CLASS_TAGS = "class"
"""`from_name` of the choices that carry object-class tags."""


FROM_NAMES = {
    "rectanglelabels": "label",
    "polygonlabels": "polygon",
    "keypointlabels": "keypoint",
    "brushlabels": "brush",
    "ellipselabels": "ellipse",
}
_RLE_SIZES = (3, 4, 8, 16)
_MAX_RUN = 2 ** _RLE_SIZES[-1]


def encode_brush(pixels: np.ndarray) -> list[int]:
    """Label Studio's brush RLE of a boolean mask (RGBA, every channel 255 on the mask)."""
    flat = pixels.ravel()
    bounds = np.concatenate([[0], np.flatnonzero(np.diff(flat.astype(np.int8))) + 1, [flat.size]])
    bits = [f"{flat.size * 4:032b}", f"{8 - 1:05b}", *(f"{s - 1:04b}" for s in _RLE_SIZES)]
    for start, end in pairwise(bounds.tolist()):
        value, left = (255 if flat[start] else 0), int(end - start) * 4
        while left > 0:
            run = min(left, _MAX_RUN)
            size = next(i for i, s in enumerate(_RLE_SIZES) if run - 1 < 2**s)
            bits.append(f"1{size:02b}{run - 1:0{_RLE_SIZES[size]}b}{value:08b}")
            left -= run
    text = "".join(bits)
    text += "0" * (-len(text) % 8)
    return list(int(text, 2).to_bytes(len(text) // 8, "big"))


def decode_brush(rle: Any, height: int, width: int, where: str) -> np.ndarray:
    """A boolean (height, width) mask from Label Studio's brush RLE (alpha over 127)."""
    check_size(width, height, where, for_mask=True)
    if not isinstance(rle, list) or not all(isinstance(b, int) and 0 <= b < 256 for b in rle):
        raise FormatError(f"{where}: value.rle is not a list of bytes")
    bits = "".join(f"{b:08b}" for b in rle)
    position = 0

    def read(count: int) -> int:
        nonlocal position
        if position + count > len(bits):
            raise FormatError(f"{where}: value.rle ends early")
        position += count
        return int(bits[position - count : position], 2) if count else 0

    total = read(32)
    if total != height * width * 4:
        raise FormatError(f"{where}: value.rle holds {total} values, not {height}x{width}x4")
    word = read(5) + 1
    sizes = [read(4) + 1 for _ in range(4)]
    values: list[int] = []
    lengths: list[int] = []
    done = 0
    while done < total:
        repeated = read(1)
        run = 1 + read(sizes[read(2)])
        if repeated:
            values.append(read(word))
            lengths.append(run)
        else:
            values += [read(word) for _ in range(run)]
            lengths += [1] * run
        done += run
    if done != total:
        raise FormatError(f"{where}: value.rle runs past the image")
    channels = np.repeat(np.asarray(values, dtype=np.int64), lengths).reshape(height, width, 4)
    return channels[:, :, 3] > 127


def is_finite(value: Any) -> bool:
    """Whether `value` is a real finite number (not a bool)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
