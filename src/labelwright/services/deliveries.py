"""Deliveries: a batch's (or project's) accepted items frozen as a versioned, immutable archive.

A manager queues a delivery (a job of kind "delivery"); the job writes the export in any
format (with splits) the way `export_jobs` does, adds `delivery-manifest.json` (counts per
class and split, the quality figures of the delivered items, and the SHA-256 of every
file), zips it with fixed timestamps, and stores the zip in blob storage under its own
content hash. Then, in one transaction, the delivery becomes ready, the delivered items
move from accepted to delivered, and a `delivery.ready` event is recorded. A new delivery
of the same batch gets the next version; earlier versions stay downloadable.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from labelwright.domain.roles import ItemState, check_transition
from labelwright.domain.shapes import Annotation as AnnotationDoc
from labelwright.formats.dataset import DatasetImage, FormatError
from labelwright.jobs.runner import JobControl, JobFailed
from labelwright.quality.gold import score_against_gold, total_gold_score
from labelwright.services import activity, datasets, projects
from labelwright.services.annotations import head_of
from labelwright.services.batches import get_batch
from labelwright.services.context import Context
from labelwright.services.errors import Conflict, Invalid, NotFound
from labelwright.store.tables import (
    Annotation,
    Batch,
    Delivery,
    GoldAnswer,
    Item,
    ItemAgreementRow,
    Job,
    Project,
    Review,
    User,
    utcnow,
)

MANIFEST_NAME = "delivery-manifest.json"
DONE_STATES = (ItemState.accepted.value, ItemState.delivered.value)
MAX_NOTE = 10_000
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed, so the same content makes the same archive
MARK_CHUNK = 500  # item ids per update when marking delivered
_STORED_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".webp", ".tif", ".tiff", ".bmp"}
DOWNLOAD_ROLES = projects.UPLOAD  # managers and clients receive deliveries


def _scope(project_id: int, batch_id: int | None):
    """The items a delivery covers: accepted (or delivered before) items of a batch or project."""
    conditions = [Item.project_id == project_id, Item.state.in_(DONE_STATES)]
    if batch_id is not None:
        conditions.append(Item.batch_id == batch_id)
    return conditions


def _open_items(sess: Session, project_id: int, batch_id: int | None) -> tuple[int, int]:
    """(items ready to deliver, items still in the workflow) of the scope."""
    stmt = select(Item.state, func.count()).where(Item.project_id == project_id)
    if batch_id is not None:
        stmt = stmt.where(Item.batch_id == batch_id)
    counts = dict(sess.execute(stmt.group_by(Item.state)).all())
    ready = sum(counts.get(s, 0) for s in DONE_STATES)
    return ready, sum(counts.values()) - ready


def _next_version(sess: Session, project_id: int, batch_id: int | None) -> int:
    if sess.get_bind().dialect.name == "postgresql":  # one version number per delivery
        sess.execute(select(Project.id).where(Project.id == project_id).with_for_update())
    same = Delivery.batch_id.is_(None) if batch_id is None else Delivery.batch_id == batch_id
    found = sess.scalar(
        select(func.max(Delivery.version)).where(Delivery.project_id == project_id, same)
    )
    return int(found or 0) + 1


def _check_request(ctx: Context, project_id: int, fmt: str, options: dict[str, Any]) -> None:
    """Refuse a bad format, split or class list now rather than in the background."""
    datasets.find_format(fmt)
    datasets.project_dataset(ctx, project_id, states=list(DONE_STATES), **options)


def queue_delivery(
    ctx: Context,
    user: User,
    project_id: int,
    fmt: str,
    *,
    batch_id: int | None = None,
    note: str = "",
    allow_partial: bool = False,
    **options: Any,
) -> Delivery:
    """Queue the next version of a batch's (or the project's) delivery (managers)."""
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise Invalid(f"delivery note: at most {MAX_NOTE} characters (got {len(note)})")
    with ctx.db.session(readonly=True) as sess:
        projects.require(sess, user, project_id, projects.MANAGE)
        if batch_id is not None:
            get_batch(sess, project_id, batch_id)
    _check_request(ctx, project_id, fmt, options)
    with ctx.db.session() as sess:
        projects.require(sess, user, project_id, projects.MANAGE)
        what = f"batch {batch_id}" if batch_id is not None else f"project {project_id}"
        ready, still_open = _open_items(sess, project_id, batch_id)
        if not ready:
            raise Conflict(f"{what} has no accepted items to deliver yet")
        if still_open and not allow_partial:
            raise Conflict(
                f"{what}: {still_open} of {ready + still_open} items are not accepted yet; "
                "deliver once they are, or allow a partial delivery",
                ready=ready,
                open=still_open,
            )
        return _new_delivery(sess, user, project_id, batch_id, fmt, note, options)


def _new_delivery(
    sess: Session,
    user: User,
    project_id: int,
    batch_id: int | None,
    fmt: str,
    note: str,
    options: dict[str, Any],
) -> Delivery:
    """The delivery row with its version, and the queued job that will make it."""
    delivery = Delivery(
        project_id=project_id,
        batch_id=batch_id,
        version=_next_version(sess, project_id, batch_id),
        format=fmt,
        options=datasets.json_params(options),
        state="queued",
        error="",
        note=note,
        sha256="",
        size_bytes=0,
        blob_key="",
        manifest={},
        created_by=user.id,
        created_at=utcnow(),
    )
    sess.add(delivery)
    sess.flush()
    job = Job(
        project_id=project_id,
        kind="delivery",
        state="queued",
        params={"delivery_id": delivery.id},
        created_by=user.id,
    )
    sess.add(job)
    sess.flush()
    delivery.job_id = job.id
    return delivery


# --- quality figures of the delivered items ---------------------------------------------


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), MARK_CHUNK):
        yield ids[start : start + MARK_CHUNK]


def _review_figures(sess: Session, item_ids: list[int]) -> dict[str, Any]:
    reviewed: set[int] = set()
    rejected: set[int] = set()
    for chunk in _chunks(item_ids):
        rows = sess.execute(
            select(Review.item_id, Review.decision, Review.reviewer_id).where(
                Review.item_id.in_(chunk)
            )
        )
        for item_id, decision, reviewer_id in rows:
            if reviewer_id is not None:
                reviewed.add(item_id)
            if decision == "reject":
                rejected.add(item_id)
    n = len(item_ids)
    return {
        "reviewed_items": len(reviewed),
        "review_rate": len(reviewed) / n if n else None,
        "rejected_once": len(rejected),
        "rejection_rate": len(rejected) / n if n else None,
    }


def _agreement_figures(sess: Session, item_ids: list[int]) -> dict[str, Any]:
    scores: list[float] = []
    for chunk in _chunks(item_ids):
        scores += sess.scalars(
            select(ItemAgreementRow.score).where(ItemAgreementRow.item_id.in_(chunk))
        ).all()
    return {
        "agreement": sum(scores) / len(scores) if scores else None,
        "agreement_items": len(scores),
    }


def _gold_figures(sess: Session, project_id: int, item_ids: list[int]) -> dict[str, Any]:
    """Gold accuracy of the people who labeled these items, over the project's gold items."""
    people: set[int] = set()
    for chunk in _chunks(item_ids):
        people |= set(
            sess.scalars(
                select(Annotation.user_id).where(
                    Annotation.item_id.in_(chunk), Annotation.submitted.is_(True)
                )
            )
        )
    golds = {
        g.item_id: AnnotationDoc.model_validate(g.body)
        for g in sess.scalars(select(GoldAnswer).where(GoldAnswer.project_id == project_id))
    }
    scores = []
    if people and golds:
        answers = sess.scalars(
            select(Annotation).where(
                Annotation.item_id.in_(list(golds)),
                Annotation.user_id.in_(list(people)),
                Annotation.submitted.is_(True),
            )
        )
        for answer in answers:
            doc = AnnotationDoc.model_validate(head_of(sess, answer).body or {})
            scores.append(score_against_gold(doc, golds[answer.item_id]))
    if not scores:
        return {"gold_answers": 0, "gold_f1": None, "gold_mean_iou": None}
    total = total_gold_score(scores)
    return {"gold_answers": len(scores), "gold_f1": total.f1, "gold_mean_iou": total.mean_iou}


