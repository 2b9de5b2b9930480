"""A project as a dataset: streamed out of the store, filtered, split, written by a format.

Which annotation an item exports (until consensus exists): among its annotations with at
least one saved revision, a submitted one before an unsubmitted one, then the most recently
updated (ties: the newest annotation row). Images are streamed in pages by item id, so an
export never holds a project in memory. Imports live in `services/dataset_import.py`.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from labelwright.domain.roles import ItemState
from labelwright.domain.schema import LabelSchema
from labelwright.domain.shapes import Annotation as AnnotationDoc
from labelwright.formats import splits as splitting
from labelwright.formats.dataset import (
    IMAGE_SUFFIXES,
    Dataset,
    DatasetImage,
    Format,
    FormatError,
    Manifest,
)
from labelwright.formats.filters import only_classes
from labelwright.formats.registry import UnknownFormat, available_formats, detect_format, get_format
from labelwright.jobs.runner import worker_name
from labelwright.services import projects
from labelwright.services.context import Context
from labelwright.services.errors import Invalid, NotFound, ServiceError
from labelwright.services.labelschema import current_schema
from labelwright.store.tables import (
    Annotation,
    AnnotationRevision,
    Image,
    Item,
    Job,
    Prediction,
    User,
    utcnow,
)

PAGE = 200  # items per keyset page
SPLIT_NAMES = ("train", "val", "test")
Progress = Callable[[int, str], None]  # (images finished so far, file name of the last one)


# ---------------------------------------------------------------- formats


def find_format(name: str) -> Format:
    """The format registered as `name`, or Invalid listing the available ones."""
    try:
        return get_format(name)
    except UnknownFormat as exc:
        raise Invalid(str(exc)) from None


def detect(path: Path) -> Format:
    """The format that recognises `path` best, or Invalid naming the ones there are."""
    found = detect_format(path)
    if found is None:
        names = ", ".join(available_formats())
        raise Invalid(f"{path}: no format recognises it; name one of: {names}")
    return found


# ---------------------------------------------------------------- project -> dataset


def split_ratios(split: Iterable[float] | Mapping[str, float]) -> dict[str, float]:
    """Ratios by split name: a mapping as is, or 1-3 numbers for train, val, test."""
    if isinstance(split, Mapping):
        return dict(split)
    values = list(split)
    if not 1 <= len(values) <= len(SPLIT_NAMES):
        raise Invalid(f"split {values}: give 1 to 3 ratios (train, val, test)")
    return dict(zip(SPLIT_NAMES, values, strict=False))


def _check_states(states: Iterable[str] | None) -> list[str] | None:
    if states is None:
        return None
    states = list(states)
    bad = [s for s in states if s not in ItemState.__members__]
    if bad:
        valid = ", ".join(s.value for s in ItemState)
        raise Invalid(f"state {bad[0]!r} is not one of: {valid}")
    return states


def _class_ids(schema: LabelSchema, classes: Iterable[str] | None) -> set[str] | None:
    """Class ids from ids or names (case-insensitive), or Invalid naming the unknown one."""
    if classes is None:
        return None
    by_key = {c.id: c.id for c in schema.classes} | {c.name.lower(): c.id for c in schema.classes}
    ids = set()
    for given in classes:
        found = by_key.get(given) or by_key.get(given.lower())
        if found is None:
            known = ", ".join(c.name for c in schema.classes) or "none"
            raise Invalid(f"class {given!r} is not in the project's schema (classes: {known})")
        ids.add(found)
    return ids


def chosen_bodies(sess: Session, item_ids: list[int]) -> dict[int, dict]:
    """Each item's chosen annotation body (see the module docstring for the rule)."""
    rows = sess.execute(
        select(Annotation.item_id, AnnotationRevision.body)
        .join(
            AnnotationRevision,
            (AnnotationRevision.annotation_id == Annotation.id)
            & (AnnotationRevision.number == Annotation.revision),
        )
        .where(Annotation.item_id.in_(item_ids), Annotation.revision > 0)
        .order_by(
            Annotation.item_id,
            Annotation.submitted.desc(),
            Annotation.updated_at.desc(),
            Annotation.id.desc(),
        )
    )
    chosen: dict[int, dict] = {}
    for item_id, body in rows:
        chosen.setdefault(item_id, body)
    return chosen


def _with_predictions(doc: AnnotationDoc, predictions: list[Prediction]) -> AnnotationDoc:
    """The annotation plus every prediction's objects (ids made unique, score and source kept)."""
    taken = {o.id for o in doc.objects}
    added = []
    for prediction in predictions:
        for obj in AnnotationDoc.model_validate(prediction.body).objects:
            new_id = obj.id if obj.id not in taken else f"pred{prediction.id}-{obj.id}"
            taken.add(new_id)
            source = obj.source if obj.source.startswith("model:") else f"model:{prediction.model}"
            added.append(obj.model_copy(update={"id": new_id, "source": source}))
    return doc.model_copy(update={"objects": [*doc.objects, *added]})


