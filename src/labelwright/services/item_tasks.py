"""The items a model job still has to do, read in pages and cut into tasks for workers.

Pre-labeling and embedding both walk a project's items that lack their result, in id
order (so a resumed job picks up where it stopped), and send each worker a few
`(item id, blob key)` pairs at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlalchemy import ColumnElement, Select, func, select

from labelwright.services.context import Context
from labelwright.store.tables import Image, Item

PAGE = 500
"""Items read per query."""


def pending_items(
    project_id: int,
    done: ColumnElement[bool],
    states: Iterable[str] = (),
    item_ids: Iterable[int] = (),
) -> Select:
    """`(item id, blob key)` of the project's items for which `done` does not hold."""
    query = select(Item.id, Image.blob_key).join(Image, Image.id == Item.image_id)
    query = query.where(Item.project_id == project_id, ~done)
    if states := list(states):
        query = query.where(Item.state.in_(states))
    if item_ids := list(item_ids):
        query = query.where(Item.id.in_(item_ids))
    return query


def count_pending(ctx: Context, query: Select) -> int:
    """How many items `query` (from pending_items) finds."""
    counting = query.with_only_columns(func.count(Item.id)).order_by(None)
    with ctx.db.session(readonly=True) as sess:
        return sess.scalar(counting) or 0


def item_tasks(ctx: Context, query: Select, per_task: int) -> Iterator[list[tuple[int, str]]]:
    """The items `query` finds, in id order, a page at a time, as tasks of `per_task`."""
    last = 0
    while True:
        with ctx.db.session(readonly=True) as sess:
            page = query.where(Item.id > last).order_by(Item.id).limit(PAGE)
            rows = sess.execute(page).all()
        if not rows:
            return
        last = rows[-1][0]
        for start in range(0, len(rows), per_task):
            yield [(item_id, key) for item_id, key in rows[start : start + per_task]]
