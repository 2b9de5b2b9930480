"""Bulk inserts that go to the driver directly, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from labelwright.services import projects, users
from labelwright.services.context import Context
from labelwright.store.bulk import driver_value, insert_new_returning, insert_rows
from labelwright.store.tables import Annotation, AnnotationRevision, Image, Item


def _project_with_items(ctx: Context, count: int) -> tuple[int, int, list[int]]:
    """(user id, project id, item ids) of a fresh project with `count` items."""
    with ctx.db.session() as sess:
        user = users.create_user(sess, "bulk", "bulk password", is_admin=True)
        project_id = projects.create_project(sess, "bulk", creator=user).id
        item_ids = []
        for number in range(count):
            image = Image(
                sha256=f"{number:064x}", phash="0" * 16, format="png", mime="image/png",
                width=10, height=10, frame_count=1, orientation=1, size_bytes=1,
                blob_key=f"o/{number}", thumb_key=f"t/{number}",
            )  # fmt: skip
            sess.add(image)
            sess.flush()
            item = Item(project_id=project_id, image_id=image.id, file_name=f"{number}.png")
            sess.add(item)
            sess.flush()
            item_ids.append(item.id)
        return user.id, project_id, item_ids


COLUMNS = ("project_id", "item_id", "user_id", "revision", "object_count", "submitted")
COLUMNS += ("updated_at",)


def test_new_rows_come_back_and_clashing_ones_are_skipped(any_ctx: Context, monkeypatch):
    user_id, project_id, item_ids = _project_with_items(any_ctx, 5)
    when = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    table = Annotation.__table__
    monkeypatch.setattr("labelwright.store.bulk._MAX_PARAMETERS", 2 * len(COLUMNS))  # 2 a time
    with any_ctx.db.session() as sess:
        now = driver_value(sess, table, "updated_at", when)
        off = driver_value(sess, table, "submitted", False)
        first = [(project_id, i, user_id, 1, 3, off, now) for i in item_ids[:3]]
        made = insert_new_returning(
            sess, table, COLUMNS, first, ("item_id", "user_id"), ("item_id", "id")
        )
        assert [item for item, _ in made] == item_ids[:3]
        again = [(project_id, i, user_id, 1, 7, off, now) for i in item_ids]  # 3 clash
        more = insert_new_returning(
            sess, table, COLUMNS, again, ("item_id", "user_id"), ("item_id", "id")
        )
        assert [item for item, _ in more] == item_ids[3:]
    with any_ctx.db.session(readonly=True) as sess:
        rows = sess.execute(select(Annotation.item_id, Annotation.object_count)).all()
        assert sorted(rows) == sorted(
            [(i, 3) for i in item_ids[:3]] + [(i, 7) for i in item_ids[3:]]
        )
        stored = sess.scalars(select(Annotation)).all()
        assert {a.updated_at.replace(tzinfo=UTC) for a in stored} == {when}
        assert {a.submitted for a in stored} == {False}
        assert dict(made + more) == {a.item_id: a.id for a in stored}


def test_inserted_rows_read_back_through_the_orm(any_ctx: Context):
    user_id, project_id, item_ids = _project_with_items(any_ctx, 1)
    with any_ctx.db.session() as sess:
        annotation = Annotation(project_id=project_id, item_id=item_ids[0], user_id=user_id)
        sess.add(annotation)
        sess.flush()
        table = AnnotationRevision.__table__
        created = driver_value(sess, table, "created_at", datetime.now(UTC))
        body = '{"objects":[{"id":"a","label":"x \\u00e9 \\"q\\""}],"tags":{}}'
        columns = ("annotation_id", "number", "body", "object_count", "origin", "created_by")
        rows = [(annotation.id, n, body, 1, "import", user_id, created) for n in (1, 2)]
        insert_rows(sess, table, (*columns, "created_at"), rows)
    with any_ctx.db.session(readonly=True) as sess:
        revisions = sess.scalars(select(AnnotationRevision)).all()
        assert [r.number for r in revisions] == [1, 2]
        assert revisions[0].body == {"objects": [{"id": "a", "label": 'x é "q"'}], "tags": {}}
        assert revisions[1].created_at is not None
