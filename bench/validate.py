"""Annotation validation speed: µs per box, µs per 20-vertex polygon, ms per big annotation.

Usage: python bench/validate.py [--objects 2000] [--repeat 5] [--big 5000]

Each figure is the best of `--repeat` runs of `domain.validation.validate_annotation` on
one annotation (the shapes differ, so nothing is cached between objects): one of
`--objects` boxes, one of `--objects` polygons of 20 vertices (star-like, so each is a
simple polygon that is not convex), the same in clip mode with a tenth of the shapes
reaching over the border, and one of `--big` such polygons (the editor's worst save).
Targets: a box <= 5 µs; a 5,000-polygon annotation <= 150 ms.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable

import numpy as np

from labelwright.domain.schema import LabelClass, LabelSchema
from labelwright.domain.shapes import Annotation, AnnotationObject, BBox, Polygon
from labelwright.domain.validation import Limits, validate_annotation

WIDTH, HEIGHT = 4000, 3000
VERTICES = 20


def schema(out_of_bounds: str = "refuse") -> LabelSchema:
    """One class that allows boxes and polygons."""
    car = LabelClass(id="car", name="Car", color="#336699", shape_kinds=["bbox", "polygon"])
    return LabelSchema(classes=[car], out_of_bounds=out_of_bounds)


def boxes(count: int, rng: np.random.Generator, overshoot: float = 0.0) -> list[BBox]:
    """Random boxes inside the image (a share `overshoot` crossing its right edge)."""
    corners = rng.uniform((0, 0), (WIDTH - 100, HEIGHT - 100), size=(count, 2))
    sizes = rng.uniform(5, 99, size=(count, 2))
    corners[: int(count * overshoot), 0] = WIDTH - 20
    return [BBox(x=x, y=y, w=w, h=h) for (x, y), (w, h) in zip(corners, sizes, strict=True)]


def stars(count: int, rng: np.random.Generator, overshoot: float = 0.0) -> list[Polygon]:
    """Random simple 20-vertex star polygons (a share `overshoot` crossing the right edge)."""
    centres = rng.uniform((60, 60), (WIDTH - 60, HEIGHT - 60), size=(count, 2))
    centres[: int(count * overshoot), 0] = WIDTH - 10
    angles = np.linspace(0, 2 * math.pi, VERTICES, endpoint=False)
    radii = np.where(np.arange(VERTICES) % 2, 25.0, 50.0)
    polygons = []
    for cx, cy in centres:
        scale = rng.uniform(0.5, 1.0)
        xs = cx + scale * radii * np.cos(angles)
        ys = cy + scale * radii * np.sin(angles)
        polygons.append(Polygon(rings=[list(zip(xs.tolist(), ys.tolist(), strict=True))]))
    return polygons


def annotation(shapes: list) -> Annotation:
    """An annotation holding these shapes as objects of class car."""
    objects = [AnnotationObject(id=f"o{i}", class_id="car", shape=s) for i, s in enumerate(shapes)]
    return Annotation(objects=objects)


def best_seconds(run: Callable[[], object], repeat: int) -> float:
    """The fastest of `repeat` runs."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--objects", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--big", type=int, default=5000)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    refuse, clip = schema(), schema("clip")
    limits = Limits(max_objects=max(args.objects, args.big))
    cases = [
        ("box", annotation(boxes(args.objects, rng)), refuse),
        ("box, clip mode", annotation(boxes(args.objects, rng, 0.1)), clip),
        ("polygon", annotation(stars(args.objects, rng)), refuse),
        ("polygon, clip mode", annotation(stars(args.objects, rng, 0.1)), clip),
    ]
    print(f"{'case':<24}{'µs per object':>16}")
    for name, doc, chosen in cases:

        def run(doc: Annotation = doc, chosen: LabelSchema = chosen) -> object:
            return validate_annotation(doc, chosen, width=WIDTH, height=HEIGHT, limits=limits)

        seconds = best_seconds(run, args.repeat)
        print(f"{name:<24}{seconds / len(doc.objects) * 1e6:>16.1f}")
    big = annotation(stars(args.big, rng))
    seconds = best_seconds(
        lambda: validate_annotation(big, refuse, width=WIDTH, height=HEIGHT, limits=limits),
        args.repeat,
    )
    print(f"{args.big:,}-polygon annotation: {seconds * 1000:.1f} ms")


if __name__ == "__main__":
    main()
