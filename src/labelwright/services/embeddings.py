"""Image embeddings of a project's items, computed by a model as a background job.

Images are decoded and embedded on workers (a local process pool, or Ray actors when a
cluster is set), each loading the model once; the vectors come back L2-normalised and are
stored per (item, model) as float16 bytes. An item that already has an embedding of the
model is skipped, so a rerun or a resumed job only embeds what is new.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
from sqlalchemy import Select, exists, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from labelwright.jobs.executors import make_executor
from labelwright.jobs.runner import JobControl, JobFailed
from labelwright.media.blobs import BlobStore
from labelwright.models.protocol import ModelError
from labelwright.models.registry import (
    load_model,
)
from labelwright.models.run import load_rgb
from labelwright.services import jobs
from labelwright.services.context import Context
from labelwright.services.errors import Invalid
from labelwright.services.item_tasks import count_pending, item_tasks, pending_items
from labelwright.services.prelabel import batch_model_entry, check_states, confine_paths
from labelwright.store.tables import Item, ItemEmbedding, User, utcnow

DEFAULT_MODEL = "imagenet-mobilenet-v2"
IMAGES_PER_TASK = 16
"""Images a worker embeds per task: enough to batch, small enough to report progress."""
VECTOR_DTYPE = np.dtype("<f2")
"""Stored values: little-endian float16 (half the bytes of float32; cosines move by ~1e-3)."""
EXECUTORS = ("local", "ray", "inline")
READ_CHUNK = 4096
"""Embeddings read from the store per query when scanning a project."""


@dataclass(frozen=True)
class EmbedRequest:
    """Which model embeds which items, and where the work runs."""

    model: str = DEFAULT_MODEL
    settings: dict[str, Any] = field(default_factory=dict)
    states: tuple[str, ...] = ()
    executor: str | None = None
    workers: int | None = None

    def params(self) -> dict[str, Any]:
        """The job parameters (JSON)."""
        return {
            "model": self.model,
            "settings": self.settings,
            "states": list(self.states),
            "executor": self.executor,
            "workers": self.workers,
        }

    @classmethod
    def of(cls, params: dict[str, Any]) -> EmbedRequest:
        """Back from job parameters."""
        values = dict(params)
        values["states"] = tuple(values.get("states") or ())
        return cls(**values)


def check_request(request: EmbedRequest) -> EmbedRequest:
    """Refuse what cannot run (unknown model, missing package, bad numbers) before queueing."""
    batch_model_entry(request.model, "embed")
    if request.executor not in (None, *EXECUTORS):
        raise Invalid(f"executor {request.executor!r}: use {', '.join(EXECUTORS)}")
    check_states(request.states)
    return request


def queue_embed(
    ctx: Context, user: User, project_id: int, request: EmbedRequest, *, confine: bool = False
) -> int:
    """Check the request and queue an embedding job (managers); returns the job id."""
    if confine:
        request = EmbedRequest.of(
            {**request.params(), "settings": confine_paths(ctx, request.settings)}
        )
    return jobs.queue_job(ctx, user, project_id, "embed", check_request(request).params())


# --- vectors in the store --------------------------------------------------------------


def encode_vector(vector: np.ndarray) -> bytes:
    """The stored form of one embedding: float16 bytes."""
    return np.asarray(vector, dtype=VECTOR_DTYPE).tobytes()


def decode_vectors(blobs: list[bytes], dim: int) -> np.ndarray:
    """Stored embeddings back as one (n, dim) float16 matrix."""
    return np.frombuffer(b"".join(blobs), dtype=VECTOR_DTYPE).reshape(len(blobs), dim)


def embedding_size(sess: Session, project_id: int, model: str) -> int | None:
    """The size of the project's embeddings of the model, or None when it has none yet."""
    found = select(ItemEmbedding.dim).where(
        ItemEmbedding.project_id == project_id, ItemEmbedding.model == model
    )
    return sess.scalar(found.order_by(ItemEmbedding.item_id).limit(1))


def embedding_of(sess: Session, item_id: int, model: str) -> np.ndarray | None:
    """One item's embedding as float32, or None when it has none of this model."""
    row = sess.get(ItemEmbedding, (item_id, model))
    return None if row is None else decode_vectors([row.vector], row.dim)[0].astype(np.float32)


