"""Gold items: items with a known answer, mixed unmarked into queues to score people."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from labelwright.services import annotations, projects
from labelwright.services.context import Context
from labelwright.services.errors import Invalid, NotFound
from labelwright.services.items import item_with_image
from labelwright.store.tables import Annotation, GoldAnswer, Item, User, utcnow


def set_gold(
    ctx: Context,
    user: User,
    project_id: int,
    item_id: int,
    *,
    body: Any = None,
    from_annotation: int | None = None,
) -> GoldAnswer:
    """Make an item gold with a known answer: a body, or a copy of one of its annotations."""
    if (body is None) == (from_annotation is None):
        raise Invalid("give the gold answer as 'body' or as 'from_annotation', not both")
    with ctx.db.session(readonly=True) as sess:
        projects.require(sess, user, project_id, projects.MANAGE)
        _, image = item_with_image(sess, project_id, item_id)
        if from_annotation is not None:
            body = _annotation_body(sess, project_id, item_id, from_annotation)
        doc = annotations.validate_for_image(sess, project_id, image, body)
    with ctx.db.session() as sess:
        gold = sess.get(GoldAnswer, item_id)
        if gold is None:
            gold = GoldAnswer(item_id=item_id, project_id=project_id)
            sess.add(gold)
        gold.body = doc.model_dump(mode="json")
        gold.created_by, gold.created_at = user.id, utcnow()
        sess.flush()
        return gold


def _annotation_body(sess: Session, project_id: int, item_id: int, annotation_id: int) -> dict:
    annotation = sess.get(Annotation, annotation_id)
    if annotation is None or annotation.item_id != item_id or annotation.project_id != project_id:
        raise NotFound(f"annotation {annotation_id} does not exist on item {item_id}")
    return annotations.head_of(sess, annotation).body


def remove_gold(ctx: Context, user: User, project_id: int, item_id: int) -> None:
    """Make a gold item an ordinary item again (the answers people gave stay)."""
    with ctx.db.session() as sess:
        projects.require(sess, user, project_id, projects.MANAGE)
        gold = sess.get(GoldAnswer, item_id)
        if gold is None or gold.project_id != project_id:
            raise NotFound(f"item {item_id} is not a gold item of project {project_id}")
        sess.delete(gold)


def list_gold(sess: Session, user: User, project_id: int) -> list[tuple[GoldAnswer, str]]:
    """The project's gold items with their file names (managers: annotators must not learn
    which items are gold)."""
    projects.require(sess, user, project_id, projects.MANAGE)
    rows = sess.execute(
        select(GoldAnswer, Item.file_name)
        .join(Item, Item.id == GoldAnswer.item_id)
        .where(GoldAnswer.project_id == project_id)
        .order_by(GoldAnswer.item_id)
    )
    return [(gold, name) for gold, name in rows]
