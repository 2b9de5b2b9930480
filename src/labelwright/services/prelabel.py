"""Pre-labeling: run a model over a project's items as a background job.

Images are read and predicted on workers (a local process pool, or Ray actors when a
cluster is set), each loading the model once; results come back in order and are stored
as predictions of `model` in run `run`. An item that already has a prediction of that
model and run is skipped, so a rerun or a resumed job never duplicates work.
"""

from __future__ import annotations

import base64
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, exists

from labelwright.domain.roles import ItemState
from labelwright.domain.schema import LabelSchema
from labelwright.domain.shapes import Annotation as AnnotationDoc
from labelwright.domain.shapes import AnnotationObject
from labelwright.jobs.executors import make_executor
from labelwright.jobs.runner import JobControl, JobFailed
from labelwright.media.blobs import BlobStore
from labelwright.models.mapping import PredictionMapper
from labelwright.models.protocol import ModelEntry, ModelError, PredictOptions
from labelwright.models.registry import (
    available,
    available_models,
    get_model_entry,
    load_model,
    missing_requirements,
)
from labelwright.models.run import predict_batches
from labelwright.services import jobs, projects
from labelwright.services.context import Context
from labelwright.services.errors import Invalid
from labelwright.services.item_tasks import count_pending, item_tasks, pending_items
from labelwright.services.labelschema import current_schema
from labelwright.services.predictions import check_name
from labelwright.store.tables import Item, Prediction, User, utcnow

IMAGES_PER_TASK = 32
"""Images a worker handles per task: enough to batch, small enough to report progress."""


@dataclass(frozen=True)
class PrelabelRequest:
    """What to run, on which items, and how."""

    model: str
    run: str = ""
    settings: dict[str, Any] = field(default_factory=dict)
    states: tuple[str, ...] = ()
    item_ids: tuple[int, ...] = ()
    min_score: float = 0.25
    labels: tuple[str, ...] = ()
    label_map: dict[str, str | None] = field(default_factory=dict)
    batch_size: int = 8
    executor: str | None = None
    workers: int | None = None
    active_learning: bool = False

    def params(self) -> dict[str, Any]:
        """The job parameters (JSON)."""
        return {
            "model": self.model,
            "run": self.run,
            "settings": self.settings,
            "states": list(self.states),
            "item_ids": list(self.item_ids),
            "min_score": self.min_score,
            "labels": list(self.labels),
            "label_map": self.label_map,
            "batch_size": self.batch_size,
            "executor": self.executor,
            "workers": self.workers,
            "active_learning": self.active_learning,
        }

    @classmethod
    def of(cls, params: dict[str, Any]) -> PrelabelRequest:
        """Back from job parameters."""
        values = dict(params)
        for key in ("states", "item_ids", "labels"):
            values[key] = tuple(values.get(key) or ())
        return cls(**values)


def batch_model_entry(name: str, task: str) -> ModelEntry:
    """The registered whole-image model `name`, or Invalid saying why it cannot `task`
    (unknown, interactive, or a package missing)."""
    try:
        entry = get_model_entry(name)
    except ModelError as exc:
        raise Invalid(str(exc)) from None
    if entry.kind != "batch":
        raise Invalid(f"model {name!r} is interactive; it cannot {task} whole images")
    if not available(entry):
        missing = ", ".join(missing_requirements(entry))
        extra = entry.spec.extra or "models"
        raise Invalid(f"model {name!r} needs {missing}: pip install 'labelwright[{extra}]'")
    return entry


def check_states(states: tuple[str, ...]) -> None:
    """Invalid naming any item state that does not exist."""
    bad = [s for s in states if s not in ItemState.__members__]
    if bad:
        raise Invalid(f"unknown item states: {', '.join(bad)}")