def scope_quality(sess: Session, project_id: int, item_ids: list[int]) -> dict[str, Any]:
    """Review rate, agreement and gold accuracy of a set of items (a delivery's)."""
    return {
        "items": len(item_ids),
        **_review_figures(sess, item_ids),
        **_agreement_figures(sess, item_ids),
        **_gold_figures(sess, project_id, item_ids),
    }


# --- the job -------------------------------------------------------------------------


class _Tally:
    """Passes images through, noting the items written and reporting progress."""

    def __init__(self, control: JobControl, total: int) -> None:
        self.control, self.total = control, total
        self.item_ids: list[int] = []

    def wrap(self, images: Iterable[DatasetImage]) -> Iterator[DatasetImage]:
        """Yield each image, remembering its item and beating progress."""
        for image in images:
            yield image
            self.item_ids.append(int(image.meta["item_id"]))
            self.control.progress(len(self.item_ids), self.total, image.file_name)
        self.control.progress(len(self.item_ids), self.total, force=True)


def _file_list(folder: Path) -> list[dict[str, Any]]:
    files = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for chunk in iter(lambda fh=fh: fh.read(1 << 20), b""):
                digest.update(chunk)
        files.append(
            {
                "path": path.relative_to(folder).as_posix(),
                "sha256": digest.hexdigest(),
                "bytes": path.stat().st_size,
            }
        )
    return files


