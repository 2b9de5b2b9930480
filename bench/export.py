"""Export speed and memory: N images with M objects (boxes and polygons) to COCO and YOLO.

Usage: python bench/export.py [--images 100000] [--objects 1000000] [--out DIR]
       [--import-project]

The dataset is generated on the fly as a stream of validated domain objects (taken from
a pool, so generating costs little); every image is a 640 x 480 JPEG, so YOLO's reader
(which needs image sizes) reads real headers. Exports hard-link images as they do blobs;
the images take turns among SOURCES distinct files, since a file system caps the links
to one file (ext4: 65,000) and past it an export copies instead, which a real export,
whose blobs are distinct files, would not. Each step runs in a
fresh process so its peak RSS is its own; `cpu` is the step's CPU time (with that of any
process it started), steadier than wall time on a shared machine. Target: each step
<= 20 s and <= 2 GB.

`--import-project` adds steps importing the COCO export, then the YOLO export, each into a
fresh SQLite project through `services.dataset_import.import_dataset` (as the CLI does: the
job runs in this process; a dataset whose label files are this large is read and checked in
other processes). The project's items (one per image, the right size) are bulk-seeded
first and that time is printed apart, since bringing in 100,000 new images is the intake's
job (bench/ingest.py measures it). Its line shows the CPU of all the processes and the peak
RSS of the largest.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from labelwright.domain.schema import LabelClass, LabelSchema
from labelwright.domain.shapes import Annotation, AnnotationObject, BBox, Polygon
from labelwright.formats.coco import CocoFormat
from labelwright.formats.dataset import Dataset, DatasetImage
from labelwright.formats.yolo import YoloFormat

if TYPE_CHECKING:  # the import step loads the store only when it runs
    from labelwright.services.context import Context
    from labelwright.store.tables import User

WIDTH, HEIGHT = 640, 480
CLASSES = ["car", "person", "bike", "truck", "sign"]
SEED_CHUNK = 20_000
SOURCES = 64  # distinct image files the images link to in turn


def schema() -> LabelSchema:
    """Five classes that allow boxes and polygons."""
    return LabelSchema(
        classes=[
            LabelClass(id=c, name=c, color="#336699", shape_kinds=["bbox", "polygon"])
            for c in CLASSES
        ]
    )


POOL = 20_011  # distinct objects; images take consecutive runs of them (ids stay unique)


def object_pool(size: int = POOL) -> list[AnnotationObject]:
    """Validated objects with random boxes and five-point polygons, half of each."""
    rng = np.random.default_rng(0)
    corner = rng.uniform((0, 0), (WIDTH - 60, HEIGHT - 60), size=(size, 2)).tolist()
    extent = rng.uniform(5, 59, size=(size, 2)).tolist()
    classes = rng.integers(0, len(CLASSES), size=size).tolist()
    pool = []
    for index in range(size):
        (x, y), (w, h) = corner[index], extent[index]
        if index % 2:
            ring = [(x, y), (x + w, y), (x + w, y + h), (x + w / 2, y + h), (x, y + h)]
            shape = Polygon(rings=[ring])
        else:
            shape = BBox(x=x, y=y, w=w, h=h)
        pool.append(AnnotationObject(id=f"o{index}", class_id=CLASSES[classes[index]], shape=shape))
    return pool


def images(count: int, objects: int, sources: list[Path]) -> Iterator[DatasetImage]:
    """A deterministic stream of images, `objects` in all, half boxes and half polygons.

    Objects come from a pool of validated domain objects (what a real export hands a
    format), so the generator costs little next to the formats it measures.
    """
    gc.disable()  # a pool of this many objects would otherwise be scanned again and again
    pool = object_pool()
    gc.freeze()
    gc.enable()
    per_image, extra = divmod(objects, count)
    splits = ("train", "train", "train", "val", "test")
    start = 0
    for number in range(count):
        size = per_image + (number < extra)
        if start + size > len(pool):
            start = 0
        items = pool[start : start + size]
        start += size
        yield DatasetImage(
            file_name=f"{number:07d}.jpg",
            width=WIDTH,
            height=HEIGHT,
            annotation=Annotation(objects=items),
            path=sources[number % len(sources)],
            split=splits[number % len(splits)],
        )


def seed_project(ctx: Context, count: int) -> tuple[User, int]:
    """An admin and a fresh project whose items already hold the dataset's images."""
    from sqlalchemy import insert

    from labelwright.services import projects, users
    from labelwright.store.tables import Image as ImageRow
    from labelwright.store.tables import Item, utcnow

    now = utcnow()
    with ctx.db.session() as sess:
        admin = users.create_user(sess, "bench", "bench password", is_admin=True)
        project_id = projects.create_project(sess, "import bench", creator=admin).id
    for low in range(0, count, SEED_CHUNK):
        numbers = range(low, min(count, low + SEED_CHUNK))
        rows = [
            {
                "sha256": f"{number:064x}",
                "phash": "0" * 16,
                "format": "jpeg",
                "mime": "image/jpeg",
                "width": WIDTH,
                "height": HEIGHT,
                "frame_count": 1,
                "orientation": 1,
                "size_bytes": 1000,
                "blob_key": f"o/{number}",
                "thumb_key": f"t/{number}",
                "created_at": now,
            }
            for number in numbers
        ]
        with ctx.db.session() as sess:
            stmt = insert(ImageRow).returning(ImageRow.sha256, ImageRow.id)
            ids = dict(sess.execute(stmt, rows).all())
            items = [
                {
                    "project_id": project_id,
                    "image_id": ids[f"{number:064x}"],
                    "file_name": f"{number:07d}.jpg",
                    "state": "new",
                    "priority": 0.0,
                    "created_at": now,
                    "updated_at": now,
                }
                for number in numbers
            ]
            sess.execute(insert(Item), items)
    return admin, project_id


