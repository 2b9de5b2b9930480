"""Benchmark: the built-in pre-labeling models on 640x480 photos, one process, CPU.

For each built-in model: load time, milliseconds per image (warm, median of --repeats single
calls) and images per second for one call on a batch of --batch images. The photos are
skimage's astronaut, coffee and cat and the cameraman, each resized to 640x480, cycled.

Usage: python bench/prelabel_models.py [--repeats 10] [--batch 50] [--only NAME ...]
Models whose packages are missing are listed as unavailable, not measured.
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import time

import numpy as np
from PIL import Image
from skimage import data

from labelwright.models.builtin import BUILTIN_ENTRIES
from labelwright.models.protocol import ModelEntry, ModelError, PredictOptions


def photos() -> list[np.ndarray]:
    """Four real photos at 640x480, RGB uint8."""
    grey = data.camera()
    raw = [data.astronaut(), data.coffee(), data.chelsea(), np.dstack([grey] * 3)]
    return [
        np.asarray(Image.fromarray(p).resize((640, 480), Image.Resampling.BILINEAR)) for p in raw
    ]


def load(entry: ModelEntry):
    """Build the model an entry names."""
    module, factory = entry.target.split(":")
    return getattr(importlib.import_module(module), factory)()


def measure(entry: ModelEntry, images: list[np.ndarray], repeats: int, batch: int) -> str:
    """One table row for a model."""
    started = time.perf_counter()
    try:
        model = load(entry)
    except ModelError as error:
        return f"{entry.name:<24} unavailable: {error}"
    load_s = time.perf_counter() - started
    options = PredictOptions()
    for image in images:  # warm-up: first calls allocate and tune
        model.predict([image], options)
    single = []
    for i in range(repeats):
        started = time.perf_counter()
        model.predict([images[i % len(images)]], options)
        single.append((time.perf_counter() - started) * 1000)
    many = [images[i % len(images)] for i in range(batch)]
    started = time.perf_counter()
    model.predict(many, options)
    per_second = batch / (time.perf_counter() - started)
    return (
        f"{entry.name:<24} {load_s:>7.2f} {statistics.median(single):>9.1f} "
        f"{min(single):>8.1f} {per_second:>9.1f}"
    )


def main() -> None:
    """Measure every (or every named) built-in model and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--only", nargs="*", default=None)
    args = parser.parse_args()
    images = photos()
    print(
        f"{'model':<24} {'load s':>7} {'ms/img':>9} {'min ms':>8} {'img/s@' + str(args.batch):>9}"
    )
    for entry in BUILTIN_ENTRIES:
        if args.only is None or entry.name in args.only:
            print(measure(entry, images, args.repeats, args.batch), flush=True)


if __name__ == "__main__":
    main()
