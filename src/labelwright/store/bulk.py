"""Set-based inserts: many rows per statement, duplicates skipped by the database."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Insert, Table, select
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


def insert_rows(sess: Session, table: Table, columns: Sequence[str], rows: list[tuple]) -> None:
    """Insert rows (tuples in `columns` order) with one prepared statement run many times.

    This goes to the driver directly: SQLAlchemy builds and converts each row's bind
    parameters one by one, which past a few hundred thousand rows costs more than the
    insert itself. So every value must already be what the driver takes: plain numbers
    and text, JSON as its text, and anything else through `driver_value`.
    """
    if not rows:
        return
    connection = sess.connection()
    row = _row_marks(connection.dialect.paramstyle, len(columns))
    sql = f"INSERT INTO {table.name} ({_names(table, columns)}) VALUES {row}"
    connection.exec_driver_sql(sql, rows)


def insert_new_returning(
    sess: Session,
    table: Table,
    columns: Sequence[str],
    rows: list[tuple],
    unique: Sequence[str],
    returning: Sequence[str],
) -> list[tuple]:
    """Insert the rows (as `insert_rows` takes them) that break no `unique` key, and return
    `returning` of each inserted one; rows that would break it are skipped.

    The rows go in multi-row statements (`INSERT ... VALUES (...), (...) ON CONFLICT DO
    NOTHING RETURNING ...`), which SQLite and PostgreSQL both read.
    """
    if not rows:
        return []
    connection = sess.connection()
    row = _row_marks(connection.dialect.paramstyle, len(columns))
    per_statement = max(1, _MAX_PARAMETERS // len(columns))
    head = f"INSERT INTO {table.name} ({_names(table, columns)}) VALUES "
    tail = f" ON CONFLICT ({_names(table, unique)}) DO NOTHING RETURNING {_names(table, returning)}"
    found: list[tuple] = []
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        values = tuple(value for one in chunk for value in one)
        result = connection.exec_driver_sql(head + ", ".join([row] * len(chunk)) + tail, values)
        found += [tuple(r) for r in result]
    return found


_MAX_PARAMETERS = 30_000  # bind parameters in one statement: under SQLite's 32,766 cap


def _names(table: Table, columns: Sequence[str]) -> str:
    """The columns' names, checked against the table (KeyError on a wrong one)."""
    return ", ".join(table.c[name].name for name in columns)


def _row_marks(paramstyle: str, count: int) -> str:
    """One row's placeholders in the driver's style: `(?, ?)` or `(%s, %s)`."""
    mark = "?" if paramstyle == "qmark" else "%s"
    return "(" + ", ".join([mark] * count) + ")"


def driver_value(sess: Session, table: Table, column: str, value: Any) -> Any:
    """`value` as the column's type hands it to this session's driver (a date and time as
    SQLite's text, say), for `insert_rows`; convert a value shared by many rows once."""
    dialect = sess.get_bind().dialect
    process = table.c[column].type.dialect_impl(dialect).bind_processor(dialect)
    return process(value) if process is not None else value
