"""Benchmark: near-duplicate hashes and top-k embedding search at 100,000 images.

1. Duplicates by difference hash: 100,000 random 64-bit hashes (seeded) in which
   `--planted` pairs are near-duplicates (a copy of one hash with 0 to `--max-distance`
   random bits flipped). Times `hash_links` (multi-index hashing over 8 bytes, then XOR and
   popcount on the candidates) and prints the seconds, the candidate pairs compared against
   the ~5 billion of all pairs, and the recall of the planted pairs (it must be 1.0:
   multi-index hashing is exact up to 7 bits).
2. Search: 100,000 x 1280 float16 unit vectors read as chunks of 4,096 rows, as the store
   gives them; times `top_k` for `--queries` queries (k = 12) and prints ms per query, and
   checks the answers against a full float32 sort.
3. The embedding pass of the duplicates (all pairs by blocks) over `--cosine-items` rows.
4. Through the store (`--store-items` items seeded in bulk, each with a random hash and a
   1280-d embedding, on SQLite or `--database-url`): `similar_items` (ms per query,
   reading every vector from the database) and `find_duplicates` (both passes).

Usage: python bench/similarity.py [--items 100000] [--planted 1000] [--max-distance 6]
       [--dim 1280] [--queries 20] [--cosine-items 5000] [--store-items 20000]
       [--database-url URL] [--seed 0]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sqlalchemy import insert, select, update

from labelwright.config import Settings
from labelwright.services import users
from labelwright.services.context import Context
from labelwright.services.embeddings import DEFAULT_MODEL, encode_vector
from labelwright.services.similarity import (
    HASH_BYTES,
    cosine_pairs,
    find_duplicates,
    hash_links,
    linked_groups,
    similar_items,
    top_k,
)
from labelwright.store.tables import Image, Item, ItemEmbedding, utcnow

sys.path.insert(0, str(Path(__file__).parent))
from seed import populate

CHUNK = 4096
K = 12


def planted_hashes(items: int, planted: int, max_distance: int, seed: int):
    """Random hashes with `planted` near copies; returns the hashes and the planted pairs."""
    rng = np.random.default_rng(seed)
    hashes = rng.integers(0, 2**64, size=items, dtype=np.uint64, endpoint=False)
    slots = rng.permutation(items)[: 2 * planted].reshape(planted, 2)
    for source, target in slots:
        flips = rng.choice(64, size=rng.integers(0, max_distance + 1), replace=False)
        hashes[target] = hashes[source] ^ np.uint64(sum(1 << int(b) for b in flips))
    return hashes, slots


def candidate_pairs(hashes: np.ndarray) -> int:
    """How many pairs share a (byte position, byte value) bucket: what the search compares."""
    as_bytes = np.unique(hashes).view(np.uint8).reshape(-1, HASH_BYTES)
    total = 0
    for position in range(HASH_BYTES):
        counts = np.bincount(as_bytes[:, position], minlength=256).astype(np.int64)
        total += int((counts * (counts - 1) // 2).sum())
    return total


def bench_hashes(args: argparse.Namespace) -> None:
    """Time the hash pass and check it finds every planted pair."""
    hashes, planted = planted_hashes(args.items, args.planted, args.max_distance, args.seed)
    start = time.perf_counter()
    pairs, distances = hash_links(hashes, args.max_distance)
    groups = linked_groups(len(hashes), pairs, distances, worst=max)
    seconds = time.perf_counter() - start
    group_of = {member: number for number, (members, _) in enumerate(groups) for member in members}
    found = sum(1 for a, b in planted.tolist() if a in group_of and group_of[a] == group_of.get(b))
    all_pairs = args.items * (args.items - 1) // 2
    candidates = candidate_pairs(hashes)
    print(
        f"hash pass: {args.items:,} hashes, {args.planted:,} planted pairs within "
        f"{args.max_distance} bits: {seconds:.2f} s, {len(groups):,} groups, "
        f"recall {found / max(1, args.planted):.4f}; compared {candidates:,} candidate pairs "
        f"({candidates / all_pairs:.2%} of {all_pairs:,})"
    )


def unit_rows(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    """Random unit vectors as float16 (as stored), made a block at a time to bound memory."""
    out = np.empty((n, dim), dtype=np.float16)
    for start in range(0, n, 8192):
        block = rng.standard_normal((min(8192, n - start), dim), dtype=np.float32)
        out[start : start + len(block)] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def bench_search(args: argparse.Namespace) -> None:
    """Time top-k search over chunks and check it against a full sort."""
    rng = np.random.default_rng(args.seed)
    vectors = unit_rows(rng, args.items, args.dim)
    ids = np.arange(1, args.items + 1, dtype=np.int64)
    chunks = [(ids[s : s + CHUNK], vectors[s : s + CHUNK]) for s in range(0, args.items, CHUNK)]
    queries = rng.choice(args.items, size=args.queries, replace=False)
    start = time.perf_counter()
    answers = [top_k(vectors[q].astype(np.float32), chunks, K, int(ids[q])) for q in queries]
    per_query = (time.perf_counter() - start) / args.queries * 1000
    q = queries[0]
    scores = vectors.astype(np.float32) @ vectors[q].astype(np.float32)
    scores[q] = -np.inf
    expected = ids[np.lexsort((ids, -scores))[:K]].tolist()
    assert [i for i, _ in answers[0]] == expected, "top-k differs from a full sort"
    print(
        f"search: {args.items:,} x {args.dim} float16 in chunks of {CHUNK}: "
        f"{per_query:.1f} ms per query (k={K}, {args.queries} queries; matches a full sort)"
    )


def bench_cosine(args: argparse.Namespace) -> None:
    """Time the all-pairs embedding pass at one request's size."""
    rng = np.random.default_rng(args.seed + 1)
    vectors = unit_rows(rng, args.cosine_items, args.dim)
    vectors[1::100] = vectors[0::100][: len(vectors[1::100])]  # planted exact copies
    start = time.perf_counter()
    pairs, _ = cosine_pairs(vectors, 0.95)
    seconds = time.perf_counter() - start
    print(
        f"embedding pass: {args.cosine_items:,} x {args.dim}, all pairs: {seconds:.2f} s, "
        f"{len(pairs):,} pairs at cosine >= 0.95"
    )


