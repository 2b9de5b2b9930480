"""Datasets into a project, as a job: annotations (or a model's predictions) matched by name.

The work has two sides joined by a stream of pages. The reading side
(`services.dataset_reading`) reads the dataset through its format, maps each image's
annotation onto the project's schema and validates a page at a time; for a large dataset
it runs in other processes, so reading and checking overlap with writing. The writing side,
here, looks each page's images up by file name and writes their annotations with a few
set-based statements in one short transaction. Images the project lacks, but whose files
the dataset holds, are staged on the way; once the pass ends they come in through the
intake and a second pass writes their labels.

The API queues the job (`queue_import`) and a runner does the work; the CLI runs the
same job in its own process (`import_dataset`).
"""

from __future__ import annotations

import gc
import os
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import closing, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

import orjson
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from labelwright.domain.roles import ItemState
from labelwright.domain.schema import LabelSchema
from labelwright.domain.shapes import Annotation as AnnotationDoc
from labelwright.domain.validation import AnnotationInvalid, ImageSize, Problem, validate_many
from labelwright.formats.dataset import FormatError
from labelwright.formats.matching import SchemaMatch, unknown_attribute_issues
from labelwright.jobs.runner import Cancelled, JobControl, JobFailed
from labelwright.services import jobs, projects
from labelwright.services.context import Context
from labelwright.services.dataset_reading import Body, Prepared, open_pages, stored_body
from labelwright.services.datasets import detect, find_format
from labelwright.services.errors import Conflict, Invalid, ServiceError
from labelwright.services.intake import import_paths
from labelwright.services.labelschema import append_schema, current_schema, schema_version
from labelwright.services.predictions import check_name
from labelwright.store.bulk import driver_value, insert_new_returning, insert_rows
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

KIND = "import-dataset"
"""The job kind of a dataset import."""
MAX_PROBLEMS = 1000  # problems listed in a report (all are counted)
BEAT_SECONDS = 0.5  # progress is reported at most this often
Beat = Callable[..., None]  # (images finished so far, what is going on[, final])


# ---------------------------------------------------------------- writing side


class _Stored(NamedTuple):
    """What an import needs of one of the project's items: its id and its image's size."""

    item_id: int
    size: ImageSize


