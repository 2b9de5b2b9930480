"""Similar images and near-duplicate groups of a project, from hashes and embeddings.

Search ranks a project's items by the cosine of their stored embeddings against one
item's (see `services/embeddings.py`). Grouping runs two passes: first every item's
64-bit difference hash (computed at intake), found with multi-index hashing instead of
comparing all pairs; then, among the items no hash linked, embeddings whose cosine passes a
threshold. Linked items are joined into groups with a union-find, and each group says which
pass found it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import select

from labelwright.domain.roles import ProjectRole
from labelwright.services import projects
from labelwright.services.context import Context
from labelwright.services.embeddings import (
    DEFAULT_MODEL,
    embedding_chunks,
    embedding_of,
    embedding_size,
)
from labelwright.services.errors import Conflict, Invalid, NotFound
from labelwright.store.tables import Image as ImageRow
from labelwright.store.tables import Item, User

HASH_BYTES = 8
MAX_HASH_DISTANCE = HASH_BYTES - 1
"""Two hashes within 7 bits differ in at most 7 of their 8 bytes, so they share one exactly."""
MAX_K = 100
DUPLICATE_READERS = frozenset({ProjectRole.manager, ProjectRole.reviewer})
PAIR_BLOCK = 1 << 22
"""Hash pairs compared per numpy step (32 MB of uint64), whatever a bucket's size."""
SCORE_BLOCK = 256
"""Rows converted from float16 and scored per step of a search (1.3 MB of float32 at 1280-d)."""
COSINE_BLOCK = 2048
"""Rows per block of the all-pairs cosine products (a 2048 x 2048 float32 block: 16 MB)."""

_POPCOUNT8 = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)


# --- pure maths ------------------------------------------------------------------------


def hashes_from_hex(values: Sequence[str]) -> np.ndarray:
    """16-hex-digit hashes as uint64 (ValueError names the first that is not one)."""
    out = np.empty(len(values), dtype=np.uint64)
    for index, value in enumerate(values):
        if len(value) != 2 * HASH_BYTES:
            raise ValueError(f"hash {value!r} is not {2 * HASH_BYTES} hex digits")
        out[index] = int(value, 16)
    return out


def popcount64(values: np.ndarray) -> np.ndarray:
    """Set bits of each uint64."""
    if hasattr(np, "bitwise_count"):  # numpy >= 2
        return np.bitwise_count(values)
    as_bytes = np.ascontiguousarray(values).view(np.uint8).reshape(*values.shape, 8)
    return _POPCOUNT8[as_bytes].sum(axis=-1, dtype=np.uint8)


