"""Synthetic data into a project (as accepted ground truth) or into a dataset folder.

Images are rendered, labeled, encoded and validated in worker processes (`synth` is
pure and needs no database); the main process brings the files in through the usual
intake and saves each image's labels as a revision of the caller's annotation, with
objects of source `synthetic`. Synthetic items enter as `accepted`: their labels are
exact by construction, so they never go to the labeling queue.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from labelwright.domain.roles import ItemState, ProjectRole
from labelwright.domain.schema import LabelSchema
from labelwright.formats.dataset import Dataset, DatasetImage, FormatError, Manifest
from labelwright.jobs.executors import make_executor
from labelwright.services import annotations, projects
from labelwright.services.context import Context
from labelwright.services.datasets import find_format
from labelwright.services.errors import Invalid, ServiceError
from labelwright.services.intake import ImportReport, Intake
from labelwright.services.labelschema import append_schema, current_schema
from labelwright.store.tables import Image, Item, Job, User, utcnow
from labelwright.synth import render
from labelwright.synth.assets import check_assets
from labelwright.synth.classes import ClassBinding, bind_classes, recipe_schema
from labelwright.synth.errors import RecipeError, RenderUnavailable
from labelwright.synth.labels import LabelStats
from labelwright.synth.recipe import Recipe
from labelwright.synth.recipe_files import load_recipe
from labelwright.synth.staging import StagedImage, stage_range

MAX_COUNT = 1_000_000
MAX_TASK = 16  # images per worker task; small enough to keep every worker busy
PAGE = 64  # labels saved per transaction
MAX_BACKGROUND_IMAGES = 10_000  # of a project used as backgrounds
# Starting workers (imports, GL context, meshes, filling the pipeline) costs seconds: on
# two cores one process was faster below about 500 images (bench/synth.py).
IMAGES_PER_WORKER = 250
Progress = Callable[[int, str], None]  # (images finished so far, file name of the last one)
ALL_ROLES = frozenset(ProjectRole)


class RenderingUnavailable(ServiceError):
    """This machine cannot render (no headless OpenGL)."""

    status = 503
    code = "rendering_unavailable"


def worth_starting(workers: int, count: int) -> int:
    """How many of `workers` processes pay for their start-up on a run of `count` images."""
    return max(1, min(workers, count // IMAGES_PER_WORKER))


def read_recipe(path: Path) -> Recipe:
    """A recipe file, or Invalid naming the file and the field."""
    try:
        return load_recipe(Path(path))
    except RecipeError as exc:
        raise Invalid(str(exc)) from None


# ---------------------------------------------------------------- rendering in workers


def _worker_setup() -> None:
    # Several renderers share the cores: one rasteriser thread each is fastest.
    os.environ.setdefault("LP_NUM_THREADS", "1")


@dataclass(frozen=True)
class _Stager:
    """A picklable worker factory for Ray actors: renders and stages index ranges.

    The staged files are written to `folder`, so the actors must share it with this process
    (a local Ray, or a cluster on a shared file system).
    """

    recipe: Recipe
    bindings: dict[str, ClassBinding]
    schema: LabelSchema
    folder: str

    def __call__(self) -> Callable[[tuple[int, int]], list[StagedImage]]:
        """This actor's function."""
        _worker_setup()
        return lambda task: stage_range(
            self.recipe, task[0], task[1], self.bindings, self.schema, self.folder
        )