class _DatasetImport:
    """One dataset written into one project: schema, annotations, and the images it lacked."""

    def __init__(self, ctx: Context, user: User, project_id: int, job_id: int, **options: Any):
        self.ctx, self.user, self.project_id, self.job_id = ctx, user, project_id, job_id
        self.as_predictions: str | None = options.get("as_predictions")
        self.source = f"model:{self.as_predictions}" if self.as_predictions else None
        self.beat: Beat = options.get("beat") or (lambda _done, _note, _final=False: None)
        self.run = datetime.now(UTC).strftime("import-%Y%m%dT%H%M%S.%fZ")
        self.counts: Counter = Counter()
        self.skipped: Counter = Counter()
        self.problems: list[dict] = []
        self.aliases: dict[str, int] = {}  # file name -> existing item holding the same bytes
        self.done = 0
        self.version = 0  # the schema version the reading side validates against

    def problem(self, file_name: str, reason: str, detail: str, **extra: Any) -> None:
        """Note one problem (the first MAX_PROBLEMS are kept, all are counted)."""
        self.counts["problems"] += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append({"file": file_name, "reason": reason, "detail": detail, **extra})

    def target_schema(self, source: LabelSchema) -> LabelSchema:
        """The project's schema (created from the dataset's if it has none), issues noted."""
        with self.ctx.db.session() as sess:
            current = current_schema(sess, self.project_id)
            if current.version == 0:
                append_schema(sess, self.project_id, source, 1, self.user)
                self.version = 1
                self.counts["schema_created"] = 1
                return source
        self.version = current.version
        for issue in SchemaMatch(source, current.schema).schema_issues():
            self.problem("", issue.reason, issue.detail)
        return current.schema

    def items_by_name(self, sess: Session, names: list[str]) -> dict[str, _Stored]:
        """Items of the project by file name (the oldest where several share one)."""
        columns = (Item.id, Image.width, Image.height, Image.frame_count)
        # No ORDER BY: sorting by id would lead SQLite to walk the whole project by id
        # instead of looking the names up in (project_id, file_name).
        rows = sess.execute(
            select(Item.file_name, *columns)
            .join(Image, Image.id == Item.image_id)
            .where(Item.project_id == self.project_id, Item.file_name.in_(names))
        )
        found: dict[str, _Stored] = {}
        for name, item_id, *size in rows:
            if name not in found or item_id < found[name].item_id:
                found[name] = _Stored(item_id, ImageSize(*size))
        wanted = set(names)
        aliased = {n: i for n, i in self.aliases.items() if n in wanted and n not in found}
        if aliased:
            stmt = select(*columns).join(Image, Image.id == Item.image_id)
            rows = sess.execute(stmt.where(Item.id.in_(aliased.values())))
            by_id = {item_id: _Stored(item_id, ImageSize(*size)) for item_id, *size in rows}
            found |= {n: by_id[i] for n, i in aliased.items() if i in by_id}
        return found

    def write_pages(self, pages: Iterable[list[Prepared]], staging: Path | None = None) -> set[str]:
        """Write each page's labels; returns the names of the images staged for the intake.

        An image lacking an item is staged into `staging` when its file is at hand (its
        labels are written by a second pass once the intake brought it in), else reported.
        """
        staged: set[str] = set()
        # What is loaded when the pages start stays loaded through them, so the collector
        # is told not to scan it again at every page; it is handed back at the end (this
        # may run in a long-lived server process).
        gc.collect()
        gc.freeze()
        try:
            for page in pages:
                self.beat(self.done, page[0].file_name)  # a cancel is noticed before each page
                waiting = self._page(page, staging)
                staged |= waiting
                self.done += sum(1 for p in page if p.file_name not in waiting)
        finally:
            gc.unfreeze()
        return staged

    def _page(self, page: list[Prepared], staging: Path | None) -> set[str]:
        """Check and write one page; returns the names of the images staged for the intake."""
        with self.ctx.db.session(readonly=True) as sess:
            projects.require(sess, self.user, self.project_id, projects.MANAGE)
            schema = current_schema(sess, self.project_id)
            known = self.items_by_name(sess, [p.file_name for p in page])
        ready, waiting = [], set()
        for prepared in page:
            stored = known.get(prepared.file_name)
            if stored is not None:
                ready.append((prepared, stored))
            elif staging is not None and _stage(prepared, staging):
                waiting.add(prepared.file_name)
            else:
                self.problem(
                    prepared.file_name, "no_item", "no item of this name and no image file"
                )
        checked = self._checked(ready, schema.schema, schema.version)
        if checked:
            self._write(checked, schema.version)
        return waiting

    def bring_in(self, staging: Path) -> None:
        """Import the staged image files through the usual intake."""
        # A folder import names each item by its path inside the folder: the dataset's name.
        report = import_paths(
            self.ctx,
            self.project_id,
            [staging],
            user_id=self.user.id,
            batch_name="dataset import",
            progress=lambda _done, name: self.beat(self.done, f"bringing in {name}"),
        )
        self.counts["images_added"] += len(report.added)
        for dup in report.duplicates:
            if isinstance(dup.get("duplicate_of"), int):
                self.aliases[dup["name"]] = dup["duplicate_of"]
        for rejected in report.rejected:
            self.problem(rejected["name"], f"image_{rejected['reason']}", rejected["detail"])

    def _checked(
        self, ready: list[tuple[Prepared, _Stored]], schema: LabelSchema, version: int
    ) -> list[tuple[str, _Stored, Body]]:
        """(file name, item, body) of each image that fits its item and the schema.

        The reading side's verdict stands when it checked the image at the stored size
        under this schema version; otherwise (a GIF's frame count the dataset did not
        give, a schema changed meanwhile) the image is checked again here.
        """
        checked, again = [], []
        for prepared, stored in ready:
            self.counts["items_matched"] += 1
            name, size = prepared.file_name, prepared.size
            if (size.width, size.height) != (stored.size.width, stored.size.height):
                detail = f"{size.width}x{size.height} in the dataset, "
                detail += f"{stored.size.width}x{stored.size.height} stored; skipped"
                self.problem(name, "size_mismatch", detail)
                continue
            self.skipped.update(prepared.skipped)
            for reason, detail in prepared.issues:
                self.problem(name, reason, detail)
            if size != stored.size or version != self.version:
                doc = prepared.doc or orjson.loads(prepared.body.json)  # type: ignore[union-attr]
                again.append((name, stored, doc))
            elif prepared.body is not None:
                checked.append((name, stored, prepared.body))
            else:
                self._invalid(name, prepared.problems or [])
        return checked + self._validated(again, schema)

    def _validated(
        self, entries: list[tuple[str, _Stored, dict]], schema: LabelSchema
    ) -> list[tuple[str, _Stored, Body]]:
        """The entries whose annotations fit the schema at their stored sizes (others noted)."""
        if not entries:
            return []
        docs = [AnnotationDoc.model_validate(doc) for _, _, doc in entries]
        outcomes = validate_many(docs, [stored.size for _, stored, _ in entries], schema)
        fitting = []
        for (name, stored, _), outcome in zip(entries, outcomes, strict=True):
            if isinstance(outcome, AnnotationInvalid):
                self._invalid(name, outcome.problems)
            else:
                fitting.append((name, stored, stored_body(outcome, self.source)))
        return fitting

    def _invalid(self, file_name: str, problems: list[Problem]) -> None:
        objects = [p.object_id for p in problems]
        self.problem(file_name, "invalid", str(AnnotationInvalid(problems)), objects=objects)
        self.counts["items_skipped"] += 1

    def _write(self, checked: list[tuple[str, _Stored, Body]], version: int) -> None:
        """Save one page in one transaction, checked again if the schema changed meanwhile."""
        with self.ctx.db.session() as sess:
            projects.require(sess, self.user, self.project_id, projects.MANAGE)
            if schema_version(sess, self.project_id) != version:
                schema = current_schema(sess, self.project_id).schema
                docs = [(n, s, orjson.loads(b.json)) for n, s, b in checked]
                checked = self._validated(docs, schema)
            bodies = {stored.item_id: body for _, stored, body in checked}
            if self.as_predictions:
                self._save_predictions(sess, bodies)
            else:
                self._save_annotations(sess, bodies)

    def _save_annotations(self, sess: Session, bodies: dict[int, Body]) -> None:
        """Append a revision to the caller's annotation of each item (created if need be)."""
        own = _own_annotations(sess, self.user, list(bodies))
        heads = _current_bodies(sess, [a for a in own.values() if a.revision])
        changed = {}
        for item_id, body in bodies.items():
            annotation = own.get(item_id)
            head = heads.get(annotation.id) if annotation is not None else None
            if head is not None and head == orjson.loads(body.json):
                self.counts["annotations_unchanged"] += 1  # importing twice adds no revision
            else:
                changed[item_id] = body
        _append_revisions(sess, self.project_id, self.user, own, changed, "import")
        self.counts["annotations_written"] += len(changed)

    def _save_predictions(self, sess: Session, bodies: dict[int, Body]) -> None:
        """Store each annotation as a prediction of the named model; new items become prelabeled."""
        table = Prediction.__table__
        created_at = driver_value(sess, table, "created_at", utcnow())
        model, run = self.as_predictions, self.run
        rows = [
            (self.project_id, item_id, model, run, body.text(), body.objects, created_at)
            for item_id, body in bodies.items()
        ]
        if not rows:
            return
        insert_rows(sess, table, _PREDICTION_COLUMNS, rows)
        sess.execute(
            update(Item)
            .where(Item.id.in_(list(bodies)), Item.state == ItemState.new.value)
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
    sess: Session, project_id: int, user: User, bodies: dict[int, Body]
) -> dict[int, int]:
    """Create the caller's annotation of items that have none, at revision 1; item -> id.

    An item whose annotation appeared meanwhile (a concurrent first save) is left out.
    """
    if not bodies:
        return {}
    annotations = Annotation.__table__
    now = driver_value(sess, annotations, "updated_at", utcnow())
    submitted = driver_value(sess, annotations, "submitted", False)
    rows = [
        (project_id, item_id, user.id, 1, body.objects, submitted, now)
        for item_id, body in bodies.items()
    ]
    unique, returning = ("item_id", "user_id"), ("item_id", "id")
    return dict(
        insert_new_returning(sess, annotations, _ANNOTATION_COLUMNS, rows, unique, returning)
    )