def _bucket_pairs(hashes: np.ndarray, members: np.ndarray, max_distance: int):
    """Pairs (i < j, distance) within one bucket, compared a bounded block of rows at a time."""
    firsts, seconds, distances = [], [], []
    rows_per_block = max(1, PAIR_BLOCK // len(members))
    for start in range(0, len(members), rows_per_block):
        rows = members[start : start + rows_per_block]
        later = members[start:]
        diff = popcount64(hashes[rows][:, None] ^ hashes[later][None, :])
        r, c = np.nonzero(diff <= max_distance)
        keep = c > r  # j after i in the bucket: each pair once, never an item with itself
        firsts.append(rows[r[keep]])
        seconds.append(later[c[keep]])
        distances.append(diff[r[keep], c[keep]])
    return np.concatenate(firsts), np.concatenate(seconds), np.concatenate(distances)


def near_hash_pairs(hashes: np.ndarray, max_distance: int) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (n, 2) of distinct hashes within `max_distance` bits, and their distances.

    Multi-index hashing: the 64 bits are split into 8 bytes; two hashes within 7 bits share
    at least one byte exactly (pigeonhole), so only hashes in the same (byte position, byte
    value) bucket are compared, with XOR and popcount. Random hashes meet 1/32 of the
    others this way instead of all of them. The hashes must be distinct (see `hash_links`).
    """
    if not 0 <= max_distance <= MAX_HASH_DISTANCE:
        raise ValueError(f"max_distance {max_distance}: must be between 0 and {MAX_HASH_DISTANCE}")
    as_bytes = np.ascontiguousarray(hashes, dtype=np.uint64).view(np.uint8)
    as_bytes = as_bytes.reshape(len(hashes), HASH_BYTES)
    found = [(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.uint8))]
    for position in range(HASH_BYTES):
        order = np.argsort(as_bytes[:, position], kind="stable")
        keys = as_bytes[order, position]
        bounds = np.flatnonzero(np.diff(keys)) + 1
        for members in np.split(order, bounds):
            if len(members) > 1:
                # A stable sort keeps each bucket's members in index order, as pairs need.
                found.append(_bucket_pairs(hashes, members, max_distance))
    firsts, seconds, distances = (np.concatenate(parts) for parts in zip(*found, strict=True))
    # A close pair shares several bytes and turns up once per shared byte: keep one.
    codes, first_seen = np.unique(firsts * len(hashes) + seconds, return_index=True)
    pairs = np.stack([codes // max(1, len(hashes)), codes % max(1, len(hashes))], axis=1)
    return pairs.astype(np.int64), distances[first_seen].astype(np.int64)


def hash_links(hashes: np.ndarray, max_distance: int) -> tuple[np.ndarray, np.ndarray]:
    """Links (index pairs) joining the hashes within `max_distance` bits, with their distances.

    Enough links to connect each group, not every pair: items with the same hash are
    chained one to the next, and distinct values are compared once each, so a thousand
    blank images cost one comparison, not half a million.
    """
    values, first, inverse = np.unique(hashes, return_index=True, return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    same = inverse[order[1:]] == inverse[order[:-1]]
    chained = np.stack([order[:-1][same], order[1:][same]], axis=1).astype(np.int64)
    pairs, distances = near_hash_pairs(values, max_distance)
    linked = first[pairs].astype(np.int64) if len(pairs) else np.empty((0, 2), np.int64)
    return (
        np.concatenate([chained.reshape(-1, 2), linked]),
        np.concatenate([np.zeros(len(chained), np.int64), distances]),
    )


def cosine_pairs(vectors: np.ndarray, min_cosine: float) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i < j) of unit rows whose cosine is at least `min_cosine`, and the cosines.

    Blockwise products of the upper triangle, each block converted to float32 once, so
    memory stays at a few blocks however many rows there are.
    """
    n = len(vectors)
    pairs, scores = [np.empty((0, 2), np.int64)], [np.empty(0, np.float32)]
    for top in range(0, n, COSINE_BLOCK):
        rows = np.asarray(vectors[top : top + COSINE_BLOCK], dtype=np.float32)
        for left in range(top, n, COSINE_BLOCK):
            cols = np.asarray(vectors[left : left + COSINE_BLOCK], dtype=np.float32)
            sims = rows @ cols.T
            r, c = np.nonzero(sims >= min_cosine)
            keep = left + c > top + r
            pairs.append(np.stack([top + r[keep], left + c[keep]], axis=1))
            scores.append(sims[r[keep], c[keep]])
    return np.concatenate(pairs).astype(np.int64), np.concatenate(scores)


def cosines(rows: np.ndarray, query: np.ndarray) -> np.ndarray:
    """`rows @ query` in float32 for float16 rows, converted a cache-sized block at a time.

    Converting a whole chunk first writes and rereads a float32 copy twice its size; blocks
    of 256 rows stay in the CPU cache, which makes the search about 1.5x faster.
    """
    query = np.asarray(query, dtype=np.float32)
    if rows.dtype == np.float32:
        return rows @ query
    out = np.empty(len(rows), dtype=np.float32)
    block = np.empty((min(SCORE_BLOCK, len(rows)), rows.shape[1]), dtype=np.float32)
    for start in range(0, len(rows), SCORE_BLOCK):
        part = block[: min(SCORE_BLOCK, len(rows) - start)]
        np.copyto(part, rows[start : start + len(part)], casting="unsafe")
        np.matmul(part, query, out=out[start : start + len(part)])
    return out


def top_k(
    query: np.ndarray, chunks: Iterable[tuple[np.ndarray, np.ndarray]], k: int, skip_id: int
) -> list[tuple[int, float]]:
    """The `k` (id, cosine) best matches of a unit query over (ids, unit rows) chunks, best first.

    Each chunk keeps only its own best k before merging, so memory is one chunk plus 2k.
    Equal scores go to the lower id, so the answer is the same however the rows are chunked.
    """
    best_ids, best_scores = np.empty(0, np.int64), np.empty(0, np.float32)
    query = np.asarray(query, dtype=np.float32)
    for ids, rows in chunks:
        scores = cosines(rows, query)
        keep = ids != skip_id
        ids = np.concatenate([best_ids, ids[keep]])
        scores = np.concatenate([best_scores, scores[keep]])
        order = np.lexsort((ids, -scores))[:k]
        best_ids, best_scores = ids[order], scores[order]
    clipped = np.clip(best_scores, -1.0, 1.0).tolist()
    return list(zip(best_ids.tolist(), clipped, strict=True))


class UnionFind:
    """Disjoint sets over 0..n-1 (path halving, union by size)."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.size = [1] * n

    def find(self, x: int) -> int:
        """The representative of x's set."""
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: int, b: int) -> int:
        """Join the sets of a and b; returns the new representative."""
        a, b = self.find(a), self.find(b)
        if a == b:
            return a
        if self.size[a] < self.size[b]:
            a, b = b, a
        self.parent[b] = a
        self.size[a] += self.size[b]
        return a