class _ProjectImages:
    """A project's items as DatasetImages, read page by page each time it is iterated."""

    def __init__(self, ctx: Context, project_id: int, **options: Any) -> None:
        self.ctx, self.project_id = ctx, project_id
        self.states = options.get("states")
        self.batch_ids = options.get("batch_ids")
        self.include_predictions = options.get("include_predictions", False)

    def __iter__(self) -> Iterator[DatasetImage]:
        after = 0
        while True:
            with self.ctx.db.session(readonly=True) as sess:
                page = self._page(sess, after)
            yield from page
            if len(page) < PAGE:
                return
            after = page[-1].meta["item_id"]

    def _page(self, sess: Session, after: int) -> list[DatasetImage]:
        stmt = (
            select(Item, Image)
            .join(Image, Image.id == Item.image_id)
            .where(Item.project_id == self.project_id, Item.id > after)
        )
        if self.states:
            stmt = stmt.where(Item.state.in_(self.states))
        if self.batch_ids:
            stmt = stmt.where(Item.batch_id.in_(self.batch_ids))
        rows = sess.execute(stmt.order_by(Item.id).limit(PAGE)).all()
        ids = [item.id for item, _ in rows]
        bodies = chosen_bodies(sess, ids) if ids else {}
        predicted: dict[int, list[Prediction]] = {}
        if self.include_predictions and ids:
            stmt = select(Prediction).where(Prediction.item_id.in_(ids)).order_by(Prediction.id)
            for prediction in sess.scalars(stmt):
                predicted.setdefault(prediction.item_id, []).append(prediction)
        return [self._image(i, img, bodies.get(i.id), predicted.get(i.id, [])) for i, img in rows]

    def _image(
        self, item: Item, image: Image, body: dict | None, predictions: list[Prediction]
    ) -> DatasetImage:
        doc = AnnotationDoc.model_validate(body) if body else AnnotationDoc()
        if predictions:
            doc = _with_predictions(doc, predictions)
        return DatasetImage(
            file_name=item.file_name,
            width=image.width,
            height=image.height,
            annotation=doc,
            frame_count=image.frame_count,
            path=self.ctx.blobs.local_path(image.blob_key),
            state=item.state,
            meta={"item_id": item.id},
        )


class _Split:
    """Images with their split: from tags (streaming) or by ratio (one counting pass first)."""

    def __init__(self, images: Iterable[DatasetImage], split: Any, seed: int) -> None:
        self.images, self.split, self.seed = images, split, seed

    def __iter__(self) -> Iterator[DatasetImage]:
        if self.split == "tags":
            for image in self.images:
                yield from splitting.with_splits([image], splitting.splits_from_tags([image]))
            return
        ratios = split_ratios(self.split)
        try:
            chosen = splitting.assign_splits(
                splitting.classes_of(self.images), ratios, seed=self.seed
            )
        except ValueError as exc:
            raise Invalid(str(exc)) from None
        yield from splitting.with_splits(self.images, chosen)


class _OnlyClasses:
    """Images with only the objects of some classes, re-iterable."""

    def __init__(self, images: Iterable[DatasetImage], class_ids: set[str]) -> None:
        self.images, self.class_ids = images, class_ids

    def __iter__(self) -> Iterator[DatasetImage]:
        return only_classes(self.images, self.class_ids)


def project_dataset(
    ctx: Context,
    project_id: int,
    *,
    states: Iterable[str] | None = None,
    classes: Iterable[str] | None = None,
    batch_ids: Iterable[int] | None = None,
    include_predictions: bool = False,
    split: Iterable[float] | Mapping[str, float] | str | None = None,
    seed: int = 0,
) -> Dataset:
    """A project's items as a streamed Dataset under its current schema (no access check)."""
    with ctx.db.session(readonly=True) as sess:
        project = projects.find_project(sess, project_id)
        name, schema = project.name, current_schema(sess, project_id).schema
    images: Iterable[DatasetImage] = _ProjectImages(
        ctx,
        project_id,
        states=_check_states(states),
        batch_ids=list(batch_ids) if batch_ids else None,
        include_predictions=include_predictions,
    )
    class_ids = _class_ids(schema, classes)
    if class_ids is not None:
        images = _OnlyClasses(images, class_ids)
    if split is not None:
        if split != "tags":
            split_ratios(split)  # a bad ratio fails now, not half way through writing
        images = _Split(images, split, seed)
    return Dataset(schema=schema, images=images, name=name)