_ANNOTATION_COLUMNS = (
    "project_id",
    "item_id",
    "user_id",
    "revision",
    "object_count",
    "submitted",
    "updated_at",
)


def _append_revisions(
    sess: Session,
    project_id: int,
    user: User,
    own: dict[int, Annotation],
    bodies: dict[int, Body],
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
    revisions, classes = AnnotationRevision.__table__, AnnotationClass.__table__
    created_at = driver_value(sess, revisions, "created_at", now)
    revision_rows, class_rows = [], []
    for item_id, body in bodies.items():
        if item_id in created:
            annotation_id, number = created[item_id], 1
        else:
            annotation = own[item_id]
            annotation.revision += 1
            annotation.object_count = body.objects
            annotation.updated_at = now
            annotation_id, number = annotation.id, annotation.revision
        revision_rows.append(
            (annotation_id, number, body.text(), body.objects, origin, user.id, created_at)
        )
        class_rows += [
            (annotation_id, class_id, project_id, item_id, count)
            for class_id, count in body.classes.items()
        ]
    if not revision_rows:
        return
    existing = [annotation_id for annotation_id, number, *_ in revision_rows if number > 1]
    if existing:
        sess.execute(delete(AnnotationClass).where(AnnotationClass.annotation_id.in_(existing)))
    insert_rows(sess, revisions, _REVISION_COLUMNS, revision_rows)
    insert_rows(sess, classes, _CLASS_COLUMNS, class_rows)
    sess.flush()


_REVISION_COLUMNS = (
    "annotation_id",
    "number",
    "body",
    "object_count",
    "origin",
    "created_by",
    "created_at",
)
_CLASS_COLUMNS = ("annotation_id", "class_id", "project_id", "item_id", "count")
_PREDICTION_COLUMNS = (
    "project_id",
    "item_id",
    "model",
    "run",
    "body",
    "object_count",
    "created_at",
)


def _stage(prepared: Prepared, staging: Path) -> bool:
    """Link (or copy) an image's file into the staging folder; False when it has none."""
    if prepared.path is None or not os.path.isfile(prepared.path):
        return False
    target = staging / _relative(prepared.file_name)
    if target.exists():
        return True  # the same name again: its first file stands for it
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(prepared.path, target)
    except OSError:  # another device, or no hard links
        shutil.copy2(prepared.path, target)
    return True


def _relative(file_name: str) -> Path:
    """A dataset file name as a path that stays inside the staging folder."""
    parts = [p for p in file_name.replace("\\", "/").split("/") if p not in ("", ".", "..")]
    return Path(*parts) if parts else Path("unnamed")


# ---------------------------------------------------------------- the job


def run_import(
    ctx: Context, user: User, project_id: int, job_id: int, params: dict, beat: Beat
) -> dict[str, Any]:
    """Import the dataset the job's params name and return the report.

    Raises FormatError for a malformed dataset, ServiceError when access is lost.
    """
    run = _DatasetImport(
        ctx, user, project_id, job_id, as_predictions=params.get("as_predictions"), beat=beat
    )
    staging = Path(tempfile.mkdtemp(prefix="dataset-", dir=ctx.settings.tmp_dir))
    try:
        reading = open_pages(params["format"], Path(params["path"]), run.source)
        with closing(reading):
            target = run.target_schema(reading.schema())
            staged = run.write_pages(reading.pages(target), staging)
            if staged:
                run.bring_in(staging)
                run.write_pages(reading.pages(target, staged))
            undeclared = unknown_attribute_issues(reading.undeclared())
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    for issue in undeclared:
        run.problem("", issue.reason, issue.detail)
    beat(run.done, "finished", True)
    return run.report()


class _Paced:
    """Passes progress to a job at most every BEAT_SECONDS (checking for a cancel each time)."""

    def __init__(self, control: JobControl) -> None:
        self.control, self.last = control, 0.0

    def __call__(self, done: int, note: str, final: bool = False) -> None:
        now = time.monotonic()
        if final:
            with suppress(Cancelled):  # everything is written: a late cancel changes nothing
                self.control.progress(done, None, note, force=True)
        elif now - self.last >= BEAT_SECONDS:
            self.last = now
            self.control.progress(done, None, note, force=True)


def run_import_job(ctx: Context, control: JobControl) -> dict[str, Any]:
    """The job: import, then remove the uploaded dataset's folder (if it was uploaded)."""
    job = control.job
    try:
        with ctx.db.session(readonly=True) as sess:
            user = sess.get(User, job.created_by) if job.created_by else None
        if user is None:
            raise JobFailed("the account that queued this import no longer exists")
        return run_import(ctx, user, job.project_id, job.id, control.params, _Paced(control))
    except FormatError as exc:
        raise JobFailed(str(exc)) from None
    except ServiceError as exc:
        raise JobFailed(exc.message) from None
    finally:
        _drop_upload(ctx, control.params)


def _drop_upload(ctx: Context, params: dict) -> None:
    """Remove the scratch folder an uploaded dataset was unpacked into (only one in tmp)."""
    folder = params.get("upload_dir")
    if folder and Path(folder).resolve().parent == ctx.settings.tmp_dir.resolve():
        shutil.rmtree(folder, ignore_errors=True)


def queue_import(
    ctx: Context,
    user: User,
    project_id: int,
    path: Path,
    fmt: str | None = None,
    *,
    as_predictions: str | None = None,
    upload_dir: Path | None = None,
) -> int:
    """Check the request now (access, path, format, model name), then queue the import.

    `upload_dir` is a scratch folder under the data dir's tmp holding an uploaded dataset;
    the job removes it when it ends. Returns the job id.
    """
    with ctx.db.session(readonly=True) as sess:
        projects.require(sess, user, project_id, projects.MANAGE)
    path = Path(path)
    if not path.exists():
        raise Invalid(f"{path}: no such file or folder")
    if as_predictions is not None:
        check_name("model", as_predictions)  # the same rule as add_prediction
    reader = find_format(fmt) if fmt else detect(path)
    params = {"format": reader.name, "path": str(path.resolve()), "as_predictions": as_predictions}
    if upload_dir is not None:
        params["upload_dir"] = str(Path(upload_dir).resolve())
    return jobs.queue_job(ctx, user, project_id, KIND, params, projects.MANAGE)


def import_dataset(
    ctx: Context,
    user: User,
    project_id: int,
    path: Path,
    fmt: str | None = None,
    *,
    as_predictions: str | None = None,
    progress: Callable[[int, str], None] | None = None,
) -> dict[str, Any]:
    """Import a dataset in this process (the CLI) as a job; returns its report (managers).

    `progress(images done, note)` follows the job; a malformed dataset raises Invalid.
    """
    job_id = queue_import(ctx, user, project_id, path, fmt, as_predictions=as_predictions)
    follow = (lambda job: progress(job.done, job.note)) if progress else None
    job = jobs.run_inline(ctx, job_id, follow)
    return _report_of(job)


def _report_of(job: Job) -> dict[str, Any]:
    """A finished import job's report, or the error it ended with."""
    if job.state == "done":
        return dict(job.result)
    if job.state == "cancelled":
        raise Conflict(f"import {job.id} was cancelled")
    raise Invalid(job.error or f"import {job.id} failed")
