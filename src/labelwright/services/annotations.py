"""Saving annotations: validated, append-only revisions with optimistic concurrency."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Text, cast, delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from labelwright.domain.roles import ItemState, ProjectRole
from labelwright.domain.schema import LabelSchema
from labelwright.domain.shapes import Annotation as AnnotationDoc
from labelwright.domain.validation import AnnotationInvalid, validate_annotation
from labelwright.services import projects
from labelwright.services.context import Context
from labelwright.services.errors import Invalid, NotFound, PreconditionFailed
from labelwright.services.items import item_with_image
from labelwright.services.labelschema import current_schema, schema_version
from labelwright.store.tables import (
    Annotation,
    AnnotationClass,
    AnnotationRevision,
    Image,
    Item,
    User,
    utcnow,
)

ANNOTATORS = frozenset({ProjectRole.manager, ProjectRole.annotator, ProjectRole.reviewer})
# Reviewers and managers may see and fix anyone's work; annotators only their own.
OVERSEERS = frozenset({ProjectRole.manager, ProjectRole.reviewer})


@dataclass(frozen=True)
class Head:
    """An annotation's current state as the API returns it."""

    annotation_id: int | None  # None until the first save
    item_id: int
    user_id: int
    revision: int
    submitted: bool
    body: dict[str, Any]

    @classmethod
    def of(cls, annotation: Annotation, body: dict[str, Any]) -> Head:
        """The head of a stored annotation with the given body."""
        return cls(
            annotation.id,
            annotation.item_id,
            annotation.user_id,
            annotation.revision,
            annotation.submitted,
            body,
        )


def etag(revision: int) -> str:
    """The ETag of a revision number."""
    return f'"rev-{revision}"'


def parse_if_match(value: str | None) -> int | None:
    """The revision number an If-Match header names (None when absent)."""
    if value is None:
        return None
    text = value.strip().removeprefix("W/").strip('"').removeprefix("rev-")
    if not text.isdigit():
        raise Invalid(f'If-Match {value!r}: expected the ETag of a revision, like "rev-3"')
    return int(text)


def can_oversee(access: projects.Access) -> bool:
    """Whether the caller may read and fix other people's annotations in the project."""
    return access.role is None or access.role in OVERSEERS


def _lock(sess: Session, annotation: Annotation) -> Annotation:
    # A row lock on PostgreSQL, then a fresh read; writing SQLite sessions already hold
    # the database's write lock, so the row they read is current.
    if sess.get_bind().dialect.name != "postgresql":
        return annotation
    stmt = select(Annotation).where(Annotation.id == annotation.id).with_for_update()
    return sess.scalars(stmt.execution_options(populate_existing=True)).one()


def head_of(sess: Session, annotation: Annotation) -> Head:
    """The current body of an annotation (empty before its first save)."""
    body: dict[str, Any] = AnnotationDoc().model_dump(mode="json")
    if annotation.revision:
        body = sess.scalar(
            select(AnnotationRevision.body).where(
                AnnotationRevision.annotation_id == annotation.id,
                AnnotationRevision.number == annotation.revision,
            )
        )
    return Head.of(annotation, body)


@dataclass(frozen=True)
class RawJson:
    """A body as the JSON text it is stored as: served without parsing and re-encoding."""

    text: str


def raw_head_of(sess: Session, annotation: Annotation) -> Head:
    """Like head_of, with the body left as its stored JSON text (large bodies load fast)."""
    if not annotation.revision:
        return head_of(sess, annotation)
    text = sess.scalar(
        select(cast(AnnotationRevision.body, Text)).where(
            AnnotationRevision.annotation_id == annotation.id,
            AnnotationRevision.number == annotation.revision,
        )
    )
    return Head.of(annotation, RawJson(text))  # type: ignore[arg-type]


def find_own(sess: Session, item_id: int, user: User) -> Annotation | None:
    """The caller's annotation of an item, if they have one."""
    return sess.scalar(
        select(Annotation).where(Annotation.item_id == item_id, Annotation.user_id == user.id)
    )


def own_head(sess: Session, item_id: int, user: User, *, raw: bool = False) -> Head:
    """The caller's current annotation of an item (revision 0, empty, before any save)."""
    found = find_own(sess, item_id, user)
    if found is not None:
        return raw_head_of(sess, found) if raw else head_of(sess, found)
    empty = AnnotationDoc().model_dump(mode="json")
    return Head(None, item_id, user.id, 0, False, empty)


def own_annotation(sess: Session, project_id: int, item_id: int, user: User) -> Annotation:
    """The caller's annotation of an item, created empty on first use."""
    found = find_own(sess, item_id, user)
    if found is not None:
        return found
    annotation = Annotation(
        project_id=project_id, item_id=item_id, user_id=user.id, revision=0, object_count=0
    )
    try:
        with sess.begin_nested():  # a concurrent first save may insert the same row
            sess.add(annotation)
    except IntegrityError:
        found = find_own(sess, item_id, user)
        if found is None:
            raise
        return found
    return annotation


def visible_annotation(
    sess: Session, access: projects.Access, user: User, annotation_id: int
) -> Annotation:
    """An annotation of the project the caller may see (their own, or any for overseers)."""
    annotation = sess.get(Annotation, annotation_id)
    if annotation is None or annotation.project_id != access.project.id:
        raise NotFound(f"annotation {annotation_id} does not exist in project {access.project.id}")
    if annotation.user_id != user.id and not can_oversee(access):
        # Overlap items are independent: an annotator never sees another's work.
        raise NotFound(f"annotation {annotation_id} does not exist in project {access.project.id}")
    return annotation


