"""Feeding images to a batch model: decoding files to RGB arrays, and predicting in batches.

Pure helpers for the jobs that pre-label a project and for a user's own scripts: no store,
no progress bar, just arrays in and predictions out.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image as PILImage

from labelwright.media.probe import FORMATS, apply_orientation, sniff_format, to_rgb
from labelwright.models.images import image_problem
from labelwright.models.protocol import Image, Model, ModelError, Prediction, PredictOptions

EXIF_ORIENTATION = 0x0112
DEFAULT_MAX_PIXELS = 178_956_970


def _orientation(img: PILImage.Image) -> int:
    """The EXIF orientation tag (1..8), with 1 for absent or broken values."""
    try:
        value = img.getexif().get(EXIF_ORIENTATION, 1)
    except Exception:  # broken EXIF must not lose an image whose pixels are fine
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def load_rgb(source: str | Path | bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> Image:
    """Decode an image file (path or bytes) to an RGB uint8 array, as EXIF orientation shows it.

    Raises ModelError naming the file when it is missing, not an image, too large or corrupt.
    """
    name = "image bytes" if isinstance(source, bytes) else str(source)
    try:
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
    except OSError as error:
        raise ModelError(f"{name} cannot be read: {error.strerror or error}") from error
    fmt = sniff_format(data[:64])
    if fmt is None:
        raise ModelError(f"{name} is not an image this platform reads ({', '.join(FORMATS)})")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            with PILImage.open(io.BytesIO(data), formats=[FORMATS[fmt][0]]) as img:
                width, height = img.size
                if width * height > max_pixels:
                    raise ModelError(f"{name} has {width * height} pixels, over {max_pixels}")
                img.load()
                upright = apply_orientation(to_rgb(img), _orientation(img))
                return np.asarray(upright, dtype=np.uint8)
    except ModelError:
        raise
    except Exception as error:  # Pillow raises OSError, SyntaxError, ValueError, ...
        raise ModelError(f"{name} cannot be decoded as {fmt}: {error}") from error


@dataclass
class ImageResult:
    """What a model made of one image: its predictions, or why it has none."""

    key: Any
    predictions: list[Prediction] = field(default_factory=list)
    error: str | None = None
    width: int = 0
    height: int = 0


ImageSource = Image | str | Path | bytes
"""A decoded RGB array, or a file (path or bytes) to decode with `load_rgb`."""


def _decoded(key: Any, source: ImageSource) -> Image | ImageResult:
    """The array for one image, or a failed ImageResult saying why it could not be had."""
    if isinstance(source, np.ndarray):
        problem = image_problem(source)
        return ImageResult(key, error=f"{key} is {problem}") if problem else source
    try:
        return load_rgb(source)
    except ModelError as error:
        return ImageResult(key, error=str(error))


def _run_batch(
    model: Model, keys: list[Any], images: list[Image], options: PredictOptions
) -> list[ImageResult]:
    """One `predict` call over a batch; a model that answers wrongly is a ModelError."""
    answers = model.predict(images, options)
    if len(answers) != len(images):
        raise ModelError(
            f"model {model.spec.name!r} answered {len(answers)} lists for {len(images)} images"
        )
    return [
        ImageResult(key, list(found), width=image.shape[1], height=image.shape[0])
        for key, image, found in zip(keys, images, answers, strict=True)
    ]


def predict_batches(
    model: Model,
    images_iter: Iterable[tuple[Any, ImageSource]],
    batch_size: int,
    options: PredictOptions,
    progress: Callable[[int], None] | None = None,
) -> Iterator[ImageResult]:
    """Predict on `(key, image)` pairs in batches, yielding one result per image in order.

    An image that cannot be decoded yields a result with `error` set and no predictions,
    and the run goes on; `progress` is called with the count of images done so far.
    """
    if batch_size < 1:
        raise ModelError(f"batch size must be at least 1, got {batch_size}")
    done = 0
    keys: list[Any] = []
    batch: list[Image] = []
    order: list[ImageResult | None] = []  # a failed decode, or None for "next batch result"
    for key, source in images_iter:
        decoded = _decoded(key, source)
        if isinstance(decoded, ImageResult):
            order.append(decoded)
        else:
            keys.append(key)
            batch.append(decoded)
            order.append(None)
        if len(order) >= batch_size:  # failures count, so a run of them still reports progress
            yield from _flush(model, keys, batch, order, options)
            done += len(order)
            keys, batch, order = [], [], []
            if progress:
                progress(done)
    if order:
        yield from _flush(model, keys, batch, order, options)
        if progress:
            progress(done + len(order))


def _flush(
    model: Model,
    keys: list[Any],
    batch: list[Image],
    order: list[ImageResult | None],
    options: PredictOptions,
) -> Iterator[ImageResult]:
    """Run the batch and yield its results interleaved with the failures, in input order."""
    results = iter(_run_batch(model, keys, batch, options) if batch else [])
    for slot in order:
        yield slot if slot is not None else next(results)
