"""Decoding COCO RLE without pycocotools, so the tests check the encoding independently."""

from __future__ import annotations

import numpy as np

from labelwright.domain.rle import decode_rle_counts
from labelwright.domain.shapes import Rle


def decode(rle: Rle) -> np.ndarray:
    """The boolean (height, width) mask of a compressed RLE (runs alternate 0, 1, ...)."""
    height, width = rle.size
    runs = decode_rle_counts(rle.counts)
    flat = np.repeat(np.arange(len(runs)) % 2 == 1, runs)
    return flat.reshape(width, height).T  # COCO runs go down the columns
