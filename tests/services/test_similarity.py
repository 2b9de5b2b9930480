"""Similar images and near-duplicate groups: the maths against brute force, the embed job,
search and grouping over the store, and the real embedding model on photos."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage
from skimage import data
from sqlalchemy import select

from labelwright.domain.roles import ProjectRole
from labelwright.hookspecs import hookimpl
from labelwright.models.protocol import ModelEntry, ModelSpec, PredictOptions
from labelwright.models.registry import available, default_registry, get_model_entry
from labelwright.services import jobs, projects, similarity, users
from labelwright.services.embeddings import (
    DEFAULT_MODEL,
    EmbedRequest,
    encode_vector,
    queue_embed,
)
from labelwright.services.errors import Conflict, Forbidden, Invalid, NotFound
from labelwright.services.intake import import_paths
from labelwright.services.similarity import (
    UnionFind,
    cosine_pairs,
    find_duplicates,
    hash_links,
    hashes_from_hex,
    linked_groups,
    near_hash_pairs,
    popcount64,
    similar_items,
    top_k,
)
from labelwright.store.tables import Image, Item, ItemEmbedding, utcnow

PASSWORD = "a long enough password"

# --- a small embedding model of our own, so the job runs without the models extra ------

TOY = ModelSpec(name="toy-embedder", description="colour layout", labels=(), kinds=("tag",))
BLIND = ModelSpec(name="toy-blind", description="predicts, embeds nothing", labels=(), kinds=())


class ToyEmbedder:
    """An 8x8 colour layout of the image: equal pictures get equal vectors."""

    spec = TOY

    def __init__(self, **settings) -> None:
        self.settings = settings

    def predict(self, images, options: PredictOptions):
        return [[] for _ in images]

    def embed(self, images) -> np.ndarray:
        small = [np.asarray(PILImage.fromarray(i).resize((8, 8)), np.float32) for i in images]
        return np.stack([s.ravel() - s.mean() for s in small])


class BlindModel:
    """A batch model without `embed`."""

    spec = BLIND

    def __init__(self, **settings) -> None:
        pass

    def predict(self, images, options: PredictOptions):
        return [[] for _ in images]


class ToyPlugin:
    @hookimpl
    def labelwright_models(self) -> list[ModelEntry]:
        return [
            ModelEntry("toy-embedder", f"{__name__}:ToyEmbedder", TOY),
            ModelEntry("toy-blind", f"{__name__}:BlindModel", BLIND),
        ]


@pytest.fixture(scope="module", autouse=True)
def toy_registered():
    registry = default_registry()
    if "toy-embedder" not in registry.names():
        registry.register(ToyPlugin(), name="toy-embedder-plugin")


needs_model = pytest.mark.skipif(
    not available(get_model_entry(DEFAULT_MODEL)), reason="needs labelwright[models]"
)

# --- the maths ---------------------------------------------------------------------------


def _random_hashes(n: int, planted: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    hashes = rng.integers(0, 2**64, size=n, dtype=np.uint64)
    for _ in range(planted):  # a copy of one hash, 0 to 7 bits flipped, over another
        source, target = rng.integers(n, size=2)
        flips = rng.choice(64, size=rng.integers(0, 8), replace=False)
        mask = np.uint64(sum(1 << int(b) for b in flips))
        hashes[target] = hashes[source] ^ mask
    return hashes


def _brute_pairs(hashes: np.ndarray, max_distance: int) -> set[tuple[int, int]]:
    distance = popcount64(hashes[:, None] ^ hashes[None, :])
    first, second = np.nonzero(np.triu(distance <= max_distance, k=1))
    return set(zip(first.tolist(), second.tolist(), strict=True))


@pytest.mark.parametrize("max_distance", [0, 1, 3, 6, 7])
def test_multi_index_hashing_finds_exactly_the_pairs_brute_force_finds(max_distance):
    hashes = np.unique(_random_hashes(2000, planted=300))
    pairs, distances = near_hash_pairs(hashes, max_distance)
    assert set(map(tuple, pairs.tolist())) == _brute_pairs(hashes, max_distance)
    assert len(pairs) > 0 or max_distance == 0
    expected = popcount64(hashes[pairs[:, 0]] ^ hashes[pairs[:, 1]])
    assert np.array_equal(distances, expected.astype(np.int64))


def test_large_buckets_are_compared_in_blocks(monkeypatch):
    # Hashes sharing their low byte form one bucket of 500; blocks of 64 rows cover it all.
    monkeypatch.setattr(similarity, "PAIR_BLOCK", 64 * 500)
    rng = np.random.default_rng(3)
    hashes = np.unique(rng.integers(0, 2**56, size=500, dtype=np.uint64) << np.uint64(8))
    hashes[::50] = hashes[1::50] ^ np.uint64(0b1011 << 8)
    hashes = np.unique(hashes)
    pairs, _ = near_hash_pairs(hashes, 5)
    assert set(map(tuple, pairs.tolist())) == _brute_pairs(hashes, 5) and len(pairs) >= 9


def test_identical_hashes_are_chained_and_far_ones_refused():
    hashes = hashes_from_hex(["0" * 16, "f" * 16, "0" * 16, "0" * 15 + "1", "0" * 16])
    pairs, distances = hash_links(hashes, 1)
    groups = linked_groups(len(hashes), pairs, distances, worst=max)
    assert groups == [([0, 2, 3, 4], 1)]
    with pytest.raises(ValueError, match="between 0 and 7"):
        near_hash_pairs(hashes, 8)
    with pytest.raises(ValueError, match="16 hex digits"):
        hashes_from_hex(["abc"])


def test_popcount_without_numpy_bitwise_count(monkeypatch):
    values = _random_hashes(100, planted=0)
    expected = [bin(int(v)).count("1") for v in values]
    monkeypatch.delattr(np, "bitwise_count", raising=False)
    assert popcount64(values).tolist() == expected


def _unit_rows(n: int, dim: int, seed: int = 0) -> np.ndarray:
    rows = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_cosine_pairs_over_blocks_match_the_full_product(monkeypatch):
    monkeypatch.setattr(similarity, "COSINE_BLOCK", 16)
    vectors = _unit_rows(70, 12)
    vectors[45] = vectors[3] + 0.01  # near copies across blocks and inside one
    vectors[9] = vectors[8]
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    pairs, scores = cosine_pairs(vectors.astype(np.float16), 0.9)
    full = vectors @ vectors.T
    first, second = np.nonzero(np.triu(full >= 0.9, k=1))
    assert set(map(tuple, pairs.tolist())) == set(zip(first.tolist(), second.tolist(), strict=True))
    assert {(3, 45), (8, 9)} <= set(map(tuple, pairs.tolist()))
    assert np.allclose(scores, full[pairs[:, 0], pairs[:, 1]], atol=2e-3)


def test_float16_rows_are_scored_block_by_block_like_one_product():
    rows = _unit_rows(600, 32, seed=2).astype(np.float16)  # two full blocks and a part
    query = _unit_rows(1, 32, seed=3)[0]
    expected = rows.astype(np.float32) @ query
    assert np.allclose(similarity.cosines(rows, query), expected, atol=1e-6)
    assert similarity.cosines(rows[:0], query).shape == (0,)


@pytest.mark.parametrize("chunk", [1, 7, 100])
def test_top_k_is_the_same_however_the_rows_are_chunked(chunk):
    vectors = _unit_rows(60, 16, seed=1)
    ids = np.arange(100, 160, dtype=np.int64)
    vectors[10] = vectors[20]  # a tie: the lower id comes first
    chunks = [(ids[s : s + chunk], vectors[s : s + chunk]) for s in range(0, 60, chunk)]
    best = top_k(vectors[5], chunks, 6, skip_id=105)
    scores = vectors @ vectors[5]
    scores[5] = -np.inf
    expected = np.lexsort((ids, -scores))[:6]
    assert [i for i, _ in best] == ids[expected].tolist()
    assert [s for _, s in best] == pytest.approx(scores[expected].tolist(), abs=1e-6)
    assert 105 not in [i for i, _ in best]


def test_union_find_joins_chains():
    sets = UnionFind(6)
    sets.union(0, 1)
    sets.union(4, 5)
    sets.union(1, 4)
    assert sets.find(5) == sets.find(0) != sets.find(2)


# --- over the store ----------------------------------------------------------------------


def _project(ctx, tmp_path: Path, images: dict[str, np.ndarray]) -> tuple:
    """An admin, a project holding these images (name -> pixels), and item ids by name."""
    with ctx.db.session() as sess:
        boss = users.create_user(sess, "boss", PASSWORD, is_admin=True)
        project_id = projects.create_project(sess, "photos", creator=boss).id
    paths = []
    for name, pixels in images.items():
        path = tmp_path / "in" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        options = {"quality": 92} if name.endswith(".jpg") else {}
        PILImage.fromarray(pixels).save(path, **options)
        paths.append(path)
    import_paths(ctx, project_id, paths)
    with ctx.db.session(readonly=True) as sess:
        rows = sess.execute(select(Item.file_name, Item.id).where(Item.project_id == project_id))
        return boss, project_id, dict(rows.all())


def _member(ctx, project_id: int, role: ProjectRole):
    with ctx.db.session() as sess:
        user = users.create_user(sess, role.value, PASSWORD)
        projects.set_member(sess, projects.find_project(sess, project_id), user, role)
        return user


def _noise(seed: int, size=(48, 64)) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, size=(*size, 3), dtype=np.uint8)


def _put_vectors(ctx, project_id: int, vectors: dict[int, np.ndarray], model: str) -> None:
    with ctx.db.session() as sess:
        for item_id, vector in vectors.items():
            unit = vector / np.linalg.norm(vector)
            sess.add(
                ItemEmbedding(
                    item_id=item_id,
                    model=model,
                    project_id=project_id,
                    dim=len(unit),
                    vector=encode_vector(unit),
                    created_at=utcnow(),
                )
            )


def test_similar_items_ranks_by_cosine_and_refuses_clearly(any_ctx, tmp_path):
    names = [f"n{i}.png" for i in range(5)]
    boss, project_id, ids = _project(any_ctx, tmp_path, {n: _noise(i) for i, n in enumerate(names)})
    with pytest.raises(Conflict, match="no embeddings of model 'toy-embedder' yet: run the embed"):
        similar_items(any_ctx, boss, project_id, ids["n0.png"], model="toy-embedder")
    base = np.array([1.0, 0.0, 0.0])
    _put_vectors(
        any_ctx,
        project_id,
        {
            ids["n0.png"]: base,
            ids["n1.png"]: np.array([0.9, 0.1, 0.0]),
            ids["n2.png"]: np.array([0.0, 1.0, 0.0]),
            ids["n3.png"]: np.array([0.7, 0.7, 0.0]),
        },
        "toy-embedder",
    )
    client = _member(any_ctx, project_id, ProjectRole.client)  # every member may search
    answer = similar_items(any_ctx, client, project_id, ids["n0.png"], k=2, model="toy-embedder")
    assert [m.file_name for m in answer.items] == ["n1.png", "n3.png"]
    assert answer.items[0].score == pytest.approx(0.9 / np.hypot(0.9, 0.1), abs=1e-3)
    everything = similar_items(any_ctx, boss, project_id, ids["n0.png"], model="toy-embedder")
    assert [m.file_name for m in everything.items] == ["n1.png", "n3.png", "n2.png"]
    with pytest.raises(Conflict, match=r"item \d+ \(n4.png\) has no embedding"):
        similar_items(any_ctx, boss, project_id, ids["n4.png"], model="toy-embedder")
    with pytest.raises(NotFound, match="item 999"):
        similar_items(any_ctx, boss, project_id, 999, model="toy-embedder")
    with pytest.raises(Invalid, match="k 0"):
        similar_items(any_ctx, boss, project_id, ids["n0.png"], k=0)


def test_duplicates_by_hash_then_by_embedding(any_ctx, tmp_path):
    photo = data.astronaut()
    images = {
        "a.png": photo,
        "a-again.jpg": photo,  # re-encoded: other bytes, the same difference hash
        "b.png": _noise(1),
        "b-like.png": _noise(2),  # unrelated pixels, but we give it b's embedding below
        "c.png": _noise(3),
    }
    boss, project_id, ids = _project(any_ctx, tmp_path, images)
    report = find_duplicates(any_ctx, boss, project_id, model="toy-embedder")
    assert [(g.found_by, [n for _, n in g.items]) for g in report.groups] == [
        ("hash", ["a.png", "a-again.jpg"])
    ]
    assert report.hashed == 5 and "run the embed job" in report.embedding_note
    same = np.array([0.2, 0.5, 0.8])
    _put_vectors(
        any_ctx,
        project_id,
        {
            ids["a.png"]: same,  # grouped by hash already: the embedding pass leaves it
            ids["b.png"]: same,
            ids["b-like.png"]: same + np.array([0.05, -0.05, 0.0]),
            ids["c.png"]: np.array([1.0, 0.0, 0.0]),
        },
        "toy-embedder",
    )
    report = find_duplicates(any_ctx, boss, project_id, model="toy-embedder")
    assert report.embedded == 3 and report.embedding_note == ""
    found = [(g.found_by, [n for _, n in g.items]) for g in report.groups]
    assert found == [("hash", ["a.png", "a-again.jpg"]), ("embedding", ["b.png", "b-like.png"])]
    assert 0.99 < report.groups[1].weakest < 0.999 and report.groups[0].weakest <= 6
    strict = find_duplicates(any_ctx, boss, project_id, model="toy-embedder", min_cosine=0.999)
    assert [g.found_by for g in strict.groups] == ["hash"]


def test_duplicates_are_for_managers_and_reviewers_with_checked_bounds(ctx, tmp_path):
    boss, project_id, _ = _project(ctx, tmp_path, {"x.png": _noise(0)})
    reviewer = _member(ctx, project_id, ProjectRole.reviewer)
    assert find_duplicates(ctx, reviewer, project_id).groups == []
    annotator = _member(ctx, project_id, ProjectRole.annotator)
    with pytest.raises(Forbidden):
        find_duplicates(ctx, annotator, project_id)
    with pytest.raises(Invalid, match="max_distance 8"):
        find_duplicates(ctx, boss, project_id, max_distance=8)
    with pytest.raises(Invalid, match=r"min_cosine 1\.5"):
        find_duplicates(ctx, boss, project_id, min_cosine=1.5)


# --- the embed job -----------------------------------------------------------------------


def _embed(ctx, user, project_id, **request):
    return jobs.run_inline(ctx, queue_embed(ctx, user, project_id, EmbedRequest(**request)))


def test_the_embed_job_stores_float16_vectors_and_a_rerun_adds_nothing(any_ctx, tmp_path):
    images = {f"n{i}.png": _noise(i) for i in range(3)}
    boss, project_id, ids = _project(any_ctx, tmp_path, images)
    job = _embed(any_ctx, boss, project_id, model="toy-embedder", executor="inline")
    assert job.state == "done", job.error
    assert job.result["images"] == 3 and job.result["dim"] == 192 and job.done == job.total == 3
    with any_ctx.db.session(readonly=True) as sess:
        rows = list(sess.scalars(select(ItemEmbedding)))
    assert {r.item_id for r in rows} == set(ids.values())
    vector = np.frombuffer(rows[0].vector, dtype="<f2")
    assert len(vector) == rows[0].dim == 192 and np.linalg.norm(vector) == pytest.approx(1, 1e-3)
    again = _embed(any_ctx, boss, project_id, model="toy-embedder", executor="inline")
    assert again.state == "done" and again.result["images"] == 0 and again.total == 0


def test_an_unreadable_image_fails_alone_and_is_retried(ctx, tmp_path):
    boss, project_id, ids = _project(ctx, tmp_path, {"ok.png": _noise(0), "lost.png": _noise(1)})
    with ctx.db.session(readonly=True) as sess:
        key = sess.scalar(
            select(Image.blob_key)
            .join(Item, Item.image_id == Image.id)
            .where(Item.id == ids["lost.png"])
        )
    ctx.blobs.local_path(key).write_bytes(b"not an image")  # damaged on disk
    job = _embed(ctx, boss, project_id, model="toy-embedder", executor="inline")
    assert job.state == "done" and job.result["images"] == 1 and job.result["failed"] == 1
    again = _embed(ctx, boss, project_id, model="toy-embedder", executor="inline")
    assert again.total == 1 and again.result["failed"] == 1


def test_only_items_in_the_asked_states_are_embedded(ctx, tmp_path):
    boss, project_id, ids = _project(ctx, tmp_path, {"a.png": _noise(0), "b.png": _noise(1)})
    with ctx.db.session() as sess:
        sess.get(Item, ids["b.png"]).state = "accepted"
    job = _embed(
        ctx, boss, project_id, model="toy-embedder", executor="inline", states=("accepted",)
    )
    assert job.result["images"] == 1
    with ctx.db.session(readonly=True) as sess:
        assert list(sess.scalars(select(ItemEmbedding.item_id))) == [ids["b.png"]]


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (EmbedRequest(model="no-such-model"), "no-such-model"),
        (EmbedRequest(model="grabcut"), "interactive"),
        (EmbedRequest(model="toy-embedder", states=("done",)), "unknown item states"),
        (EmbedRequest(model="toy-embedder", executor="gpu"), "executor 'gpu'"),
    ],
)
def test_bad_requests_are_refused_before_queueing(ctx, tmp_path, request_, message):
    boss, project_id, _ = _project(ctx, tmp_path, {"a.png": _noise(0)})
    with pytest.raises(Invalid, match=message):
        queue_embed(ctx, boss, project_id, request_)


def test_embedding_needs_a_manager_and_a_model_that_embeds(ctx, tmp_path):
    boss, project_id, _ = _project(ctx, tmp_path, {"a.png": _noise(0)})
    reviewer = _member(ctx, project_id, ProjectRole.reviewer)
    with pytest.raises(Forbidden):
        queue_embed(ctx, reviewer, project_id, EmbedRequest(model="toy-embedder"))
    job = _embed(ctx, boss, project_id, model="toy-blind", executor="inline")
    assert job.state == "failed" and "computes no embeddings" in job.error


# --- the real model on photos ------------------------------------------------------------


def _photos() -> dict[str, np.ndarray]:
    photos = {n: getattr(data, n)() for n in ("astronaut", "coffee", "chelsea", "rocket")}
    photos["camera"] = np.stack([data.camera()] * 3, axis=-1)
    coffee = photos["coffee"]
    h, w = coffee.shape[:2]
    mirrored = np.ascontiguousarray(
        coffee[h // 20 : h - h // 20, w // 20 : w - w // 20, :][:, ::-1]
    )
    named = {f"{n}.png": p for n, p in photos.items()}
    named["coffee-cropped-mirrored.png"] = mirrored
    named["astronaut.jpg"] = photos["astronaut"]  # an exact re-encode
    return named


@needs_model
def test_the_real_model_on_a_local_pool_finds_a_mirrored_crop_and_a_re_encode(ctx, tmp_path):
    boss, project_id, ids = _project(ctx, tmp_path, _photos())
    job = _embed(ctx, boss, project_id, executor="local", workers=1)
    assert job.state == "done", job.error
    assert job.result["images"] == 7 and job.result["dim"] == 1280
    answer = similar_items(ctx, boss, project_id, ids["coffee.png"], k=3)
    assert answer.items[0].file_name == "coffee-cropped-mirrored.png"
    assert answer.items[0].score > 0.95 > answer.items[1].score
    report = find_duplicates(ctx, boss, project_id)
    found = [(g.found_by, sorted(n for _, n in g.items)) for g in report.groups]
    assert sorted(found) == [
        ("embedding", ["coffee-cropped-mirrored.png", "coffee.png"]),
        ("hash", ["astronaut.jpg", "astronaut.png"]),
    ]


@needs_model
def test_the_real_model_on_postgres_inline(any_ctx, tmp_path):
    photos = {k: v for k, v in _photos().items() if k.startswith(("coffee", "chelsea", "rocket"))}
    boss, project_id, ids = _project(any_ctx, tmp_path, photos)
    job = _embed(any_ctx, boss, project_id, executor="inline")
    assert job.state == "done", job.error
    answer = similar_items(any_ctx, boss, project_id, ids["coffee-cropped-mirrored.png"], k=1)
    assert [m.file_name for m in answer.items] == ["coffee.png"]


@needs_model
@pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="needs labelwright[ray]")
def test_the_embed_job_on_a_local_ray_cluster(ctx, tmp_path):
    import ray

    photos = {k: v for k, v in _photos().items() if k.startswith("coffee")}
    boss, project_id, _ = _project(ctx, tmp_path, photos)
    try:
        job = _embed(ctx, boss, project_id, executor="ray", workers=1)
    finally:
        ray.shutdown()
    assert job.state == "done", job.error
    assert job.result["executor"] == "ray" and job.result["images"] == 2
