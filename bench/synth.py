"""Synthetic data speed: 640 x 480 images of five ~10k-triangle objects with every label.

Usage: python bench/synth.py [--images 300] [--workers N] [--format jpeg|png] [--min-share S]

Steps (images/s, higher is better; target >= 30 end to end on 2 cores):
  render only        scene sampling + GL render + read-back, one process
  render + labels    the above + boxes, polygons, RLE masks, keypoints, one process
  + encode (pool)    the above + JPEG/PNG encoding + validation, N worker processes
  end to end         the above + intake (probe, hash, thumbnail, blob store) + items,
                     batch and one annotation revision per image in a fresh SQLite project,
                     with one worker (all in this process, so its CPU per image is the
                     whole cost) and with N

CPU milliseconds per image (process time, all threads) depend far less on other load
than images/s do: 2000 / (ms per image) bounds what two idle cores can reach.

The first frames of the single-process steps (GL context, mesh buffers) are not timed.
The pool steps print the overall rate, as a user sees it, and the rate after the first
images arrive (worker start-up excluded; intake reports in chunks of 64 images).
The machine's load average is printed: rendering is CPU-bound, so a shared machine
gives lower figures.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from labelwright.config import Settings
from labelwright.services import projects, synthesis, users
from labelwright.services.context import Context
from labelwright.synth.classes import bind_classes, recipe_schema
from labelwright.synth.generate import generate
from labelwright.synth.recipe import Recipe
from labelwright.synth.recipe_files import parse_recipe
from labelwright.synth.render import renderer_for
from labelwright.synth.scene import sample_scene

WARM_UP = 5
CORNERS = {
    "top": [0.0, 0.0, 0.5],
    "corner_a": [0.5, 0.5, 0.5],
    "corner_b": [-0.5, 0.5, 0.5],
    "corner_c": [0.5, -0.5, -0.5],
}


def bench_recipe(image_format: str, min_share: float = 0.0) -> Recipe:
    """Five objects of about 10k triangles each, all labels, noise backgrounds."""
    spread = {"x": [-1.2, 1.2], "y": [-1.2, 1.2], "z": [-0.3, 0.3]}
    objects = [
        {"class": "Ring", "primitive": {"type": "torus", "sections": 100, "ring_sections": 50}},
        {"class": "Ball", "primitive": {"type": "sphere", "sections": 51}},
        {"class": "Pill", "primitive": {"type": "capsule", "sections": 72}},
        {"class": "Crate", "primitive": {"type": "box", "subdivisions": 5}, "keypoints": CORNERS},
        {"class": "Cone", "primitive": {"type": "cone", "sections": 5000}},
    ]
    return parse_recipe(
        {
            "name": "bench",
            "seed": 1,
            "image": {"width": 640, "height": 480, "format": image_format},
            "objects": [{**o, "position": spread} for o in objects],
            "camera": {"distance": [4.5, 6]},
            "visibility": {"min_share": min_share},
        }
    )


def triangles(recipe: Recipe) -> list[int]:
    """Triangles per object of the first scene."""
    return [len(i.asset.faces) for i in sample_scene(recipe, 0).instances]


def timed(count: int, work) -> str:
    """Run `work()`; its images/s and CPU milliseconds per image (all threads) as text."""
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return f"{count / wall:7.1f} images/s, {cpu / count * 1000:5.1f} ms CPU per image"


def render_only(recipe: Recipe, count: int) -> str:
    """Sampling and rendering alone, in this process."""
    renderer = renderer_for(recipe.image.width, recipe.image.height)
    coverage = recipe.visibility.needs_coverage()
    for index in range(WARM_UP):
        renderer.render(sample_scene(recipe, index), coverage=coverage)

    def work() -> None:
        for index in range(WARM_UP, WARM_UP + count):
            renderer.render(sample_scene(recipe, index), coverage=coverage)

    return timed(count, work)


def render_and_label(recipe: Recipe, count: int) -> str:
    """Rendering with every label, in this process."""
    bindings = bind_classes(recipe, recipe_schema(recipe))
    list(generate(recipe, 0, WARM_UP, bindings))
    return timed(count, lambda: list(generate(recipe, WARM_UP, WARM_UP + count, bindings)))


class Clock:
    """Overall rate, and the rate after the first image (start-up excluded)."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.first: float | None = None
        self.done = 0

    def tick(self, done: int, _name: str = "") -> None:
        """Note that `done` images are finished."""
        if self.first is None:
            self.first, self.first_done = time.perf_counter(), done
        self.done = done

    def rates(self) -> str:
        """'overall N images/s (M after the first K at T s)' as text."""
        now = time.perf_counter()
        overall = self.done / (now - self.started)
        steady = (self.done - self.first_done) / max(now - (self.first or now), 1e-9)
        first = (self.first or now) - self.started
        return (
            f"{overall:7.1f} images/s ({steady:.1f} after the first {self.first_done} "
            f"at {first:.1f} s)"
        )


def pool_pipeline(recipe: Recipe, count: int, workers: int, folder: Path) -> str:
    """Rates of rendering, labeling, encoding and validating in worker processes."""
    schema = recipe_schema(recipe)
    renders = synthesis.Renders(
        recipe, range(count), bind_classes(recipe, schema), schema, folder, workers
    )
    clock = Clock()
    for done, _ in enumerate(renders, start=1):
        clock.tick(done)
    return clock.rates()


def end_to_end(recipe: Recipe, count: int, workers: int, data_dir: Path) -> tuple[str, dict]:
    """Rates into a fresh SQLite project, and the run's report."""
    ctx = Context.open(Settings.from_env(data_dir=data_dir))
    try:
        with ctx.db.session() as sess:
            admin = users.create_user(sess, "bench", "a long enough password", is_admin=True)
            project_id = projects.create_project(sess, "Synthetic", creator=admin).id
        clock = Clock()
        report = {}

        options = {"count": count, "workers": workers, "progress": clock.tick}

        def work() -> None:
            run = synthesis.synthesize_into_project
            report.update(run(ctx, admin, project_id, recipe, **options))

        cpu = timed(count, work)  # counts this process only: all of it with one worker
        return (cpu if workers == 1 else clock.rates()), report
    finally:
        ctx.close()


def main() -> None:
    """Run every step and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=300)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--format", choices=["jpeg", "png"], default="jpeg")
    parser.add_argument(
        "--min-share", type=float, default=0.0, help="visibility.min_share (> 0 adds coverage)"
    )
    args = parser.parse_args()
    recipe = bench_recipe(args.format, args.min_share)
    print(
        f"{args.images} images, 640x480 {args.format}, min_share {args.min_share}, "
        f"triangles per object {triangles(recipe)}"
    )
    print(f"cores {os.cpu_count()}, workers {args.workers}, load {os.getloadavg()[0]:.1f}")
    print(f"render only         {render_only(recipe, args.images)} (1 process)")
    print(f"render + labels     {render_and_label(recipe, args.images)} (1 process)")
    scratch = Path(tempfile.mkdtemp(prefix="bench-synth-"))
    try:
        (scratch / "staged").mkdir()
        rates = pool_pipeline(recipe, args.images, args.workers, scratch / "staged")
        print(f"+ encode (pool)     {rates}, {args.workers} worker processes")
        for workers in sorted({1, args.workers}):
            rates, report = end_to_end(recipe, args.images, workers, scratch / f"data{workers}")
            print(
                f"end to end          {rates}, {workers} worker(s), into a SQLite project "
                f"({report['images_added']} items, {report['objects_written']} objects)"
            )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"load after          {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
