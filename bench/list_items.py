"""Benchmark: p99 latency of fetching any page of 100 items, with a filter, among 1,000,000.

Inserts the items in bulk, then fetches pages starting at random points with random
filters (state, batch, file-name prefix ordered by name) through the same service call
the API uses, and prints p50/p99 per filter.

Usage: python bench/list_items.py [--items 1000000] [--database-url URL] [--samples 400]
Target: p99 <= 30 ms on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from labelwright.config import Settings
from labelwright.runtime import tune_gc
from labelwright.services.context import Context
from labelwright.services.items import page_of_items
from labelwright.store.items import encode_cursor
from labelwright.store.tables import Item

sys.path.insert(0, str(Path(__file__).parent))
from seed import populate


def measure(
    ctx: Context, project_id: int, batch_ids: list[int], first: int, n: int, samples: int
) -> None:
    """Time random pages per filter and print p50/p99."""
    rng = random.Random(2)
    cases = {
        "state=rejected": lambda: {"state": "rejected", "order": "id"},
        "state=new": lambda: {"state": "new", "order": "id"},
        "batch": lambda: {"batch_id": rng.randrange(len(batch_ids)), "order": "id"},
        "name prefix (order=name)": lambda: {
            "name": f"site-{rng.randrange(100):02d}/",
            "order": "name",
        },
        "no filter": lambda: {"order": "id"},
    }
    for label, make in cases.items():
        times = []
        for _ in range(samples):
            args = {"state": None, "batch_id": None, "name": None, **make()}
            # The cursor points at a row the filter can return, as real cursors do:
            # anywhere in the project, or inside the batch (batches are id ranges here).
            lo, span = first, n
            if args["batch_id"] is not None:
                span = n // len(batch_ids)
                lo = first + args["batch_id"] * span
                args["batch_id"] = batch_ids[args["batch_id"]]
            pivot = Item(
                id=lo + rng.randrange(span),
                file_name=f"{args['name'] or ''}cam{rng.randrange(10)}/",
            )
            after = encode_cursor(args["order"], pivot) if rng.random() < 0.9 else None
            t0 = time.perf_counter()
            with ctx.db.session(readonly=True) as sess:  # as the API's GET does
                rows, _ = page_of_items(sess, project_id, after=after, limit=100, **args)
            times.append((time.perf_counter() - t0) * 1000)
            assert rows or after, label
        times.sort()
        p99 = times[int(len(times) * 0.99) - 1]
        print(
            f"{ctx.db.dialect:10s} {label:26s} "
            f"p50 {statistics.median(times):6.2f} ms   p99 {p99:6.2f} ms"
        )


def main() -> None:
    """Populate a fresh store and measure."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=400)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lw-list-") as tmp:
        ctx = Context.open(Settings.from_env(data_dir=Path(tmp), database_url=args.database_url))
        if ctx.db.dialect == "postgresql":
            with ctx.db.engine.begin() as conn:  # start from an empty schema
                conn.execute(text("TRUNCATE items, batches, images, memberships, projects CASCADE"))
        project_id, batch_ids, first = populate(ctx, args.items)
        tune_gc()  # as the server does after start-up
        measure(ctx, project_id, batch_ids, first, args.items, args.samples)
        ctx.close()


if __name__ == "__main__":
    main()
