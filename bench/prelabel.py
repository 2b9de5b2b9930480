"""Pre-labeling throughput: one face model over N 640x480 images, local pool vs Ray.

Every run is the real job (`services.prelabel`): items are read from blob storage on the
workers, decoded, predicted, mapped to the project's classes and stored as predictions.
Each executor gets its own run name, so every run does all N images.

Usage: python bench/prelabel.py [--count 2000] [--model faces-mediapipe] [--no-ray]
Targets: scaling efficiency (2 workers / (2 x 1 worker)) >= 0.8; Ray <= 15% slower than
the local pool at the same worker count.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image
from skimage import data, transform

from labelwright.config import Settings
from labelwright.domain.schema import LabelClass, LabelSchema
from labelwright.runtime import tune_gc
from labelwright.services import jobs, projects, users
from labelwright.services.context import Context
from labelwright.services.intake import import_paths
from labelwright.services.labelschema import append_schema
from labelwright.services.prelabel import PrelabelRequest, queue_prelabel

SCHEMA = LabelSchema(
    classes=[LabelClass(id="face", name="face", color="#ff0000", shape_kinds=["bbox"])]
)


def make_images(folder: Path, count: int) -> None:
    """640x480 JPEGs: the astronaut at varying scale and place on varying backgrounds."""
    face = data.astronaut()
    rng = np.random.default_rng(0)
    for i in range(count):
        side = int(rng.integers(240, 460))
        small = (transform.resize(face, (side, side), anti_aliasing=True) * 255).astype(np.uint8)
        canvas = np.full((480, 640, 3), rng.integers(0, 255, 3), dtype=np.uint8)
        x, y = int(rng.integers(0, 640 - side)), int(rng.integers(0, 480 - side))
        canvas[y : y + side, x : x + side] = small
        Image.fromarray(canvas).save(folder / f"img{i:05d}.jpg", quality=90)


def run(ctx: Context, user, project_id: int, model: str, executor: str, workers: int) -> float:
    """One full job; returns images per second."""
    request = PrelabelRequest(
        model=model, run=f"{executor}-{workers}", executor=executor, workers=workers
    )
    job_id = queue_prelabel(ctx, user, project_id, request)
    start = time.perf_counter()
    job = jobs.run_inline(ctx, job_id)
    elapsed = time.perf_counter() - start
    if job.state != "done":
        raise SystemExit(f"{executor}/{workers}: job {job.state}: {job.error}")
    images = job.result.get("images", 0)
    rate = images / elapsed
    print(
        f"{executor:6} workers={workers}: {images} images in {elapsed:6.1f} s = {rate:6.1f} img/s "
        f"({job.result.get('objects', 0)} objects)"
    )
    return rate


def main() -> None:
    """Import the images once, then time each executor on them."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--model", default="faces-mediapipe")
    parser.add_argument("--no-ray", action="store_true")
    args = parser.parse_args()
    tune_gc()
    with tempfile.TemporaryDirectory(prefix="lw-prelabel-") as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        make_images(folder, args.count)
        ctx = Context.open(Settings.from_env(data_dir=Path(tmp) / "data"))
        with ctx.db.session() as sess:
            user = users.create_user(sess, "bench", "a long enough password", is_admin=True)
            project_id = projects.create_project(sess, "bench", creator=user).id
            append_schema(sess, project_id, SCHEMA, 1, user)
        import_paths(ctx, project_id, [folder])
        one = run(ctx, user, project_id, args.model, "local", 1)
        two = run(ctx, user, project_id, args.model, "local", 2)
        print(f"scaling efficiency 1 -> 2 workers: {two / (2 * one):.2f} (target >= 0.8)")
        if not args.no_ray:
            import ray

            # A cluster is up before jobs arrive: start the local one outside the timing
            # (each job still starts its own actors and loads the model in them).
            ray.init(include_dashboard=False, log_to_driver=False)
            ray_two = run(ctx, user, project_id, args.model, "ray", 2)
            ray.shutdown()
            print(
                f"Ray overhead vs local pool (2 workers): {1 - ray_two / two:+.1%} (target <= 15%)"
            )
        ctx.close()


if __name__ == "__main__":
    main()