def seed_store(ctx: Context, args: argparse.Namespace) -> tuple[int, list[int]]:
    """A project of `--store-items` items with random hashes (some planted) and embeddings."""
    project_id, _, _ = populate(ctx, args.store_items, name="similarity")
    hashes, _ = planted_hashes(args.store_items, args.store_items // 100, 6, args.seed)
    rng = np.random.default_rng(args.seed + 2)
    with ctx.db.session(readonly=True) as sess:
        rows = sess.execute(
            select(Item.id, Item.image_id).where(Item.project_id == project_id).order_by(Item.id)
        ).all()
    for start in range(0, len(rows), 5000):
        part = rows[start : start + 5000]
        vectors = unit_rows(rng, len(part), args.dim)
        now = utcnow()
        with ctx.db.session() as sess:
            sess.execute(
                update(Image),
                [
                    {"id": image_id, "phash": f"{int(hashes[start + k]):016x}"}
                    for k, (_, image_id) in enumerate(part)
                ],
            )
            sess.execute(
                insert(ItemEmbedding),
                [
                    {
                        "item_id": item_id,
                        "model": DEFAULT_MODEL,
                        "project_id": project_id,
                        "dim": args.dim,
                        "vector": encode_vector(vectors[k]),
                        "created_at": now,
                    }
                    for k, (item_id, _) in enumerate(part)
                ],
            )
    return project_id, [item_id for item_id, _ in rows]


def bench_store(args: argparse.Namespace) -> None:
    """Time search and grouping through the services, vectors read from the database."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.from_env(data_dir=Path(tmp), database_url=args.database_url)
        ctx = Context.open(settings)
        with ctx.db.session() as sess:
            admin = users.create_user(sess, "bench", "a long enough password", is_admin=True)
        project_id, item_ids = seed_store(ctx, args)
        picks = np.random.default_rng(args.seed).choice(item_ids, size=5, replace=False)
        start = time.perf_counter()
        for item_id in picks.tolist():
            similar_items(ctx, admin, project_id, item_id, k=K)
        per_query = (time.perf_counter() - start) / len(picks) * 1000
        start = time.perf_counter()
        report = find_duplicates(ctx, admin, project_id)
        seconds = time.perf_counter() - start
        ctx.close()
    print(
        f"store ({ctx.db.engine.dialect.name}), {args.store_items:,} items: similar "
        f"{per_query:.0f} ms per query; duplicates {seconds:.2f} s ({report.total_groups:,} "
        f"groups; {report.embedded:,} items in the embedding pass)"
    )


def main() -> None:
    """Run the three benchmarks and print their figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--planted", type=int, default=1000)
    parser.add_argument("--max-distance", type=int, default=6)
    parser.add_argument("--dim", type=int, default=1280)
    parser.add_argument("--queries", type=int, default=20)
    parser.add_argument("--cosine-items", type=int, default=5000)
    parser.add_argument("--store-items", type=int, default=20_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    bench_hashes(args)
    bench_search(args)
    bench_cosine(args)
    if args.store_items:
        bench_store(args)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak:.0f} MB")


if __name__ == "__main__":
    main()
