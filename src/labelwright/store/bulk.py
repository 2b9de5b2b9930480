"""Set-based inserts for intake: many rows per statement, duplicates skipped by the database."""

from __future__ import annotations

from sqlalchemy import Insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from labelwright.store.tables import Image, Item


def _insert(sess: Session, table) -> Insert:
    dialect = sess.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def ensure_images(sess: Session, rows: list[dict]) -> dict[str, int]:
    """Insert images not yet stored (by sha256) and return every row's id by sha256."""
    if not rows:
        return {}
    unique = list({r["sha256"]: r for r in rows}.values())
    stmt = _insert(sess, Image).values(unique).on_conflict_do_nothing(index_elements=["sha256"])
    sess.execute(stmt)
    found = sess.execute(
        select(Image.sha256, Image.id).where(Image.sha256.in_(list({r["sha256"] for r in unique})))
    )
    return dict(found.all())


def items_by_image(sess: Session, project_id: int, image_ids: set[int]) -> dict[int, int]:
    """Existing items of the project for these images: image id -> item id."""
    if not image_ids:
        return {}
    rows = sess.execute(
        select(Item.image_id, Item.id).where(
            Item.project_id == project_id, Item.image_id.in_(image_ids)
        )
    )
    return dict(rows.all())


def insert_items(sess: Session, rows: list[dict]) -> dict[int, int]:
    """Insert items, skipping any (project, image) pair that exists; image id -> new item id."""
    if not rows:
        return {}
    stmt = (
        _insert(sess, Item)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["project_id", "image_id"])
        .returning(Item.image_id, Item.id)
    )
    return dict(sess.execute(stmt).all())