def check_request(request: PrelabelRequest) -> PrelabelRequest:
    """Refuse what cannot run (unknown model, missing package, bad numbers) before queueing."""
    entry = batch_model_entry(request.model, "pre-label")
    if not 0.0 <= request.min_score <= 1.0:
        raise Invalid(f"min_score {request.min_score}: must be between 0 and 1")
    if not 1 <= request.batch_size <= 256:
        raise Invalid(f"batch_size {request.batch_size}: must be between 1 and 256")
    check_states(request.states)
    run = request.run or f"{entry.spec.version}"
    check_name("run", run)
    return PrelabelRequest.of({**request.params(), "run": run})


PATH_SETTINGS = ("path", "encoder", "decoder", "example")
"""Model settings that name files on the server."""


def confine_paths(ctx: Context, settings: dict[str, Any]) -> dict[str, Any]:
    """Resolve file settings inside `<data dir>/models`, refusing any path that leaves it.

    Requests from the API may only point models at files an administrator put there; the
    CLI, run by whoever owns the machine, may name any file.
    """
    root = (ctx.settings.data_dir / "models").resolve()
    confined = dict(settings)
    for key in PATH_SETTINGS:
        if key in confined and isinstance(confined[key], str):
            target = (root / confined[key]).resolve()
            if not target.is_relative_to(root):
                raise Invalid(f"setting {key!r}: {confined[key]!r} is outside the models folder")
            confined[key] = str(target)
    return confined


def queue_prelabel(
    ctx: Context, user: User, project_id: int, request: PrelabelRequest, *, confine: bool = False
) -> int:
    """Check the request and queue a pre-labeling job (managers); returns the job id."""
    if confine:
        request = PrelabelRequest.of(
            {**request.params(), "settings": confine_paths(ctx, request.settings)}
        )
    request = check_request(request)
    with ctx.db.session(readonly=True) as sess:
        projects.require(sess, user, project_id, projects.MANAGE)
        schema = current_schema(sess, project_id).schema
    entry = get_model_entry(request.model)
    try:
        PredictionMapper(schema, entry.spec, label_map=request.label_map)
    except ModelError as exc:
        raise Invalid(str(exc)) from None
    return jobs.queue_job(ctx, user, project_id, "prelabel", request.params())


# --- on the workers ------------------------------------------------------------------


@dataclass
class Predicted:
    """One item's answer from a worker: its objects in project classes, or why it failed."""

    item_id: int
    objects: list[AnnotationObject] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)
    dropped: Counter = field(default_factory=Counter)
    error: str | None = None


@dataclass(frozen=True)
class Predictor:
    """A picklable worker factory: loads the model once, then predicts task after task.

    Mapping to the project's classes happens on the worker too, with the loaded model's
    own spec (an ONNX file, say, names its labels only once it is opened).
    """

    model: str
    settings: dict[str, Any]
    options: PredictOptions
    storage_url: str
    batch_size: int
    schema: LabelSchema
    label_map: dict[str, str | None]

    def __call__(self) -> Callable[[list[tuple[int, str]]], list[Predicted]]:
        """Build this worker's function."""
        model = load_model(self.model, inline_files(self.settings))
        mapper = PredictionMapper(
            self.schema, model.spec, label_map=self.label_map, model_name=self.model
        )
        blobs = BlobStore(self.storage_url)

        def work(task: list[tuple[int, str]]) -> list[Predicted]:
            pairs = ((item_id, _read(blobs, key)) for item_id, key in task)
            out = []
            for result in predict_batches(model, pairs, self.batch_size, self.options):
                if result.error:
                    out.append(Predicted(result.key, error=result.error))
                    continue
                mapped = mapper.to_objects(result.predictions)
                scores = [p.score for p in result.predictions]
                out.append(Predicted(result.key, mapped.objects, scores, mapped.dropped))
            return out

        return work


INLINE_SUFFIX = "_b64"
"""A setting `<name>_b64` carries a small file inline (base64): it travels with the job to
any worker, where it becomes the bytes of setting `<name>`."""


def inline_files(settings: dict[str, Any]) -> dict[str, Any]:
    """Settings with inline files decoded (see INLINE_SUFFIX)."""
    out = {}
    for key, value in settings.items():
        if key.endswith(INLINE_SUFFIX) and isinstance(value, str):
            out[key.removesuffix(INLINE_SUFFIX)] = base64.b64decode(value)
        else:
            out[key] = value
    return out