def item_annotations(
    sess: Session, access: projects.Access, user: User, item_id: int
) -> list[Head]:
    """The annotations of an item the caller may see."""
    item_with_image(sess, access.project.id, item_id)
    stmt = select(Annotation).where(Annotation.item_id == item_id).order_by(Annotation.id)
    if not can_oversee(access):
        stmt = stmt.where(Annotation.user_id == user.id)
    return [head_of(sess, a) for a in sess.scalars(stmt)]


def validate_for_image(sess: Session, project_id: int, image: Image, body: Any) -> AnnotationDoc:
    """Check a body against the project's schema and the image's size and frames."""
    return _validate(current_schema(sess, project_id).schema, image, body)


def _validate(schema: LabelSchema, image: Image, body: Any) -> AnnotationDoc:
    try:
        return validate_annotation(
            body, schema, width=image.width, height=image.height, frame_count=image.frame_count
        )
    except AnnotationInvalid as exc:
        problems = [p.model_dump() for p in exc.problems]
        raise Invalid(str(exc), problems=problems) from None


def append_revision(
    sess: Session, annotation: Annotation, doc: AnnotationDoc, user: User | None, origin: str
) -> int:
    """Write the next revision, move the pointer and refresh the class index."""
    number = annotation.revision + 1
    body = doc.model_dump(mode="json")
    sess.add(
        AnnotationRevision(
            annotation_id=annotation.id,
            number=number,
            body=body,
            object_count=len(doc.objects),
            origin=origin,
            created_by=user.id if user else None,
        )
    )
    annotation.revision = number
    annotation.object_count = len(doc.objects)
    annotation.updated_at = utcnow()
    sess.execute(delete(AnnotationClass).where(AnnotationClass.annotation_id == annotation.id))
    counts = Counter(o.class_id for o in doc.objects)
    if counts:
        sess.execute(
            insert(AnnotationClass),
            [
                {
                    "annotation_id": annotation.id,
                    "class_id": cid,
                    "project_id": annotation.project_id,
                    "item_id": annotation.item_id,
                    "count": n,
                }
                for cid, n in counts.items()
            ],
        )
    sess.flush()
    return number


def _check_current(sess: Session, annotation: Annotation, expected: int) -> None:
    if expected != annotation.revision:
        head = head_of(sess, annotation)
        raise PreconditionFailed(
            f"annotation {annotation.id} is at revision {annotation.revision}, not {expected}: "
            "someone saved in between; merge with the current revision and save again",
            current={"annotation_id": annotation.id, "revision": head.revision, "body": head.body},
        )


def _start_work(item: Item) -> None:
    # Labeling an item by hand (outside the queue) also puts it in progress.
    if item.state in (ItemState.new, ItemState.prelabeled):
        item.state = ItemState.annotating.value
        item.updated_at = utcnow()


def save(
    ctx: Context,
    user: User,
    project_id: int,
    *,
    item_id: int | None = None,
    annotation_id: int | None = None,
    body: Any,
    expected: int,
    origin: str = "save",
) -> Head:
    """Save a new revision of the caller's annotation of an item, or of an annotation by id.

    `expected` is the revision the client edited; a stale one raises PreconditionFailed
    with the current revision, so no save ever silently overwrites another.
    """
    # Validation is the costly part and needs no lock: do it first, beside other writers.
    with ctx.db.session(readonly=True) as sess:
        access = projects.require(sess, user, project_id, ANNOTATORS)
        if annotation_id is not None:
            item_id = visible_annotation(sess, access, user, annotation_id).item_id
        _, image = item_with_image(sess, project_id, item_id or 0)
        schema = current_schema(sess, project_id)
        doc = _validate(schema.schema, image, body)
    with ctx.db.session() as sess:
        access = projects.require(sess, user, project_id, ANNOTATORS)
        if annotation_id is not None:
            annotation = visible_annotation(sess, access, user, annotation_id)
        else:
            annotation = own_annotation(sess, project_id, item_id or 0, user)
        annotation = _lock(sess, annotation)
        _check_current(sess, annotation, expected)
        if schema_version(sess, project_id) != schema.version:  # the schema just changed
            _, image = item_with_image(sess, project_id, annotation.item_id)
            doc = validate_for_image(sess, project_id, image, body)
        append_revision(sess, annotation, doc, user, origin)
        if annotation.user_id == user.id:
            _start_work(sess.get(Item, annotation.item_id))
        return Head.of(annotation, doc.model_dump(mode="json"))


def history(sess: Session, annotation: Annotation) -> list[AnnotationRevision]:
    """Every revision of an annotation, newest first (bodies not loaded)."""
    return list(
        sess.scalars(
            select(AnnotationRevision)
            .where(AnnotationRevision.annotation_id == annotation.id)
            .order_by(AnnotationRevision.number.desc())
        )
    )


def revision_body(sess: Session, annotation: Annotation, number: int) -> dict[str, Any]:
    """The body of one revision."""
    body = sess.scalar(
        select(AnnotationRevision.body).where(
            AnnotationRevision.annotation_id == annotation.id, AnnotationRevision.number == number
        )
    )
    if body is None:
        raise NotFound(f"annotation {annotation.id} has no revision {number}")
    return body


def restore(
    ctx: Context, user: User, project_id: int, annotation_id: int, number: int, expected: int
) -> Head:
    """Make an earlier revision current again, as a new revision (history is kept)."""
    with ctx.db.session() as sess:
        access = projects.require(sess, user, project_id, ANNOTATORS)
        annotation = visible_annotation(sess, access, user, annotation_id)
        body = revision_body(sess, annotation, number)
    return save(
        ctx,
        user,
        project_id,
        annotation_id=annotation_id,
        body=body,
        expected=expected,
        origin="restore",
    )
