"""Item listing with filters and keyset pagination (cost independent of page depth)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

from sqlalchemy import Select, select, tuple_
from sqlalchemy.orm import Session

from labelwright.store.tables import Annotation, AnnotationClass, Image, Item

MAX_PAGE = 500


class BadCursor(ValueError):
    """A pagination cursor that this listing did not hand out."""


@dataclass(frozen=True)
class ItemFilter:
    """What to list: every field is optional and they combine with AND."""

    state: str | None = None
    batch_id: int | None = None
    name_prefix: str | None = None
    class_id: str | None = None
    annotator_id: int | None = None
    min_objects: int | None = None
    max_objects: int | None = None
    # Annotation-based filters look only at this person's annotations (for annotators,
    # who must not learn about other people's work on overlap items).
    only_user_id: int | None = None


def _annotation_filters(flt: ItemFilter) -> list:
    """EXISTS conditions on the annotation index for the annotation-based filters."""
    conds = []
    own = [Annotation.user_id == flt.only_user_id] if flt.only_user_id is not None else []
    if flt.class_id is not None:
        cls = select(AnnotationClass.item_id).join(
            Annotation, Annotation.id == AnnotationClass.annotation_id
        )
        conds.append(
            cls.where(
                AnnotationClass.item_id == Item.id, AnnotationClass.class_id == flt.class_id, *own
            ).exists()
        )
    counted = []
    if flt.annotator_id is not None:
        counted.append(Annotation.user_id == flt.annotator_id)
    if flt.min_objects is not None:
        counted.append(Annotation.object_count >= flt.min_objects)
    if flt.max_objects is not None:
        counted.append(Annotation.object_count <= flt.max_objects)
    if counted:
        saved = Annotation.revision > 0
        conds.append(
            select(Annotation.id)
            .where(Annotation.item_id == Item.id, saved, *counted, *own)
            .exists()
        )
    return conds


def encode_cursor(order: str, item: Item) -> str:
    """An opaque cursor pointing just past this item."""
    key = [item.file_name, item.id] if order == "name" else [item.id]
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode()


def _decode_cursor(order: str, cursor: str) -> list:
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError) as exc:
        raise BadCursor(f"cursor {cursor[:40]!r} is not one this listing handed out") from exc
    ok = isinstance(key, list) and (
        (order == "id" and len(key) == 1 and isinstance(key[0], int))
        or (
            order == "name"
            and len(key) == 2
            and isinstance(key[0], str)
            and isinstance(key[1], int)
        )
    )
    if not ok:
        raise BadCursor(f"cursor {cursor[:40]!r} does not fit order={order}")
    return key


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _next_prefix(prefix: str) -> str:
    """The smallest string greater than every string that starts with prefix."""
    return prefix[:-1] + chr(min(ord(prefix[-1]) + 1, 0x10FFFF))


def list_items(
    sess: Session,
    project_id: int,
    flt: ItemFilter,
    *,
    order: str = "id",
    after: str | None = None,
    limit: int = 100,
) -> tuple[list[tuple[Item, Image]], str | None]:
    """One page of items with their images, and the cursor of the next page (None at the end)."""
    limit = max(1, min(limit, MAX_PAGE))
    stmt: Select = select(Item, Image).join(Image, Image.id == Item.image_id)
    stmt = stmt.where(Item.project_id == project_id)
    if flt.state:
        stmt = stmt.where(Item.state == flt.state)
    if flt.batch_id is not None:
        stmt = stmt.where(Item.batch_id == flt.batch_id)
    if flt.name_prefix:
        # The range lets the (project, file_name, id) index answer; LIKE keeps it exact.
        stmt = stmt.where(
            Item.file_name >= flt.name_prefix,
            Item.file_name < _next_prefix(flt.name_prefix),
            Item.file_name.like(_escape_like(flt.name_prefix) + "%", escape="\\"),
        )
    for cond in _annotation_filters(flt):
        stmt = stmt.where(cond)
    if order == "name":
        if after:
            name, last_id = _decode_cursor(order, after)
            # A row-value comparison is one index range on both databases (an OR of
            # two conditions makes PostgreSQL scan and sort every match).
            stmt = stmt.where(tuple_(Item.file_name, Item.id) > tuple_(name, last_id))
        stmt = stmt.order_by(Item.file_name, Item.id)
    else:
        if after:
            (last_id,) = _decode_cursor(order, after)
            stmt = stmt.where(Item.id > last_id)
        stmt = stmt.order_by(Item.id)
    rows = [(r[0], r[1]) for r in sess.execute(stmt.limit(limit + 1)).all()]
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor(order, rows[-1][0]) if more and rows else None
