"""Reading items and their images."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from labelwright.domain.roles import ItemState
from labelwright.services.errors import Invalid, NotFound
from labelwright.store.items import BadCursor, ItemFilter, list_items
from labelwright.store.tables import Batch, Image, Item


def item_with_image(sess: Session, project_id: int, item_id: int) -> tuple[Item, Image]:
    """An item of the project with its image, or NotFound."""
    row = sess.execute(
        select(Item, Image)
        .join(Image, Image.id == Item.image_id)
        .where(Item.id == item_id, Item.project_id == project_id)
    ).first()
    if row is None:
        raise NotFound(f"item {item_id} does not exist in project {project_id}")
    return row[0], row[1]


def page_of_items(
    sess: Session,
    project_id: int,
    *,
    state: str | None,
    batch_id: int | None,
    name: str | None,
    order: str,
    after: str | None,
    limit: int,
    annotation_filter: dict | None = None,
) -> tuple[list[tuple[Item, Image]], str | None]:
    """A filtered page of a project's items, with checked arguments.

    annotation_filter: class_id, annotator_id, min_objects, max_objects, only_user_id.
    """
    if state is not None and state not in ItemState.__members__:
        valid = ", ".join(s.value for s in ItemState)
        raise Invalid(f"state {state!r} is not one of: {valid}")
    if order not in {"id", "name"}:
        raise Invalid(f"order {order!r} must be 'id' or 'name'")
    try:
        return list_items(
            sess,
            project_id,
            ItemFilter(
                state=state, batch_id=batch_id, name_prefix=name, **(annotation_filter or {})
            ),
            order=order,
            after=after,
            limit=limit,
        )
    except BadCursor as exc:
        raise Invalid(str(exc)) from None


def batches(sess: Session, project_id: int) -> list[Batch]:
    """The project's batches, oldest first."""
    return list(
        sess.scalars(select(Batch).where(Batch.project_id == project_id).order_by(Batch.id))
    )