# --- search ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SimilarItem:
    """One match: the item, its file name, and the cosine of its embedding to the query's."""

    item_id: int
    file_name: str
    score: float


@dataclass(frozen=True)
class SimilarAnswer:
    """The best matches of one item, best first."""

    item_id: int
    model: str
    items: list[SimilarItem]


def _file_names(ctx: Context, project_id: int, item_ids: list[int]) -> dict[int, str]:
    if not item_ids:
        return {}
    query = select(Item.id, Item.file_name).where(
        Item.project_id == project_id, Item.id.in_(item_ids)
    )
    with ctx.db.session(readonly=True) as sess:
        return dict(sess.execute(query).all())


def _missing_embeddings(ctx: Context, project_name: str, project_id: int, model: str) -> Conflict:
    return Conflict(
        f"project {project_name!r} has no embeddings of model {model!r} yet: run the embed job "
        f"(POST /api/projects/{project_id}/embeddings, or `labelwright embed {project_id}`)",
        model=model,
    )


def similar_items(
    ctx: Context, user: User, project_id: int, item_id: int, *, k: int = 12, model: str = ""
) -> SimilarAnswer:
    """The `k` items of the project whose embeddings are closest (cosine) to this item's."""
    model = model or DEFAULT_MODEL
    if not 1 <= k <= MAX_K:
        raise Invalid(f"k {k}: must be between 1 and {MAX_K}")
    with ctx.db.session(readonly=True) as sess:
        access = projects.require(sess, user, project_id, projects.READ)
        item = sess.get(Item, item_id)
        if item is None or item.project_id != project_id:
            raise NotFound(f"item {item_id} does not exist in project {project_id}")
        query = embedding_of(sess, item_id, model)
        if query is None and embedding_size(sess, project_id, model) is None:
            raise _missing_embeddings(ctx, access.project.name, project_id, model)
    if query is None:
        raise Conflict(
            f"item {item_id} ({item.file_name}) has no embedding of model {model!r} yet: "
            "run the embed job again to embed the items added since",
            model=model,
        )
    best = top_k(query, embedding_chunks(ctx, project_id, model, len(query)), k, item_id)
    names = _file_names(ctx, project_id, [i for i, _ in best])
    matches = [SimilarItem(i, names[i], score) for i, score in best if i in names]
    return SimilarAnswer(item_id, model, matches)


# --- near-duplicate groups -------------------------------------------------------------

EMBEDDING_PASS_LIMIT = 20_000
"""Items the all-pairs embedding pass compares in one request (20,000: about 10 s on 2 cores)."""


@dataclass(frozen=True)
class DuplicateGroup:
    """Items that look alike, which pass found them, and the weakest link that joined them.

    `weakest` is the largest Hamming distance of a link (hash pass) or the lowest cosine of a
    link (embedding pass): two members may be further apart through a chain of links.
    """

    found_by: str  # "hash" | "embedding"
    weakest: float
    items: list[tuple[int, str]]  # (item id, file name), by id


@dataclass
class DuplicateReport:
    """A project's near-duplicate groups, largest first, and what each pass compared."""

    max_distance: int
    min_cosine: float
    model: str
    hashed: int = 0
    embedded: int = 0
    embedding_note: str = ""  # why the embedding pass did not run, when it did not
    total_groups: int = 0
    groups: list[DuplicateGroup] = field(default_factory=list)


def linked_groups(
    n: int, pairs: np.ndarray, weights: np.ndarray, *, worst: Callable[[float, float], float]
) -> list[tuple[list[int], float]]:
    """Connected components (size > 1) of the links as (member indices, worst weight)."""
    sets = UnionFind(n)
    for a, b in pairs.tolist():
        sets.union(a, b)
    members: dict[int, list[int]] = {}
    weakest: dict[int, float] = {}
    for (a, _), weight in zip(pairs.tolist(), weights.tolist(), strict=True):
        root = sets.find(a)
        weakest[root] = weight if root not in weakest else worst(weakest[root], weight)
    for index in {i for pair in pairs.tolist() for i in pair}:
        members.setdefault(sets.find(index), []).append(index)
    return [(sorted(found), weakest[root]) for root, found in members.items()]