# ---------------------------------------------------------------- jobs


def _open_job(ctx: Context, user: User, project_id: int, kind: str, params: dict) -> int:
    """Record a job this process runs now; held by its worker name, so no runner claims it."""
    now = utcnow()
    with ctx.db.session() as sess:
        projects.require(sess, user, project_id, projects.MANAGE)
        job = Job(
            project_id=project_id,
            kind=kind,
            state="running",
            created_by=user.id,
            params=params,
            worker=f"{worker_name()}:inline"[:64],
            heartbeat_at=now,
            started_at=now,
            attempts=1,
        )
        sess.add(job)
        sess.flush()
        return job.id


def _update_job(ctx: Context, job_id: int, **fields: Any) -> None:
    """Change a job this process runs, renewing its heartbeat (a stale one is claimed again)."""
    with ctx.db.session() as sess:
        job = sess.get(Job, job_id)
        job.heartbeat_at = utcnow()
        for key, value in fields.items():
            setattr(job, key, value)


def _close_job(ctx: Context, job_id: int, state: str, result: dict, error: str = "") -> None:
    _update_job(ctx, job_id, state=state, result=result, error=error, finished_at=utcnow())


def _counted(
    ctx: Context, job_id: int, images: Iterable[DatasetImage], progress: Progress | None
) -> Iterator[DatasetImage]:
    """Pass images through, reporting progress (and saving it on the job every page)."""
    done = 0
    for image in images:
        yield image
        done += 1
        if progress:
            progress(done, image.file_name)
        if done % PAGE == 0:
            _update_job(ctx, job_id, done=done)
    _update_job(ctx, job_id, done=done)


def json_params(options: Mapping[str, Any]) -> dict:
    """Export options as a job stores them: tuples and sets become lists."""
    return {k: list(v) if isinstance(v, tuple | set) else v for k, v in options.items()}


# ---------------------------------------------------------------- export


def export_project(
    ctx: Context,
    user: User,
    project_id: int,
    fmt: str,
    out: Path,
    *,
    progress: Progress | None = None,
    copy_images: bool = True,
    **options: Any,
) -> Manifest:
    """Write a project (options as project_dataset) in a format into `out` (managers)."""
    job_id = _open_job(ctx, user, project_id, "export", {"format": fmt, **json_params(options)})
    return _run_export(ctx, job_id, project_id, fmt, Path(out), progress, copy_images, options)


def _run_export(
    ctx: Context,
    job_id: int,
    project_id: int,
    fmt: str,
    out: Path,
    progress: Progress | None,
    copy_images: bool,
    options: dict,
) -> Manifest:
    try:
        writer = find_format(fmt)
        dataset = project_dataset(ctx, project_id, **options)
        dataset.images = _counted(ctx, job_id, dataset.images, progress)
        manifest = writer.write(dataset, out, copy_images=copy_images)
    except (FormatError, ValueError) as exc:
        _close_job(ctx, job_id, "failed", {}, str(exc))
        raise Invalid(str(exc)) from None
    except BaseException as exc:
        message = exc.message if isinstance(exc, ServiceError) else f"{type(exc).__name__}: {exc}"
        _close_job(ctx, job_id, "failed", {}, message)
        raise
    _close_job(ctx, job_id, "done", {"manifest": asdict(manifest)})
    return manifest


def archive_path(ctx: Context, job_id: int) -> Path:
    """Where the zip of an export job lives."""
    return ctx.settings.data_dir / "exports" / f"{job_id}.zip"


def zip_folder(folder: Path, target: Path) -> None:
    """Zip a folder atomically; images are stored as they are (they do not compress)."""
    partial = target.with_suffix(".zip.partial")
    with zipfile.ZipFile(partial, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                kind = zipfile.ZIP_STORED if path.suffix.lower() in IMAGE_SUFFIXES else None
                archive.write(
                    path,
                    path.relative_to(folder).as_posix(),
                    compress_type=kind or zipfile.ZIP_DEFLATED,
                )
    os.replace(partial, target)


def export_job(sess: Session, user: User, project_id: int, job_id: int) -> Job:
    """A finished export job of the project whose zip a manager or client may download."""
    projects.require(sess, user, project_id, projects.UPLOAD)
    job = sess.get(Job, job_id)
    if job is None or job.project_id != project_id or job.kind != "export":
        raise NotFound(f"export {job_id} does not exist in project {project_id}")
    if job.state != "done":
        raise NotFound(f"export {job_id} is {job.state}, so it has nothing to download")
    return job