def _zip(folder: Path, target: Path) -> str:
    """Zip a folder with fixed timestamps and names in order; returns the zip's SHA-256."""
    with zipfile.ZipFile(target, "w") as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(path.relative_to(folder).as_posix(), ZIP_TIME)
            stored = path.suffix.lower() in _STORED_SUFFIXES  # images do not compress
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            with path.open("rb") as src, archive.open(info, "w") as dest:
                shutil.copyfileobj(src, dest, 1 << 20)
    digest = hashlib.sha256()
    with target.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _describe(sess: Session, delivery: Delivery) -> dict[str, Any]:
    project = sess.get(Project, delivery.project_id)
    batch = sess.get(Batch, delivery.batch_id) if delivery.batch_id is not None else None
    return {
        "id": delivery.id,
        "version": delivery.version,
        "project_id": delivery.project_id,
        "project": project.name if project else "",
        "batch_id": delivery.batch_id,
        "batch": batch.name if batch else None,
        "format": delivery.format,
        "options": delivery.options,
        "note": delivery.note,
        "created_at": delivery.created_at.isoformat(),
    }


def _write(
    ctx: Context, control: JobControl, delivery: Delivery, folder: Path
) -> tuple[dict, list[int]]:
    """Write the export and its manifest into `folder`; returns it and the items written."""
    options = dict(delivery.options or {})
    batch_ids = [delivery.batch_id] if delivery.batch_id is not None else None
    dataset = datasets.project_dataset(
        ctx, delivery.project_id, states=list(DONE_STATES), batch_ids=batch_ids, **options
    )
    with ctx.db.session(readonly=True) as sess:
        total = sess.scalar(
            select(func.count())
            .select_from(Item)
            .where(*_scope(delivery.project_id, delivery.batch_id))
        )
        described = _describe(sess, delivery)
    tally = _Tally(control, total or 0)
    dataset.images = tally.wrap(dataset.images)
    written = datasets.find_format(delivery.format).write(dataset, folder, copy_images=True)
    with ctx.db.session(readonly=True) as sess:
        quality = scope_quality(sess, delivery.project_id, tally.item_ids)
    manifest = {
        "delivery": described,
        "items": len(tally.item_ids),
        "counts": asdict(written),
        "quality": quality,
        "files": _file_list(folder),
    }
    (folder / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return manifest, tally.item_ids


@dataclass(frozen=True)
class _Stored:
    """The archive as kept in blob storage."""

    sha256: str
    key: str
    size: int


def _store(ctx: Context, archive: Path, sha: str) -> _Stored:
    key = ctx.blobs.key_for(sha, "zip", "delivery")
    ctx.blobs.put_file(archive, key)  # content addressed: a same archive is stored once
    return _Stored(sha, key, archive.stat().st_size)


def _freeze(
    ctx: Context, delivery_id: int, manifest: dict, item_ids: list[int], stored: _Stored
) -> None:
    """Make the delivery ready, mark its items delivered and record the event, in one go."""
    sha = stored.sha256
    with ctx.db.session() as sess:
        delivery = sess.get(Delivery, delivery_id)
        delivery.state, delivery.sha256, delivery.blob_key = "ready", sha, stored.key
        delivery.size_bytes, delivery.manifest = stored.size, manifest
        delivery.ready_at = utcnow()
        check_transition(ItemState.accepted, ItemState.delivered)
        for start in range(0, len(item_ids), MARK_CHUNK):
            sess.execute(
                update(Item)
                .where(
                    Item.id.in_(item_ids[start : start + MARK_CHUNK]),
                    Item.state == ItemState.accepted.value,
                )
                .values(state=ItemState.delivered.value, updated_at=utcnow())
                .execution_options(synchronize_session=False)
            )
        activity.record(
            sess,
            delivery.project_id,
            activity.DELIVERY_READY,
            actor_id=delivery.created_by,
            payload={
                "delivery_id": delivery.id,
                "version": delivery.version,
                "batch_id": delivery.batch_id,
                "format": delivery.format,
                "sha256": sha,
                "items": len(item_ids),
            },
        )


def _fail(ctx: Context, delivery_id: int, error: str) -> None:
    with ctx.db.session() as sess:
        delivery = sess.get(Delivery, delivery_id)
        if delivery is not None and delivery.state != "ready":
            delivery.state, delivery.error = "failed", error[:2000]


def run_delivery_job(ctx: Context, control: JobControl) -> dict[str, Any]:
    """Write, zip, store and freeze one delivery (the "delivery" job kind's handler)."""
    delivery_id = int(control.params["delivery_id"])
    with ctx.db.session(readonly=True) as sess:
        delivery = sess.get(Delivery, delivery_id)
        if delivery is None:
            raise JobFailed(f"delivery {delivery_id} no longer exists")
        if delivery.state == "ready":  # a resumed job whose first run got this far
            return {"delivery_id": delivery.id, "sha256": delivery.sha256}
    scratch = ctx.settings.tmp_dir / f"delivery-{delivery_id}"
    shutil.rmtree(scratch, ignore_errors=True)  # a resumed job starts afresh
    folder, archive = scratch / "content", scratch / "delivery.zip"
    folder.mkdir(parents=True)
    try:
        manifest, item_ids = _write(ctx, control, delivery, folder)
        stored = _store(ctx, archive, _zip(folder, archive))
        _freeze(ctx, delivery_id, manifest, item_ids, stored)
    except (FormatError, ValueError) as exc:
        _fail(ctx, delivery_id, str(exc))
        raise JobFailed(str(exc)) from None
    except BaseException as exc:
        _fail(ctx, delivery_id, getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}")
        raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return {"delivery_id": delivery_id, "version": delivery.version, "sha256": stored.sha256}


# --- reading -------------------------------------------------------------------------


def list_deliveries(
    sess: Session, user: User, project_id: int, *, batch_id: int | None = None
) -> list[Delivery]:
    """The project's deliveries, newest first, optionally of one batch (any member)."""
    projects.require(sess, user, project_id, projects.READ)
    stmt = select(Delivery).where(Delivery.project_id == project_id)
    if batch_id is not None:
        stmt = stmt.where(Delivery.batch_id == batch_id)
    return list(sess.scalars(stmt.order_by(Delivery.id.desc())))


def get_delivery(sess: Session, user: User, project_id: int, delivery_id: int) -> Delivery:
    """One delivery of the project with its manifest (any member)."""
    projects.require(sess, user, project_id, projects.READ)
    delivery = sess.get(Delivery, delivery_id)
    if delivery is None or delivery.project_id != project_id:
        raise NotFound(f"delivery {delivery_id} does not exist in project {project_id}")
    return delivery


def downloadable(sess: Session, user: User, project_id: int, delivery_id: int) -> Delivery:
    """A ready delivery whose archive the caller may download (managers and clients)."""
    projects.require(sess, user, project_id, DOWNLOAD_ROLES)
    delivery = get_delivery(sess, user, project_id, delivery_id)
    if delivery.state != "ready":
        raise NotFound(f"delivery {delivery_id} is {delivery.state}, so it has nothing to download")
    return delivery


def archive_name(delivery: Delivery) -> str:
    """The file name a downloaded delivery gets."""
    scope = f"batch-{delivery.batch_id}" if delivery.batch_id is not None else "project"
    return f"project-{delivery.project_id}-{scope}-v{delivery.version}-{delivery.format}.zip"
