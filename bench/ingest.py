"""Benchmark: import N generated 1-megapixel JPEGs from a folder through the real intake.

Counts everything `labelwright import` does: walking the folder, hashing, header checks,
EXIF orientation, thumbnails, blob writes (fsynced) and database inserts.

Usage: python bench/ingest.py [--count 5000] [--workers 2] [--database-url URL]
Target: >= 150 images/s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from ingest_media import make_photo

from labelwright.config import Settings
from labelwright.services import projects
from labelwright.services.context import Context
from labelwright.services.intake import import_paths


def main() -> None:
    """Generate the images, import them into a fresh installation, print the rate."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="lw-ingest-") as tmp:
        folder = Path(tmp) / "incoming"
        folder.mkdir()
        paths = [folder / f"img{i:05d}.jpg" for i in range(args.count)]
        start = time.perf_counter()
        with ProcessPoolExecutor(args.workers) as pool:
            list(pool.map(make_photo, paths, range(args.count), chunksize=16))
        size_mb = sum(p.stat().st_size for p in paths) / 2**20
        print(
            f"generated {args.count} JPEGs ({size_mb:.0f} MiB) "
            f"in {time.perf_counter() - start:.0f} s"
        )

        settings = Settings.from_env(data_dir=Path(tmp) / "data", database_url=args.database_url)
        ctx = Context.open(settings)
        with ctx.db.session() as sess:
            project_id = projects.create_project(sess, "bench").id
        start = time.perf_counter()
        report = import_paths(ctx, project_id, [folder], workers=args.workers)
        elapsed = time.perf_counter() - start
        ctx.close()

    summary = report.summary()
    assert summary["added"] == args.count, summary
    main_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"import: {args.count / elapsed:.0f} images/s ({args.count} in {elapsed:.1f} s, "
        f"{args.workers} workers, {ctx.db.dialect}); {summary}; "
        f"peak RSS main {main_rss:.0f} MiB, largest worker {worker_rss:.0f} MiB"
    )


if __name__ == "__main__":
    main()