def import_project(count: int, work: Path, fmt: str = "coco") -> tuple[int, dict]:
    """Import an export (`fmt`: coco or yolo) into a fresh SQLite project whose items exist;
    (objects, extra)."""
    from sqlalchemy import func, select

    from labelwright.config import Settings
    from labelwright.services import dataset_import
    from labelwright.services.context import Context
    from labelwright.store.tables import Annotation as AnnotationRow

    data = Path(tempfile.mkdtemp(prefix="import-", dir=work))
    ctx = Context.open(Settings.from_env(data_dir=data, database_url=None))
    try:
        started = time.perf_counter()
        admin, project_id = seed_project(ctx, count)
        seeded = time.perf_counter() - started
        before, cpu_before, reader_before = time.perf_counter(), _cpu_seconds(), _children_cpu()
        report = dataset_import.import_dataset(ctx, admin, project_id, work / fmt, fmt)
        imported = time.perf_counter() - before
        cpu, reader_cpu = _cpu_seconds() - cpu_before, _children_cpu() - reader_before
        with ctx.db.session(readonly=True) as sess:
            stored = sess.scalar(select(func.sum(AnnotationRow.object_count))) or 0
    finally:
        ctx.close()
        shutil.rmtree(data, ignore_errors=True)
    written = report["annotations_written"] + report["annotations_unchanged"]
    extra = {"seed_seconds": round(seeded, 2), "import_seconds": round(imported, 2)}
    extra |= {"import_cpu": round(cpu, 2), "reader_cpu": round(reader_cpu, 2)}
    extra |= {"annotations": written, "problems": report["problem_count"]}
    return stored, extra


def _children_cpu() -> float:
    """CPU time of the processes this one started and waited for."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return children.ru_utime + children.ru_stime


def _cpu_seconds() -> float:
    """CPU time of this process and of the processes it started and waited for."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime + _children_cpu()


def run_step(step: str, count: int, objects: int, work: Path) -> dict:
    """Run one step in this process and return its figures."""
    sources = [work / "sources" / f"{number}.jpg" for number in range(SOURCES)]
    dataset = Dataset(schema=schema(), images=images(count, objects, sources))
    started = time.perf_counter()
    cpu_before = _cpu_seconds()
    done, extra = 0, {}
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
    elif step == "import-project":
        done, extra = import_project(count, work)
    elif step == "import-yolo":
        done, extra = import_project(count, work, "yolo")
    seconds = extra.get("import_seconds", time.perf_counter() - started)
    peak_kb = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    return {
        "step": step,
        "seconds": round(seconds, 2),
        "cpu_seconds": extra.get("import_cpu", round(_cpu_seconds() - cpu_before, 2)),
        "peak_rss_mb": round(peak_kb / 1024),
        "objects": done,
        **extra,
    }


def main() -> None:
    """Run every step in its own process and print a table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--images", type=int, default=100_000)
    parser.add_argument("--objects", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument(
        "--import-project",
        action="store_true",
        help="also import the COCO export into a fresh SQLite project (items pre-seeded)",
    )
    parser.add_argument("--step", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        print(json.dumps(run_step(args.step, args.images, args.objects, args.out)))
        return
    work = args.out or Path(tempfile.mkdtemp(prefix="labelwright-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    (work / "sources").mkdir(exist_ok=True)
    for number in range(SOURCES):
        Image.new("RGB", (WIDTH, HEIGHT), (90, 120, number)).save(work / f"sources/{number}.jpg")
    print(f"{args.images} images, {args.objects} objects, in {work}")
    print(f"{'step':<16}{'seconds':>10}{'cpu':>8}{'peak RSS MB':>14}{'objects':>12}")
    steps = ["generate", "coco-write", "coco-read", "yolo-write", "yolo-read"]
    for step in steps + ["import-project", "import-yolo"] * args.import_project:
        command = [sys.executable, __file__, "--step", step, "--images", str(args.images)]
        command += ["--objects", str(args.objects), "--out", str(work)]
        result = json.loads(subprocess.run(command, check=True, capture_output=True).stdout)
        print(
            f"{step:<16}{result['seconds']:>10}{result['cpu_seconds']:>8}"
            f"{result['peak_rss_mb']:>14}{result['objects']:>12}"
        )
        if step in ("import-project", "import-yolo"):
            print(
                f"  (items seeded first in {result['seed_seconds']} s, not counted; "
                f"import alone {result['import_seconds']} s, {result['import_cpu']} s CPU of "
                f"which {result['reader_cpu']} s in the reading process; "
                f"{result['annotations']} annotations, {result['problems']} problems)"
            )


if __name__ == "__main__":
    main()
