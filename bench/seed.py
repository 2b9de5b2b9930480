"""Bulk-seeded projects for the benchmarks: many items without real image files."""

from __future__ import annotations

import random
import time

from sqlalchemy import insert, select, text

from labelwright.services import projects
from labelwright.services.context import Context
from labelwright.store.tables import Batch, Image, Item, utcnow

STATES = ["new"] * 10 + ["annotating"] * 4 + ["submitted"] * 3 + ["accepted"] * 2 + ["rejected"]
CHUNK = 20_000


def _file_name(rng: random.Random, n: int) -> str:
    return f"site-{rng.randrange(100):02d}/cam{rng.randrange(10)}/{n:07d}.jpg"


def populate(
    ctx: Context, n: int, *, states: list[str] | None = None, name: str = "bench"
) -> tuple[int, list[int], int]:
    """A project with n items over 20 batches; returns (project id, batch ids, first item id)."""
    rng = random.Random(1)
    states = states or STATES
    now = utcnow()
    with ctx.db.session() as sess:
        project_id = projects.create_project(sess, name).id
        batches = [Batch(project_id=project_id, name=f"batch {b}") for b in range(20)]
        sess.add_all(batches)
        sess.flush()
        batch_ids = [b.id for b in batches]
    start = time.perf_counter()
    for lo in range(0, n, CHUNK):
        hi = min(n, lo + CHUNK)
        images = [
            {
                "sha256": f"{i:064x}",
                "phash": "0" * 16,
                "format": "jpeg",
                "mime": "image/jpeg",
                "width": 1000,
                "height": 750,
                "frame_count": 1,
                "orientation": 1,
                "size_bytes": 250_000,
                "blob_key": f"o/{i}",
                "thumb_key": f"t/{i}",
                "created_at": now,
            }
            for i in range(lo, hi)
        ]
        with ctx.db.session() as sess:
            first = sess.scalar(select(Image.id).order_by(Image.id.desc()).limit(1)) or 0
            for k, image in enumerate(images):  # unique even when seeding twice
                image["sha256"] = f"{first + 1 + k:064x}"
            ids = dict(sess.execute(insert(Image).returning(Image.sha256, Image.id), images).all())
            image_ids = [ids[image["sha256"]] for image in images]
            items = [
                {
                    "project_id": project_id,
                    "image_id": image_ids[k],
                    "batch_id": batch_ids[(lo + k) * 20 // n],
                    "file_name": _file_name(rng, lo + k),
                    "state": rng.choice(states),
                    "priority": 0.0,
                    "created_at": now,
                    "updated_at": now,
                }
                for k in range(hi - lo)
            ]
            sess.execute(insert(Item), items)
        print(
            f"\rinserted {hi:,}/{n:,} ({hi / (time.perf_counter() - start):,.0f} rows/s)",
            end="",
            flush=True,
        )
    print()
    with ctx.db.engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    with ctx.db.session() as sess:
        first_item = sess.scalar(
            select(Item.id).where(Item.project_id == project_id).order_by(Item.id).limit(1)
        )
    return project_id, batch_ids, first_item
