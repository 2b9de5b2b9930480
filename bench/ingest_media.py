"""Benchmark: probe_image throughput on 1-megapixel JPEGs with a 2-process pool.

Usage: python bench/ingest_media.py [--count 500] [--workers 2]
Target: >= 150 images/s with 2 processes on a 2-core machine.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image

from labelwright.media.probe import probe_image

WIDTH, HEIGHT = 1155, 866  # ~1 megapixel


def make_photo(path: Path, seed: int) -> None:
    """Write a photo-like JPEG: smooth gradients plus sensor-like noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    a, b, c = rng.uniform(1, 6, 3)
    rgb = np.stack(
        [
            128 + 110 * np.sin(x / WIDTH * a + seed),
            128 + 110 * np.cos(y / HEIGHT * b + seed),
            128 + 110 * np.sin((x + y) / (WIDTH + HEIGHT) * c),
        ],
        axis=-1,
    )
    rgb += rng.standard_normal(rgb.shape, dtype=np.float32) * 10
    Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8)).save(path, quality=88)


def probe_one(path: Path) -> int:
    """Probe one file in a worker; return its thumbnail size so the work is not optimised away."""
    return len(probe_image(path).thumbnail)


def main() -> None:
    """Generate the images, probe them all, print images/s and peak RSS."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="lw-bench-") as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        paths = [folder / f"img{i:05d}.jpg" for i in range(args.count)]
        with ProcessPoolExecutor(args.workers) as pool:
            list(pool.map(make_photo, paths, range(args.count), chunksize=16))
        size_mb = sum(p.stat().st_size for p in paths) / 2**20
        print(
            f"generated {args.count} JPEGs {WIDTH}x{HEIGHT} ({size_mb:.0f} MiB) "
            f"in {time.perf_counter() - start:.1f} s"
        )

        with ProcessPoolExecutor(args.workers) as pool:
            # Start the workers and import everything before the clock starts.
            list(pool.map(probe_one, paths[: args.workers]))
            start = time.perf_counter()
            list(pool.map(probe_one, paths, chunksize=8))
            elapsed = time.perf_counter() - start

    # ru_maxrss is in KiB on Linux; RUSAGE_CHILDREN reports the largest worker.
    worker_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    main_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"probe_image: {args.count / elapsed:.0f} images/s with {args.workers} processes "
        f"({elapsed:.2f} s); peak RSS worker {worker_rss:.0f} MiB, main {main_rss:.0f} MiB "
        f"[python {sys.version.split()[0]}]"
    )


if __name__ == "__main__":
    main()