def embedding_chunks(
    ctx: Context, project_id: int, model: str, dim: int, chunk: int = READ_CHUNK
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The project's embeddings of `model` (of size `dim`) as (item ids, float16 rows) chunks.

    Read by keyset on item id, one short read-only session per chunk, so a scan of a large
    project holds neither a transaction nor all of its vectors at once.
    """
    last = 0
    while True:
        query = (
            select(ItemEmbedding.item_id, ItemEmbedding.vector)
            .where(
                ItemEmbedding.project_id == project_id,
                ItemEmbedding.model == model,
                ItemEmbedding.dim == dim,
                ItemEmbedding.item_id > last,
            )
            .order_by(ItemEmbedding.item_id)
            .limit(chunk)
        )
        with ctx.db.session(readonly=True) as sess:
            rows = sess.execute(query).all()
        if not rows:
            return
        last = rows[-1][0]
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        yield ids, decode_vectors([r[1] for r in rows], dim)


# --- on the workers ------------------------------------------------------------------


@dataclass
class Embedded:
    """One item's answer from a worker: its vector as stored, or why it has none."""

    item_id: int
    vector: bytes = b""
    dim: int = 0
    error: str | None = None


def normalised(vectors: Any, count: int, model: str) -> np.ndarray:
    """A model's embeddings checked (one finite row per image) and scaled to unit length."""
    array = np.asarray(vectors, dtype=np.float32)
    if array.ndim != 2 or array.shape[0] != count or array.shape[1] == 0:
        raise ModelError(
            f"model {model!r} answered embeddings of shape {array.shape} for {count} images"
        )
    if not np.isfinite(array).all():
        raise ModelError(f"model {model!r} answered embeddings that are not finite numbers")
    return array / np.maximum(np.linalg.norm(array, axis=1, keepdims=True), 1e-12)


@dataclass(frozen=True)
class Embedder:
    """A picklable worker factory: loads the model once, then embeds task after task."""

    model: str
    settings: dict[str, Any]
    storage_url: str

    def __call__(self) -> Callable[[list[tuple[int, str]]], list[Embedded]]:
        """Build this worker's function (one that says why, when the model cannot load)."""
        try:
            model = load_model(self.model, self.settings)
            if not callable(getattr(model, "embed", None)):
                raise ModelError(
                    f"model {self.model!r} computes no embeddings (it has no `embed` method); "
                    f"use {DEFAULT_MODEL!r}"
                )
        except ModelError as exc:
            # Raised from the first task rather than here: a pool worker that dies while
            # starting is reported only as a broken pool, without this message.
            reason = str(exc)

            def refuse(task: list[tuple[int, str]]) -> list[Embedded]:
                raise ModelError(reason)

            return refuse
        return partial(self._embed_task, model, BlobStore(self.storage_url))

    def _embed_task(
        self, model: Any, blobs: BlobStore, task: list[tuple[int, str]]
    ) -> list[Embedded]:
        """Decode and embed one task's images; a file that cannot be read fails alone."""
        failed, ids, images = [], [], []
        for item_id, key in task:
            try:
                images.append(load_rgb(blobs.read_bytes(key)))
                ids.append(item_id)
            except (OSError, ModelError) as exc:
                failed.append(Embedded(item_id, error=str(exc)))
        if not images:
            return failed
        vectors = normalised(model.embed(images), len(images), self.model)
        dim = vectors.shape[1]
        return failed + [
            Embedded(i, encode_vector(v), dim) for i, v in zip(ids, vectors, strict=True)
        ]


# --- in the job ----------------------------------------------------------------------


def _todo_query(project_id: int, request: EmbedRequest) -> Select:
    done = exists().where(ItemEmbedding.item_id == Item.id, ItemEmbedding.model == request.model)
    return pending_items(project_id, done, request.states)


def _store(
    ctx: Context, project_id: int, model: str, results: list[Embedded], counts: Counter
) -> None:
    """Keep one task's embeddings (one transaction); a row another job wrote first stays."""
    rows = []
    for result in results:
        if result.error:
            counts["failed"] += 1
            continue
        rows.append(
            {
                "item_id": result.item_id,
                "model": model,
                "project_id": project_id,
                "dim": result.dim,
                "vector": result.vector,
                "created_at": utcnow(),
            }
        )
        counts["dim"] = result.dim
    if not rows:
        return
    with ctx.db.session() as sess:
        dialect = postgresql if sess.get_bind().dialect.name == "postgresql" else sqlite
        insert = dialect.insert(ItemEmbedding).values(rows)
        sess.execute(insert.on_conflict_do_nothing(index_elements=["item_id", "model"]))
    counts["images"] += len(rows)


def run_embed_job(ctx: Context, control: JobControl) -> dict[str, Any]:
    """The job: embed every item still lacking an embedding of the model, task by task."""
    request = EmbedRequest.of(control.params)
    project_id = control.job.project_id
    factory = Embedder(request.model, request.settings, ctx.settings.storage_url)
    total = count_pending(ctx, _todo_query(project_id, request))
    counts: Counter = Counter(images=0, failed=0)
    executor = make_executor(
        request.executor, request.workers or ctx.settings.job_workers, ctx.settings.ray_address
    )
    control.progress(0, total, f"loading {request.model}", force=True)
    try:
        for results in executor.map(
            factory, item_tasks(ctx, _todo_query(project_id, request), IMAGES_PER_TASK)
        ):
            _store(ctx, project_id, request.model, results, counts)
            done = counts["images"] + counts["failed"]
            control.progress(done, total, f"{done} of {total} images")
    except ModelError as exc:
        raise JobFailed(f"model {request.model!r}: {exc}") from None
    finally:
        executor.close()
    return {"model": request.model, "executor": executor.name, **dict(counts)}