def _project_hashes(ctx: Context, project_id: int) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Item ids (ascending), file names and uint64 difference hashes of a project's items."""
    query = (
        select(Item.id, Item.file_name, ImageRow.phash)
        .join(ImageRow, ImageRow.id == Item.image_id)
        .where(Item.project_id == project_id)
        .order_by(Item.id)
    )
    with ctx.db.session(readonly=True) as sess:
        rows = sess.execute(query).all()
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    return ids, [r[1] for r in rows], hashes_from_hex([r[2] for r in rows])


def _ungrouped_vectors(
    ctx: Context, project_id: int, model: str, dim: int, ids: np.ndarray, grouped: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Positions in `ids` and embeddings of the items the hash pass left alone."""
    positions, blocks = [np.empty(0, np.int64)], [np.empty((0, dim), np.float16)]
    if not len(ids):
        return positions[0], blocks[0]
    for chunk_ids, rows in embedding_chunks(ctx, project_id, model, dim):
        # An embedding of an item added after the hashes were read has no position: skip it.
        at = np.clip(np.searchsorted(ids, chunk_ids), 0, len(ids) - 1)
        keep = (ids[at] == chunk_ids) & ~grouped[at]
        positions.append(at[keep])
        blocks.append(rows[keep])
    return np.concatenate(positions), np.concatenate(blocks)


def _embedding_groups(
    ctx: Context, report: DuplicateReport, project_id: int, ids: np.ndarray, grouped: np.ndarray
) -> list[tuple]:
    """The embedding pass: groups among the items not grouped by hash, or a note why none."""
    with ctx.db.session(readonly=True) as sess:
        dim = embedding_size(sess, project_id, report.model)
    if dim is None:
        report.embedding_note = (
            f"no embeddings of model {report.model!r} yet: run the embed job to add this pass"
        )
        return []
    positions, vectors = _ungrouped_vectors(ctx, project_id, report.model, dim, ids, grouped)
    if len(positions) > EMBEDDING_PASS_LIMIT:
        report.embedding_note = (
            f"{len(positions)} items to compare by embedding, more than the "
            f"{EMBEDDING_PASS_LIMIT} one request compares; only the hash pass ran"
        )
        return []
    report.embedded = len(positions)
    pairs, cosines = cosine_pairs(vectors, report.min_cosine)
    found = linked_groups(len(positions), pairs, cosines, worst=min)
    return [(positions[members].tolist(), weakest) for members, weakest in found]


def find_duplicates(
    ctx: Context,
    user: User,
    project_id: int,
    *,
    max_distance: int = 6,
    min_cosine: float = 0.95,
    model: str = "",
    limit: int = 100,
) -> DuplicateReport:
    """Near-duplicate groups: by difference hash first, then by embedding among the rest."""
    if not 0 <= max_distance <= MAX_HASH_DISTANCE:
        raise Invalid(f"max_distance {max_distance}: must be between 0 and {MAX_HASH_DISTANCE}")
    if not 0.0 < min_cosine <= 1.0:
        raise Invalid(f"min_cosine {min_cosine}: must be above 0 and at most 1")
    if limit < 1:
        raise Invalid(f"limit {limit}: must be at least 1")
    with ctx.db.session(readonly=True) as sess:
        projects.require(sess, user, project_id, DUPLICATE_READERS)
    report = DuplicateReport(max_distance, min_cosine, model or DEFAULT_MODEL)
    ids, names, hashes = _project_hashes(ctx, project_id)
    report.hashed = len(ids)
    pairs, distances = hash_links(hashes, max_distance)
    by_hash = linked_groups(len(ids), pairs, distances, worst=max)
    grouped = np.zeros(len(ids), dtype=bool)
    for members, _ in by_hash:
        grouped[members] = True
    by_embedding = _embedding_groups(ctx, report, project_id, ids, grouped)
    groups = [("hash", g) for g in by_hash] + [("embedding", g) for g in by_embedding]
    groups.sort(key=lambda found: (-len(found[1][0]), found[1][0][0]))
    report.total_groups = len(groups)
    report.groups = [
        DuplicateGroup(kind, float(weakest), [(int(ids[i]), names[i]) for i in members])
        for kind, (members, weakest) in groups[:limit]
    ]
    return report
