"""Datasets in and out of a project: export through a format, import annotations or predictions.

Which annotation an item exports (until consensus exists): among its annotations with at
least one saved revision, a submitted one before an unsubmitted one, then the most recently
updated (ties: the newest annotation row). Images are streamed in pages by item id, so an
export never holds a project in memory.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from labelwright.domain.roles import ItemState
from labelwright.domain.schema import LabelSchema
from labelwright.domain.shapes import Annotation as AnnotationDoc
from labelwright.domain.validation import AnnotationInvalid, validate_annotation
from labelwright.formats import splits as splitting
from labelwright.formats.dataset import Dataset, DatasetImage, Format, FormatError, Manifest
from labelwright.formats.filters import only_classes
from labelwright.formats.matching import SchemaMatch
from labelwright.formats.registry import UnknownFormat, available_formats, detect_format, get_format
from labelwright.services import projects
from labelwright.services.context import Context
from labelwright.services.errors import Invalid, NotFound, ServiceError
from labelwright.services.intake import import_paths
from labelwright.services.labelschema import append_schema, current_schema, schema_version
from labelwright.services.predictions import check_name
from labelwright.store.tables import (
    Annotation,
    AnnotationClass,
    AnnotationRevision,
    Image,
    Item,
    Job,
    Prediction,
    User,
    utcnow,
)

PAGE = 200  # items per keyset page (and images per staging look-up)
IMPORT_PAGE = 500  # images per import transaction: few commits, each lock held briefly
SPLIT_NAMES = ("train", "val", "test")
Progress = Callable[[int, str], None]  # (images finished so far, file name of the last one)
_IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".webp", ".tif", ".tiff", ".bmp"}


# ---------------------------------------------------------------- formats


def find_format(name: str) -> Format:
    """The format registered as `name`, or Invalid listing the available ones."""
    try:
        return get_format(name)
    except UnknownFormat as exc:
        raise Invalid(str(exc)) from None


def _detect(path: Path) -> Format:
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


def _chosen_bodies(sess: Session, item_ids: list[int]) -> dict[int, dict]:
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
        bodies = _chosen_bodies(sess, ids) if ids else {}
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
    with ctx.db.session() as sess:
        projects.require(sess, user, project_id, projects.MANAGE)
        job = Job(
            project_id=project_id, kind=kind, state="running", created_by=user.id, params=params
        )
        sess.add(job)
        sess.flush()
        return job.id


def _update_job(ctx: Context, job_id: int, **fields: Any) -> None:
    with ctx.db.session() as sess:
        job = sess.get(Job, job_id)
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


def _json_params(options: Mapping[str, Any]) -> dict:
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
    job_id = _open_job(ctx, user, project_id, "export", {"format": fmt, **_json_params(options)})
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
    """Where the zip of an export job made by export_archive lives."""
    return ctx.settings.data_dir / "exports" / f"{job_id}.zip"


def export_archive(ctx: Context, user: User, project_id: int, fmt: str, **options: Any) -> int:
    """Export into the data dir and zip it (`archive_path`); returns the job id (managers)."""
    job_id = _open_job(ctx, user, project_id, "export", {"format": fmt, **_json_params(options)})
    folder = ctx.settings.data_dir / "exports" / str(job_id)
    try:
        manifest = _run_export(ctx, job_id, project_id, fmt, folder, None, True, options)
        _zip_folder(folder, archive_path(ctx, job_id))
    finally:
        shutil.rmtree(folder, ignore_errors=True)  # the zip is what is kept
    result = {"manifest": asdict(manifest), "archive": archive_path(ctx, job_id).name}
    _update_job(ctx, job_id, result=result)
    return job_id


def _zip_folder(folder: Path, target: Path) -> None:
    """Zip a folder atomically; images are stored as they are (they do not compress)."""
    partial = target.with_suffix(".zip.partial")
    with zipfile.ZipFile(partial, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                kind = zipfile.ZIP_STORED if path.suffix.lower() in _IMAGE_SUFFIXES else None
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


# ---------------------------------------------------------------- import


class _DatasetImport:
    """One dataset read into one project: schema, missing images, then annotations."""

    def __init__(self, ctx: Context, user: User, project_id: int, job_id: int, **options: Any):
        self.ctx, self.user, self.project_id, self.job_id = ctx, user, project_id, job_id
        self.as_predictions: str | None = options.get("as_predictions")
        self.progress: Progress = options.get("progress") or (lambda _done, _name: None)
        self.run = datetime.now(UTC).strftime("import-%Y%m%dT%H%M%S.%fZ")
        self.counts = Counter()
        self.skipped: Counter = Counter()
        self.problems: list[dict] = []
        self.aliases: dict[str, int] = {}  # file name -> existing item holding the same bytes

    def problem(self, file_name: str, reason: str, detail: str, **extra: Any) -> None:
        """Note one problem (the first thousand are kept, all are counted)."""
        self.counts["problems"] += 1
        if len(self.problems) < 1000:
            self.problems.append({"file": file_name, "reason": reason, "detail": detail, **extra})

    def schema_map(self, source: LabelSchema) -> SchemaMatch:
        """Create the project's schema from the dataset's, or match it by name."""
        with self.ctx.db.session() as sess:
            current = current_schema(sess, self.project_id)
            if current.version == 0:
                append_schema(sess, self.project_id, source, 1, self.user)
                self.counts["schema_created"] = 1
                return SchemaMatch(source, source)
        mapping = SchemaMatch(source, current.schema)
        for issue in mapping.schema_issues():
            self.problem("", issue.reason, issue.detail)
        return mapping

    def items_by_name(self, sess: Session, names: list[str]) -> dict[str, tuple[int, Image]]:
        """Items of the project by file name (the oldest where several share one)."""
        rows = sess.execute(
            select(Item.file_name, Item.id, Image)
            .join(Image, Image.id == Item.image_id)
            .where(Item.project_id == self.project_id, Item.file_name.in_(names))
            .order_by(Item.id.desc())
        )
        found = {name: (item_id, image) for name, item_id, image in rows}
        aliased = {n: i for n, i in self.aliases.items() if n in names and n not in found}
        if aliased:
            stmt = select(Item.id, Image).join(Image, Image.id == Item.image_id)
            images = dict(sess.execute(stmt.where(Item.id.in_(aliased.values()))).all())
            found |= {n: (i, images[i]) for n, i in aliased.items() if i in images}
        return found

    def add_missing_images(self, images: Iterable[DatasetImage]) -> None:
        """Bring in the images the project lacks, through the usual intake."""
        staging = Path(tempfile.mkdtemp(prefix="dataset-", dir=self.ctx.settings.tmp_dir))
        try:
            staged = self._stage_missing(images, staging)
            if staged:
                self._intake(staging)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def _stage_missing(self, images: Iterable[DatasetImage], staging: Path) -> int:
        staged = 0
        for chunk in _chunks(iter(images), PAGE):
            with self.ctx.db.session(readonly=True) as sess:
                known = self.items_by_name(sess, [i.file_name for i in chunk])
            for image in chunk:
                if image.file_name in known:
                    continue
                if image.path is None or not Path(image.path).is_file():
                    continue  # reported as "no_item" when its annotation finds no item
                target = staging / _relative(image.file_name)
                if target.exists():
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                _link_or_copy(Path(image.path), target)
                staged += 1
        return staged

    def _intake(self, staging: Path) -> None:
        # A folder import names each item by its path inside the folder: the dataset's name.
        report = import_paths(
            self.ctx, self.project_id, [staging], user_id=self.user.id, batch_name="dataset import"
        )
        self.counts["images_added"] += len(report.added)
        for dup in report.duplicates:
            if isinstance(dup.get("duplicate_of"), int):
                self.aliases[dup["name"]] = dup["duplicate_of"]
        for rejected in report.rejected:
            self.problem(rejected["name"], f"image_{rejected['reason']}", rejected["detail"])

    def write_annotations(self, images: Iterable[DatasetImage], mapping: SchemaMatch) -> None:
        """Save each image's annotation (or prediction), one short transaction per page.

        A page is checked against the schema outside the write transaction (the costly
        part, so other writers are not held up) and written with a few set-based
        statements; should the schema change in between, the page is checked again.
        """
        done = 0
        for chunk in _chunks(iter(images), IMPORT_PAGE):
            with self.ctx.db.session(readonly=True) as sess:
                projects.require(sess, self.user, self.project_id, projects.MANAGE)
                schema = current_schema(sess, self.project_id)
                known = self.items_by_name(sess, [i.file_name for i in chunk])
            checked = self._checked_page(chunk, known, mapping, schema.schema)
            done += len(chunk)
            with self.ctx.db.session() as sess:
                projects.require(sess, self.user, self.project_id, projects.MANAGE)
                if schema_version(sess, self.project_id) != schema.version:
                    checked = self._rechecked(sess, chunk, known, checked)
                if self.as_predictions:
                    self._save_predictions(sess, checked)
                else:
                    self._save_annotations(sess, checked)
                sess.get(Job, self.job_id).done = done
            for number, image in enumerate(chunk, start=done - len(chunk) + 1):
                self.progress(number, image.file_name)

    def _checked_page(
        self,
        chunk: list[DatasetImage],
        known: dict[str, tuple[int, Image]],
        mapping: SchemaMatch,
        schema: LabelSchema,
    ) -> list[tuple[int, AnnotationDoc]]:
        """(item id, annotation in the project's ids, validated) for each image that fits."""
        checked = []
        for image in chunk:
            found = known.get(image.file_name)
            if found is None:
                self.problem(image.file_name, "no_item", "no item of this name and no image file")
                continue
            item_id, stored = found
            self.counts["items_matched"] += 1
            if (image.width, image.height) != (stored.width, stored.height):
                detail = f"{image.width}x{image.height} in the dataset, "
                detail += f"{stored.width}x{stored.height} stored; skipped"
                self.problem(image.file_name, "size_mismatch", detail)
                continue
            doc, issues = mapping.apply(image.annotation, self.skipped)
            for issue in issues:
                self.problem(image.file_name, issue.reason, issue.detail)
            doc = self._validated(image.file_name, stored, doc, schema)
            if doc is not None:
                checked.append((item_id, doc))
        return checked

    def _validated(
        self, file_name: str, stored: Image, doc: AnnotationDoc, schema: LabelSchema
    ) -> AnnotationDoc | None:
        """The annotation as the schema and the image allow it, or None (the problem noted)."""
        try:
            return validate_annotation(
                doc,
                schema,
                width=stored.width,
                height=stored.height,
                frame_count=stored.frame_count,
            )
        except AnnotationInvalid as exc:
            objects = [p.object_id for p in exc.problems]
            self.problem(file_name, "invalid", str(exc), objects=objects)
            self.counts["items_skipped"] += 1
            return None

    def _rechecked(
        self,
        sess: Session,
        chunk: list[DatasetImage],
        known: dict[str, tuple[int, Image]],
        checked: list[tuple[int, AnnotationDoc]],
    ) -> list[tuple[int, AnnotationDoc]]:
        """The page checked again under a schema that changed since it was first checked."""
        schema = current_schema(sess, self.project_id).schema
        names = {known[i.file_name][0]: i.file_name for i in chunk if i.file_name in known}
        stored = dict(known.values())
        again = []
        for item_id, doc in checked:
            doc = self._validated(names[item_id], stored[item_id], doc, schema)
            if doc is not None:
                again.append((item_id, doc))
        return again

    def _save_annotations(self, sess: Session, checked: list[tuple[int, AnnotationDoc]]) -> None:
        """Append a revision to the caller's annotation of each item (created if need be)."""
        bodies = {item_id: doc.model_dump(mode="json") for item_id, doc in checked}
        own = _own_annotations(sess, self.user, list(bodies))
        heads = _current_bodies(sess, [a for a in own.values() if a.revision])
        changed = {}
        for item_id, body in bodies.items():
            annotation = own.get(item_id)
            if annotation is not None and annotation.revision and heads.get(annotation.id) == body:
                self.counts["annotations_unchanged"] += 1  # importing twice adds no revision
            else:
                changed[item_id] = body
        _append_revisions(sess, self.project_id, self.user, own, changed, "import")
        self.counts["annotations_written"] += len(changed)

    def _save_predictions(self, sess: Session, checked: list[tuple[int, AnnotationDoc]]) -> None:
        """Store each annotation as a prediction of the named model; new items become prelabeled."""
        source = f"model:{self.as_predictions}"
        rows = []
        for item_id, doc in checked:
            objects = [o.model_copy(update={"source": source}) for o in doc.objects]
            body = doc.model_copy(update={"objects": objects}).model_dump(mode="json")
            rows.append(
                {
                    "project_id": self.project_id,
                    "item_id": item_id,
                    "model": self.as_predictions,
                    "run": self.run,
                    "body": body,
                    "object_count": len(objects),
                }
            )
        if not rows:
            return
        sess.execute(insert(Prediction), rows)
        sess.execute(
            update(Item)
            .where(Item.id.in_([r["item_id"] for r in rows]), Item.state == ItemState.new.value)
            .values(state=ItemState.prelabeled.value, updated_at=utcnow())
        )
        self.counts["predictions_written"] += len(rows)

    def report(self) -> dict[str, Any]:
        """Counts and problems, as returned and stored on the job."""
        return {
            "job_id": self.job_id,
            "items_matched": self.counts["items_matched"],
            "images_added": self.counts["images_added"],
            "annotations_written": self.counts["annotations_written"],
            "annotations_unchanged": self.counts["annotations_unchanged"],
            "predictions_written": self.counts["predictions_written"],
            "items_skipped": self.counts["items_skipped"],
            "schema_created": bool(self.counts["schema_created"]),
            "objects_skipped": {reason: n for reason, n in self.skipped.items() if n},
            "problem_count": self.counts["problems"],
            "problems": self.problems,
        }


def _own_annotations(sess: Session, user: User, item_ids: list[int]) -> dict[int, Annotation]:
    """The caller's annotations of these items by item id (row-locked on PostgreSQL)."""
    if not item_ids:
        return {}
    stmt = select(Annotation).where(Annotation.item_id.in_(item_ids), Annotation.user_id == user.id)
    if sess.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return {a.item_id: a for a in sess.scalars(stmt)}


def _current_bodies(sess: Session, annotations: list[Annotation]) -> dict[int, dict]:
    """The body of each annotation's current revision, by annotation id."""
    if not annotations:
        return {}
    rows = sess.execute(
        select(AnnotationRevision.annotation_id, AnnotationRevision.body)
        .join(
            Annotation,
            (Annotation.id == AnnotationRevision.annotation_id)
            & (Annotation.revision == AnnotationRevision.number),
        )
        .where(Annotation.id.in_([a.id for a in annotations]))
    )
    return dict(rows.all())


def _insert_first_revisions(
    sess: Session, project_id: int, user: User, bodies: dict[int, dict]
) -> dict[int, int]:
    """Create the caller's annotation of items that have none, at revision 1; item -> id.

    An item whose annotation appeared meanwhile (a concurrent first save) is left out.
    """
    if not bodies:
        return {}
    now = utcnow()
    rows = [
        {
            "project_id": project_id,
            "item_id": item_id,
            "user_id": user.id,
            "revision": 1,
            "object_count": len(body["objects"]),
            "submitted": False,
            "updated_at": now,
        }
        for item_id, body in bodies.items()
    ]
    dialect = postgresql if sess.get_bind().dialect.name == "postgresql" else sqlite
    stmt = (
        dialect.insert(Annotation)
        .on_conflict_do_nothing(index_elements=["item_id", "user_id"])
        .returning(Annotation.item_id, Annotation.id)
    )
    return dict(sess.execute(stmt, rows).all())


def _append_revisions(
    sess: Session,
    project_id: int,
    user: User,
    own: dict[int, Annotation],
    bodies: dict[int, dict],
    origin: str,
) -> None:
    """What annotations.append_revision does, for many items in a few statements.

    Each item's body becomes the next revision of the caller's annotation (created at
    revision 1 where missing); the pointer moves and the class index is rebuilt.
    """
    created = _insert_first_revisions(
        sess, project_id, user, {i: b for i, b in bodies.items() if i not in own}
    )
    late = [i for i in bodies if i not in own and i not in created]
    own = own | _own_annotations(sess, user, late)
    now = utcnow()
    revision_rows, class_rows = [], []
    for item_id, body in bodies.items():
        if item_id in created:
            annotation_id, number = created[item_id], 1
        else:
            annotation = own[item_id]
            annotation.revision += 1
            annotation.object_count = len(body["objects"])
            annotation.updated_at = now
            annotation_id, number = annotation.id, annotation.revision
        revision_rows.append(
            {
                "annotation_id": annotation_id,
                "number": number,
                "body": body,
                "object_count": len(body["objects"]),
                "origin": origin,
                "created_by": user.id,
            }
        )
        counts = Counter(o["class_id"] for o in body["objects"])
        class_rows += [
            {
                "annotation_id": annotation_id,
                "class_id": class_id,
                "project_id": project_id,
                "item_id": item_id,
                "count": count,
            }
            for class_id, count in counts.items()
        ]
    if not revision_rows:
        return
    existing = [r["annotation_id"] for r in revision_rows if r["number"] > 1]
    if existing:
        sess.execute(delete(AnnotationClass).where(AnnotationClass.annotation_id.in_(existing)))
    sess.execute(insert(AnnotationRevision), revision_rows)
    if class_rows:
        sess.execute(insert(AnnotationClass), class_rows)
    sess.flush()


def _chunks(items: Iterator, size: int) -> Iterator[list]:
    while chunk := list(islice(items, size)):
        yield chunk


def _relative(file_name: str) -> Path:
    """A dataset file name as a path that stays inside the staging folder."""
    parts = [p for p in file_name.replace("\\", "/").split("/") if p not in ("", ".", "..")]
    return Path(*parts) if parts else Path("unnamed")


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # another device, or no hard links
        shutil.copy2(source, target)


def import_dataset(
    ctx: Context,
    user: User,
    project_id: int,
    path: Path,
    fmt: str | None = None,
    *,
    as_predictions: str | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Import a dataset's images and annotations (or predictions) into a project (managers)."""
    path = Path(path)
    if not path.exists():
        raise Invalid(f"{path}: no such file or folder")
    if as_predictions is not None:
        check_name("model", as_predictions)  # the same rule as add_prediction
    reader = find_format(fmt) if fmt else _detect(path)
    params = {"format": reader.name, "path": str(path), "as_predictions": as_predictions}
    job_id = _open_job(ctx, user, project_id, "import-dataset", params)
    run = _DatasetImport(
        ctx, user, project_id, job_id, as_predictions=as_predictions, progress=progress
    )
    try:
        dataset = _read(reader, path)
        mapping = run.schema_map(dataset.schema)
        run.add_missing_images(dataset.images)
        run.write_annotations(_again(dataset, reader, path), mapping)
        for issue in mapping.undeclared_issues():
            run.problem("", issue.reason, issue.detail)
    except FormatError as exc:
        _close_job(ctx, job_id, "failed", run.report(), str(exc))
        raise Invalid(str(exc)) from None
    except BaseException as exc:
        message = exc.message if isinstance(exc, ServiceError) else f"{type(exc).__name__}: {exc}"
        _close_job(ctx, job_id, "failed", run.report(), message)
        raise
    _close_job(ctx, job_id, "done", run.report())
    return run.report()


def _read(reader: Format, path: Path) -> Dataset:
    """Read a dataset (its images stream when iterated)."""
    return reader.read(path)


def _again(dataset: Dataset, reader: Format, path: Path) -> Iterable[DatasetImage]:
    """The dataset's images for a second pass: the same ones when they can be iterated
    again (every built-in format), else read afresh (a plugin's one-shot stream)."""
    images = dataset.images
    if isinstance(images, Iterator):
        return _read(reader, path).images
    return images
