"""Changing a label schema in use: new version, plus new revisions for affected annotations."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from labelwright.domain.schema import diff_schema
from labelwright.domain.shapes import Annotation as AnnotationDoc
from labelwright.domain.shapes import drop_object
from labelwright.services import projects
from labelwright.services.annotations import append_revision, head_of
from labelwright.services.context import Context
from labelwright.services.labelschema import (
    SchemaEdit,
    VersionedSchema,
    append_schema,
    parse_schema,
    plan_schema_change,
)
from labelwright.store.tables import Annotation, AnnotationClass, User


def update_schema(
    ctx: Context,
    user: User,
    project_id: int,
    data: Any,
    *,
    expected_version: int,
    remap: dict[str, str | None] | None = None,
) -> tuple[VersionedSchema, int]:
    """Store a new schema version; return it and how many annotations were rewritten.

    Objects of removed classes move to their remap target or are deleted, and values of
    removed attributes are dropped, each as a new revision, so every earlier state
    stays in the history.
    """
    new = parse_schema(data)
    with ctx.db.session() as sess:
        projects.require(sess, user, project_id, projects.MANAGE)
        current, class_map = plan_schema_change(
            sess, project_id, new, expected_version, SchemaEdit(remap=remap or {})
        )
        change = diff_schema(current.schema, new)
        dropped_attrs: dict[str, set[str]] = {}
        for ref in change.removed_attributes:
            dropped_attrs.setdefault(ref.class_id, set()).add(ref.attribute_id)
        touched_classes = set(class_map) | set(dropped_attrs)
        rewritten = 0
        if touched_classes:
            ids = sess.scalars(
                select(AnnotationClass.annotation_id)
                .distinct()
                .where(
                    AnnotationClass.project_id == project_id,
                    AnnotationClass.class_id.in_(touched_classes),
                )
            )
            for annotation in sess.scalars(select(Annotation).where(Annotation.id.in_(list(ids)))):
                doc = AnnotationDoc.model_validate(head_of(sess, annotation).body)
                append_revision(
                    sess, annotation, _migrate(doc, class_map, dropped_attrs), user, "schema"
                )
                rewritten += 1
        version = current.version + 1
        append_schema(sess, project_id, new, version, user)
    return VersionedSchema(version, new), rewritten


def _migrate(
    doc: AnnotationDoc, class_map: dict[str, str | None], dropped_attrs: dict[str, set[str]]
) -> AnnotationDoc:
    for obj in list(doc.objects):
        if obj.class_id in class_map and class_map[obj.class_id] is None:
            doc = drop_object(doc, obj.id)
    objects = []
    for obj in doc.objects:
        gone = dropped_attrs.get(obj.class_id, set())
        target = class_map.get(obj.class_id, obj.class_id) or obj.class_id
        attributes = {k: v for k, v in obj.attributes.items() if k not in gone}
        if target != obj.class_id:
            attributes = {}  # the old class's attributes do not belong to the new one
        objects.append(obj.model_copy(update={"class_id": target, "attributes": attributes}))
    return doc.model_copy(update={"objects": objects})