class Renders:
    """Staged images in index order, from worker processes (or this one, for 1 worker)."""

    def __init__(
        self,
        recipe: Recipe,
        indices: range,
        bindings: dict[str, ClassBinding],
        schema: LabelSchema,
        folder: Path,
        workers: int,
        ray_address: str | None = None,
    ) -> None:
        self.recipe, self.bindings, self.schema = recipe, bindings, schema
        self.ray_address = ray_address
        self.folder = str(folder)
        workers = max(1, workers)
        per_task = max(1, min(MAX_TASK, len(indices) // (workers * 4)))
        stop = indices.stop
        self.tasks = [(a, min(a + per_task, stop)) for a in range(indices.start, stop, per_task)]
        self.workers = min(workers, len(self.tasks))  # no process starts for nothing to do

    def __iter__(self) -> Iterator[StagedImage]:
        try:
            if self.ray_address is not None:
                yield from self._from_ray()
                return
            if self.workers <= 1:
                for start, stop in self.tasks:
                    yield from stage_range(
                        self.recipe, start, stop, self.bindings, self.schema, self.folder
                    )
                return
            yield from self._from_pool()
        except RecipeError as exc:
            raise Invalid(str(exc)) from None
        except RenderUnavailable as exc:
            raise RenderingUnavailable(str(exc)) from None

    def _from_pool(self) -> Iterator[StagedImage]:
        # Workers fork from a clean server process that has imported the rendering stack
        # once (a second pool starts at once), never from one that may hold a GL context.
        server = multiprocessing.get_context("forkserver")
        server.set_forkserver_preload(["labelwright.synth.staging"])
        pool = ProcessPoolExecutor(self.workers, mp_context=server, initializer=_worker_setup)
        try:
            tasks = iter(self.tasks)
            pending: deque = deque()
            for start, stop in tasks:
                pending.append(self._submit(pool, start, stop))
                if len(pending) >= self.workers * 2:
                    break
            while pending:
                done = pending.popleft().result()
                following = next(tasks, None)
                if following is not None:
                    pending.append(self._submit(pool, *following))
                yield from done
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _from_ray(self) -> Iterator[StagedImage]:
        executor = make_executor("ray", max(1, self.workers), self.ray_address)
        factory = _Stager(self.recipe, self.bindings, self.schema, self.folder)
        try:
            for staged in executor.map(factory, self.tasks):
                yield from staged
        finally:
            executor.close()

    def _submit(self, pool: ProcessPoolExecutor, start: int, stop: int):
        args = (self.recipe, start, stop, self.bindings, self.schema, self.folder)
        return pool.submit(stage_range, *args)


# ---------------------------------------------------------------- reports


@dataclass
class SynthesisReport:
    """What one synthesis run made, kept, and dropped."""

    job_id: int | None = None
    batch_id: int | None = None
    counts: Counter = field(default_factory=Counter)
    problems: list[dict] = field(default_factory=list)

    def note(self, stats: LabelStats) -> None:
        """Add one image's label counts."""
        self.counts["images_rendered"] += 1
        self.counts["instances_labeled"] += stats.labeled
        self.counts["instances_hidden"] += stats.hidden
        self.counts["instances_below_share"] += stats.below_share
        self.counts["instances_flagged"] += stats.flagged
        self.counts["instances_without_shapes"] += stats.without_shapes

    def problem(self, file_name: str, reason: str, detail: str) -> None:
        """Note one problem (the first thousand are kept, all are counted)."""
        self.counts["problems"] += 1
        if len(self.problems) < 1000:
            self.problems.append({"file": file_name, "reason": reason, "detail": detail})

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form, as stored on the job and returned."""
        keys = (
            "images_rendered", "images_added", "duplicates", "annotations_written",
            "annotations_unchanged", "objects_written", "instances_labeled", "instances_hidden",
            "instances_below_share", "instances_flagged", "instances_without_shapes", "problems",
        )  # fmt: skip
        return {
            "job_id": self.job_id,
            "batch_id": self.batch_id,
            "schema_created": bool(self.counts["schema_created"]),
            **{key: self.counts[key] for key in keys},
            "problem_list": self.problems,
        }


def _preflight(recipe: Recipe) -> None:
    """Fail before anything is written when a file is bad or this machine cannot render."""
    try:
        check_assets(recipe.objects)
        render.create_context().release()
    except RecipeError as exc:
        raise Invalid(str(exc)) from None
    except RenderUnavailable as exc:
        raise RenderingUnavailable(str(exc)) from None


def _check_range(count: int, start: int) -> range:
    if not 1 <= count <= MAX_COUNT:
        raise Invalid(f"count {count} must be between 1 and {MAX_COUNT}")
    if start < 0:
        raise Invalid(f"start {start} must not be negative")
    return range(start, start + count)


def _open_job(ctx: Context, user: User, project_id: int, params: dict) -> int:
    with ctx.db.session() as sess:
        projects.require(sess, user, project_id, projects.MANAGE)
        job = Job(
            project_id=project_id,
            kind="synthesis",
            state="running",
            created_by=user.id,
            params=params,
        )
        sess.add(job)
        sess.flush()
        return job.id


def _close_job(ctx: Context, job_id: int, state: str, report: SynthesisReport, error: str = ""):
    with ctx.db.session() as sess:
        job = sess.get(Job, job_id)
        job.state, job.error, job.finished_at = state, error, utcnow()
        job.done = job.total = report.counts["images_rendered"]
        job.result = report.as_dict()


# ---------------------------------------------------------------- recipe <-> store


def _with_project_backgrounds(ctx: Context, user: User, recipe: Recipe) -> Recipe:
    """Resolve `project` backgrounds to the files of that project's images."""
    backgrounds = []
    for index, spec in enumerate(recipe.backgrounds):
        if spec.project is None:
            backgrounds.append(spec)
            continue
        with ctx.db.session(readonly=True) as sess:
            source = projects.find_project(sess, spec.project)
            projects.require(sess, user, source.id, ALL_ROLES)
            keys = sess.scalars(
                select(Image.blob_key)
                .join(Item, Item.image_id == Image.id)
                .where(Item.project_id == source.id)
                .order_by(Item.id)
                .limit(MAX_BACKGROUND_IMAGES)
            ).all()
        files = [ctx.blobs.local_path(k) for k in keys]
        if not files or any(f is None for f in files):
            reason = "has no images" if not files else "keeps its images off local disk"
            raise Invalid(f"backgrounds[{index}]: project {spec.project!r} {reason}")
        backgrounds.append(spec.model_copy(update={"project": None, "files": files}))
    return recipe.model_copy(update={"backgrounds": backgrounds})


def _plan_schema(
    ctx: Context, user: User, project_id: int, recipe: Recipe
) -> tuple[LabelSchema, dict[str, ClassBinding], bool]:
    """The schema to label with, its bindings, and whether it must be created first.

    A project with a schema must hold every recipe class (matched by name); one with
    none gets the recipe's. Checked before anything is written.
    """
    with ctx.db.session(readonly=True) as sess:
        projects.require(sess, user, project_id, projects.MANAGE)
        current = current_schema(sess, project_id)
    try:
        schema = recipe_schema(recipe) if current.version == 0 else current.schema
        return schema, bind_classes(recipe, schema), current.version == 0
    except RecipeError as exc:
        raise Invalid(str(exc)) from None


# ---------------------------------------------------------------- into a project


class _ProjectRun:
    """One synthesis run into a project: intake for the files, then revisions for labels."""

    def __init__(self, ctx: Context, user: User, project_id: int, report: SynthesisReport):
        self.ctx, self.user, self.project_id, self.report = ctx, user, project_id, report
        self.pending: dict[str, StagedImage] = {}  # staged, waiting for intake to make its item
        self.cursors = {"added": 0, "duplicates": 0, "rejected": 0}

    def paths(self, renders: Renders, intake: Intake) -> Iterator[Path]:
        """The staged files for intake; labels are saved as intake records their items."""
        for staged in renders:
            self.report.note(staged.stats)
            if staged.problem is not None:
                self.report.problem(staged.file_name, "invalid_labels", staged.problem)
                continue
            self.pending[staged.file_name] = staged
            self.save_ready(intake.report)
            yield staged.path

    def save_ready(self, intake: ImportReport) -> None:
        """Save the labels of every image intake has recorded since the last call."""
        added = self._new_rows(intake, "added")
        self.report.counts["images_added"] += len(added)
        ready = [(self.pending.pop(row["name"]), row["item_id"]) for row in added]
        for row in self._new_rows(intake, "duplicates"):
            staged = self.pending.pop(row["name"])
            self.report.counts["duplicates"] += 1
            if isinstance(row["duplicate_of"], int):  # an item that was there before
                ready.append((staged, row["duplicate_of"]))
            else:
                detail = f"the same pixels as {row['duplicate_of']}; its labels were kept"
                self.report.problem(staged.file_name, "duplicate", detail)
        for row in self._new_rows(intake, "rejected"):
            self.pending.pop(row["name"], None)
            self.report.problem(row["name"], f"image_{row['reason']}", row["detail"])
        for first in range(0, len(ready), PAGE):
            self._save_page(ready[first : first + PAGE])
        for staged, _ in ready:
            staged.path.unlink(missing_ok=True)  # intake has stored its own copy

    def _new_rows(self, intake: ImportReport, kind: str) -> list[dict]:
        """The rows of one outcome list intake has added since the last look."""
        rows = getattr(intake, kind)[self.cursors[kind] :]
        self.cursors[kind] += len(rows)
        return rows

    def _save_page(self, page: list[tuple[StagedImage, int]]) -> None:
        with self.ctx.db.session() as sess:
            projects.require(sess, self.user, self.project_id, projects.MANAGE)
            ids = [item_id for _, item_id in page]
            items = {i.id: i for i in sess.scalars(select(Item).where(Item.id.in_(ids)))}
            for staged, item_id in page:
                self._save_one(sess, staged, items[item_id])

    def _save_one(self, sess: Session, staged: StagedImage, item: Item) -> None:
        own = annotations.own_annotation(sess, self.project_id, item.id, self.user)
        doc = staged.annotation
        if own.revision and annotations.head_of(sess, own).body == doc.model_dump(mode="json"):
            self.report.counts["annotations_unchanged"] += 1  # the same image made again
        else:
            annotations.append_revision(sess, own, doc, self.user, "synthetic")
            self.report.counts["annotations_written"] += 1
            self.report.counts["objects_written"] += len(doc.objects)
        own.submitted = True
        if item.state in (ItemState.new, ItemState.prelabeled):  # no one has started on it
            item.state, item.updated_at = ItemState.accepted.value, utcnow()


def synthesize_into_project(
    ctx: Context,
    user: User,
    project_id: int,
    recipe: Recipe,
    *,
    count: int,
    start: int = 0,
    workers: int = 1,
    progress: Progress | None = None,
    job_id: int | None = None,
    ray_address: str | None = None,
) -> dict[str, Any]:
    """Render images `start..start+count` of a recipe into a project (managers).

    The recipe's classes are matched to the project's by name (a project with no schema
    gets the recipe's). Images arrive as one batch; labels as accepted ground truth.
    A run is recorded as a job of its own, unless `job_id` names the background job that
    runs it (that job's runner records the outcome). With `ray_address` ("" for a local
    Ray) the images are rendered by Ray actors instead of local worker processes.
    """
    indices = _check_range(count, start)
    schema, bindings, create_schema = _plan_schema(ctx, user, project_id, recipe)
    recipe = _with_project_backgrounds(ctx, user, recipe)
    _preflight(recipe)
    report = SynthesisReport()
    params = {"recipe": recipe.name, "seed": recipe.seed, "start": start, "count": count}
    own_job = job_id is None
    report.job_id = _open_job(ctx, user, project_id, params) if own_job else job_id
    staging = Path(tempfile.mkdtemp(prefix="synth-", dir=ctx.settings.tmp_dir))
    try:
        if create_schema:
            with ctx.db.session() as sess:
                append_schema(sess, project_id, schema, 1, user)
            report.counts["schema_created"] = 1
        run = _ProjectRun(ctx, user, project_id, report)
        batch = f"synthetic {recipe.name} seed {recipe.seed} images {start}-{indices.stop - 1}"
        intake = Intake(ctx, project_id, user_id=user.id, batch_name=batch[:200], progress=progress)
        renders = Renders(recipe, indices, bindings, schema, staging, workers, ray_address)
        intake.run(run.paths(renders, intake))
        run.save_ready(intake.report)
        report.batch_id = intake.report.batch_id
    except BaseException as exc:
        message = exc.message if isinstance(exc, ServiceError) else f"{type(exc).__name__}: {exc}"
        if own_job:
            _close_job(ctx, report.job_id, "failed", report, message)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if own_job:
        _close_job(ctx, report.job_id, "done", report)
    return report.as_dict()


# ---------------------------------------------------------------- into a folder


def synthesize_to_folder(
    ctx: Context,
    user: User,
    recipe: Recipe,
    out: Path,
    fmt: str,
    *,
    count: int,
    start: int = 0,
    workers: int = 1,
    progress: Progress | None = None,
) -> tuple[Manifest, dict[str, Any]]:
    """Render images `start..start+count` of a recipe as a dataset in a format into `out`.

    Returns the format's manifest and the run's counts (as `synthesize_into_project`).
    """
    indices = _check_range(count, start)
    writer = find_format(fmt)
    recipe = _with_project_backgrounds(ctx, user, recipe)
    try:
        schema = recipe_schema(recipe)
        bindings = bind_classes(recipe, schema)
    except RecipeError as exc:
        raise Invalid(str(exc)) from None
    _preflight(recipe)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".synth-", dir=out.parent))
    report = SynthesisReport()
    try:
        renders = Renders(recipe, indices, bindings, schema, staging, workers)
        images = _dataset_images(renders, report, progress)
        manifest = writer.write(Dataset(schema=schema, images=images, name=recipe.name), out)
    except FormatError as exc:
        raise Invalid(str(exc)) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest, report.as_dict()


def _dataset_images(
    renders: Renders, report: SynthesisReport, progress: Progress | None
) -> Iterator[DatasetImage]:
    """Staged images as dataset images (their labels are already checked)."""
    for done, staged in enumerate(renders, start=1):
        report.note(staged.stats)
        if staged.problem is not None:
            report.problem(staged.file_name, "invalid_labels", staged.problem)
        else:
            report.counts["objects_written"] += len(staged.annotation.objects)
            yield DatasetImage(
                file_name=staged.file_name,
                width=staged.width,
                height=staged.height,
                annotation=staged.annotation,
                path=staged.path,
                state=ItemState.accepted.value,
            )
        if progress:
            progress(done, staged.file_name)