def _read(blobs: BlobStore, key: str) -> bytes:
    try:
        return blobs.read_bytes(key)
    except OSError:
        return b""  # decoding fails with a clear per-image error; the run goes on


# --- in the job ----------------------------------------------------------------------


def _todo_query(project_id: int, request: PrelabelRequest) -> Select:
    done = exists().where(
        Prediction.item_id == Item.id,
        Prediction.model == request.model,
        Prediction.run == request.run,
    )
    return pending_items(project_id, done, request.states, request.item_ids)


def uncertainty(scores: list[float]) -> float:
    """How unsure the model was on an image: 1 for scores near 0.5, 0 for sure answers."""
    if not scores:
        return 0.0
    return float(sum(1.0 - abs(2.0 * s - 1.0) for s in scores) / len(scores))


def _store(
    ctx: Context,
    project_id: int,
    request: PrelabelRequest,
    results: list[Predicted],
    counts: Counter,
) -> None:
    """Keep one task's predictions (one transaction) and move new items to prelabeled."""
    with ctx.db.session() as sess:
        for result in results:
            if result.error:
                counts["failed"] += 1
                continue
            counts.update({f"dropped: {why}": n for why, n in result.dropped.items()})
            doc = AnnotationDoc(objects=result.objects)
            sess.add(
                Prediction(
                    project_id=project_id,
                    item_id=result.item_id,
                    model=request.model,
                    run=request.run,
                    body=doc.model_dump(mode="json"),
                    object_count=len(doc.objects),
                )
            )
            item = sess.get(Item, result.item_id)
            if item.state == ItemState.new.value:
                item.state, item.updated_at = ItemState.prelabeled.value, utcnow()
            if request.active_learning:
                item.priority = uncertainty(result.scores)
            counts["images"] += 1
            counts["objects"] += len(doc.objects)


def run_prelabel_job(ctx: Context, control: JobControl) -> dict[str, Any]:
    """The job: predict every item still to do, storing results task by task."""
    request = PrelabelRequest.of(control.params)
    project_id = control.job.project_id
    with ctx.db.session(readonly=True) as sess:
        schema = current_schema(sess, project_id).schema
    options = PredictOptions(
        min_score=request.min_score,
        labels=frozenset(request.labels) or None,
        settings=request.settings,
    )
    factory = Predictor(
        request.model,
        request.settings,
        options,
        ctx.settings.storage_url,
        request.batch_size,
        schema,
        request.label_map,
    )
    total = count_pending(ctx, _todo_query(project_id, request))
    counts: Counter = Counter()
    executor = make_executor(
        request.executor, request.workers or ctx.settings.job_workers, ctx.settings.ray_address
    )
    control.progress(0, total, f"loading {request.model}", force=True)
    try:
        for results in executor.map(
            factory, item_tasks(ctx, _todo_query(project_id, request), IMAGES_PER_TASK)
        ):
            _store(ctx, project_id, request, results, counts)
            done = counts["images"] + counts["failed"]
            control.progress(done, total, f"{done} of {total} images")
    except ModelError as exc:
        raise JobFailed(f"model {request.model!r}: {exc}") from None
    finally:
        executor.close()
    return {
        "model": request.model,
        "run": request.run,
        "executor": executor.name,
        **dict(counts),
        "objects_per_image": round(counts["objects"] / max(1, counts["images"]), 3),
    }


def model_catalog() -> list[dict[str, Any]]:
    """Every registered model: what it emits, and whether its packages are installed."""
    out = []
    for entry in available_models():
        spec = entry.spec
        out.append(
            {
                "name": entry.name,
                "kind": entry.kind,
                "description": spec.description,
                "labels": list(spec.labels),
                "kinds": list(spec.kinds),
                "skeleton": list(spec.skeleton),
                "version": spec.version,
                "available": available(entry),
                "missing": missing_requirements(entry),
                "extra": spec.extra,
            }
        )
    return out
