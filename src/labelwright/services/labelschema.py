"""A project's label schema and guidelines: versioned, and safe to edit while in use."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from labelwright.domain.schema import LabelSchema, diff_schema
from labelwright.media.errors import RejectedFile
from labelwright.media.probe import probe_image
from labelwright.services import projects
from labelwright.services.context import Context
from labelwright.services.errors import Conflict, Invalid, NotFound, PreconditionFailed
from labelwright.store.tables import (
    AnnotationClass,
    GuidelineImage,
    Guidelines,
    SchemaRevision,
    User,
)


@dataclass(frozen=True)
class VersionedSchema:
    """The schema in force and its version (0: none saved yet)."""

    version: int
    schema: LabelSchema


@dataclass
class SchemaEdit:
    """What a schema change may do to existing objects.

    remap: removed class id -> class id to move its objects to, or None to delete them.
    """

    remap: dict[str, str | None] = field(default_factory=dict)


def parse_schema(data: object) -> LabelSchema:
    """A LabelSchema from JSON-like data, or Invalid naming each problem."""
    try:
        return LabelSchema.model_validate(data)
    except ValidationError as exc:
        problems = [
            f"{'.'.join(str(p) for p in e['loc']) or 'schema'}: {e['msg']}" for e in exc.errors()
        ]
        raise Invalid("label schema: " + "; ".join(problems[:10]), problems=problems) from None


def schema_version(sess: Session, project_id: int) -> int:
    """The version number of the schema in force (0: none saved yet)."""
    latest = sess.scalar(
        select(func.max(SchemaRevision.version)).where(SchemaRevision.project_id == project_id)
    )
    return latest or 0


def current_schema(sess: Session, project_id: int) -> VersionedSchema:
    """The newest schema of the project (an empty one at version 0)."""
    row = sess.scalar(
        select(SchemaRevision)
        .where(SchemaRevision.project_id == project_id)
        .order_by(SchemaRevision.version.desc())
        .limit(1)
    )
    if row is None:
        return VersionedSchema(0, LabelSchema())
    return VersionedSchema(row.version, LabelSchema.model_validate(row.body))


def class_usage(sess: Session, project_id: int, class_ids: list[str]) -> dict[str, int]:
    """How many objects of each class the current annotations hold."""
    if not class_ids:
        return {}
    rows = sess.execute(
        select(AnnotationClass.class_id, func.sum(AnnotationClass.count))
        .where(AnnotationClass.project_id == project_id, AnnotationClass.class_id.in_(class_ids))
        .group_by(AnnotationClass.class_id)
    ).all()
    return {cid: int(n) for cid, n in rows if n}


def plan_schema_change(
    sess: Session, project_id: int, new: LabelSchema, expected_version: int, edit: SchemaEdit
) -> tuple[VersionedSchema, dict[str, str | None]]:
    """Check a schema change; return the current schema and the class remap to apply.

    Adding and renaming are free (objects refer to classes by id). Removing a class
    that objects use is refused with the count unless `edit.remap` says where they go.
    """
    current = current_schema(sess, project_id)
    if expected_version != current.version:
        raise PreconditionFailed(
            f"the schema changed since version {expected_version}; it is now version "
            f"{current.version}",
            current={"version": current.version, "schema": current.schema.model_dump(mode="json")},
        )
    change = diff_schema(current.schema, new)
    removed = list(change.removed_class_ids)
    usage = class_usage(sess, project_id, removed)
    new_ids = {c.id for c in new.classes}
    for source, target in edit.remap.items():
        if source not in removed:
            raise Invalid(f"remap: class {source!r} is not being removed")
        if target is not None and target not in new_ids:
            raise Invalid(f"remap: target class {target!r} of {source!r} is not in the new schema")
    unplanned = {cid: n for cid, n in usage.items() if cid not in edit.remap}
    if unplanned:
        names = {c.id: c.name for c in current.schema.classes}
        listed = ", ".join(f"{names.get(cid, cid)!r} ({n} objects)" for cid, n in unplanned.items())
        raise Conflict(
            f"cannot remove classes that objects use: {listed}; say in 'remap' whether to "
            "move them to another class or delete them",
            in_use=unplanned,
        )
    return current, {cid: edit.remap[cid] for cid in usage}


def append_schema(
    sess: Session, project_id: int, schema: LabelSchema, version: int, user: User | None
) -> None:
    """Store a new schema version."""
    sess.add(
        SchemaRevision(
            project_id=project_id,
            version=version,
            body=schema.model_dump(mode="json"),
            created_by=user.id if user else None,
        )
    )
    sess.flush()


def current_guidelines(sess: Session, project_id: int) -> Guidelines | None:
    """The newest guidelines of the project, if any."""
    return sess.scalar(
        select(Guidelines)
        .where(Guidelines.project_id == project_id)
        .order_by(Guidelines.id.desc())
        .limit(1)
    )


MAX_GUIDELINES = 1_000_000


def save_guidelines(sess: Session, project_id: int, text: str, user: User) -> Guidelines:
    """Store a new version of the guidelines (earlier versions are kept)."""
    if len(text) > MAX_GUIDELINES:
        raise Invalid(f"guidelines: {len(text)} characters is over the limit of {MAX_GUIDELINES}")
    row = Guidelines(project_id=project_id, text=text, created_by=user.id)
    sess.add(row)
    sess.flush()
    return row


def add_guideline_image(
    ctx: Context, user: User, project_id: int, path: Path, name: str
) -> GuidelineImage:
    """Check and store an image for the guidelines; the same bytes are stored once."""
    with ctx.db.session(readonly=True) as sess:
        projects.require(sess, user, project_id, projects.MANAGE)
    try:
        probe = probe_image(path, name=name, max_pixels=ctx.settings.max_image_pixels)
    except RejectedFile as exc:
        raise Invalid(str(exc), reason=exc.reason) from None
    key = ctx.blobs.key_for(probe.sha256, probe.ext, "guide")
    ctx.blobs.put_file(path, key)
    with ctx.db.session() as sess:
        projects.require(sess, user, project_id, projects.MANAGE)
        row = sess.get(GuidelineImage, (project_id, probe.sha256))
        if row is None:
            row = GuidelineImage(
                project_id=project_id,
                sha256=probe.sha256,
                ext=probe.ext,
                mime=probe.mime,
                blob_key=key,
            )
            sess.add(row)
            sess.flush()
        return row


def guideline_image(sess: Session, project_id: int, sha256: str) -> GuidelineImage:
    """A guideline image of this project, or NotFound."""
    row = sess.get(GuidelineImage, (project_id, sha256))
    if row is None:
        raise NotFound(f"project {project_id} has no guideline image {sha256[:12]}…")
    return row
