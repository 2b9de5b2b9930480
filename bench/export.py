"""Export speed and memory: N images with M objects (boxes and polygons) to COCO and YOLO.

Usage: python bench/export.py [--images 100000] [--objects 1000000] [--out DIR]

The dataset is generated on the fly as a stream; every image is one hard link to the same
640 x 480 JPEG, so YOLO's reader (which needs image sizes) reads real headers. Each step
runs in a fresh process so its peak RSS is its own. Target: each step <= 20 s and <= 2 GB.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from PIL import Image

from labelwright.domain.schema import LabelClass, LabelSchema
from labelwright.domain.shapes import Annotation, AnnotationObject, BBox, Polygon
from labelwright.formats.coco import CocoFormat
from labelwright.formats.dataset import Dataset, DatasetImage
from labelwright.formats.yolo import YoloFormat

WIDTH, HEIGHT = 640, 480
CLASSES = ["car", "person", "bike", "truck", "sign"]


def schema() -> LabelSchema:
    """Five classes that allow boxes and polygons."""
    return LabelSchema(
        classes=[
            LabelClass(id=c, name=c, color="#336699", shape_kinds=["bbox", "polygon"])
            for c in CLASSES
        ]
    )


def images(count: int, objects: int, source: Path) -> Iterator[DatasetImage]:
    """A deterministic stream of images, `objects` in all, half boxes and half polygons."""
    rng = random.Random(0)
    per_image, extra = divmod(objects, count)
    splits = ("train", "train", "train", "val", "test")
    for number in range(count):
        items = []
        for index in range(per_image + (number < extra)):
            x, y = rng.uniform(0, WIDTH - 60), rng.uniform(0, HEIGHT - 60)
            w, h = rng.uniform(5, 59), rng.uniform(5, 59)
            if index % 2:
                ring = [(x, y), (x + w, y), (x + w, y + h), (x + w / 2, y + h * 1.0), (x, y + h)]
                shape = Polygon(rings=[ring])
            else:
                shape = BBox(x=x, y=y, w=w, h=h)
            items.append(
                AnnotationObject(id=f"{number}-{index}", class_id=rng.choice(CLASSES), shape=shape)
            )
        yield DatasetImage(
            file_name=f"{number:07d}.jpg",
            width=WIDTH,
            height=HEIGHT,
            annotation=Annotation(objects=items),
            path=source,
            split=splits[number % len(splits)],
        )


def run_step(step: str, count: int, objects: int, work: Path) -> dict:
    """Run one step in this process and return its figures."""
    source = work / "source.jpg"
    dataset = Dataset(schema=schema(), images=images(count, objects, source))
    started = time.perf_counter()
    done = 0
    if step == "generate":
        done = sum(len(i.annotation.objects) for i in dataset)
    elif step == "coco-write":
        done = CocoFormat().write(dataset, work / "coco").objects
    elif step == "yolo-write":
        done = YoloFormat().write(dataset, work / "yolo").objects
    elif step == "coco-read":
        done = sum(len(i.annotation.objects) for i in CocoFormat().read(work / "coco"))
    elif step == "yolo-read":
        read = YoloFormat().read(work / "yolo", schema=schema())
        done = sum(len(i.annotation.objects) for i in read)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "step": step,
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(peak_mb),
        "objects": done,
    }


def main() -> None:
    """Run every step in its own process and print a table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--images", type=int, default=100_000)
    parser.add_argument("--objects", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--step", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        print(json.dumps(run_step(args.step, args.images, args.objects, args.out)))
        return
    work = args.out or Path(tempfile.mkdtemp(prefix="labelwright-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (WIDTH, HEIGHT), (90, 120, 150)).save(work / "source.jpg")
    print(f"{args.images} images, {args.objects} objects, in {work}")
    print(f"{'step':<12}{'seconds':>10}{'peak RSS MB':>14}{'objects':>12}")
    for step in ("generate", "coco-write", "coco-read", "yolo-write", "yolo-read"):
        command = [sys.executable, __file__, "--step", step, "--images", str(args.images)]
        command += ["--objects", str(args.objects), "--out", str(work)]
        result = json.loads(subprocess.run(command, check=True, capture_output=True).stdout)
        print(
            f"{step:<12}{result['seconds']:>10}{result['peak_rss_mb']:>14}{result['objects']:>12}"
        )


if __name__ == "__main__":
    main()
