"""The store on SQLite and PostgreSQL: migrations, durability settings, keyset listing."""

from __future__ import annotations

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import func, select, text

from labelwright.store import bulk
from labelwright.store.db import MIGRATIONS, migrate
from labelwright.store.items import BadCursor, ItemFilter, list_items
from labelwright.store.tables import Image, Item, Project, Token, utcnow


def _image_row(n: int) -> dict:
    return {
        "sha256": f"{n:064x}",
        "phash": "0" * 16,
        "format": "jpeg",
        "mime": "image/jpeg",
        "width": 10,
        "height": 10,
        "frame_count": 1,
        "orientation": 1,
        "size_bytes": 100,
        "blob_key": f"o/{n}",
        "thumb_key": f"t/{n}",
        "created_at": utcnow(),
    }


def _seed(ctx, n_items: int) -> int:
    with ctx.db.session() as sess:
        project = Project(name="p", settings={})
        sess.add(project)
        sess.flush()
        ids = bulk.ensure_images(sess, [_image_row(i) for i in range(n_items)])
        rows = [
            {
                "project_id": project.id,
                "image_id": ids[f"{i:064x}"],
                "batch_id": None,
                "file_name": f"img_{i % 7}_{i:04d}.jpg",
                "state": ["new", "submitted"][i % 2],
                "priority": 0.0,
                "created_at": utcnow(),
                "updated_at": utcnow(),
            }
            for i in range(n_items)
        ]
        bulk.insert_items(sess, rows)
        return project.id


def test_migrations_run_twice_without_change(any_ctx):
    migrate(any_ctx.db.engine)
    with any_ctx.db.engine.connect() as conn:
        version = conn.execute(text("select version_num from alembic_version")).scalar_one()
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert version == head


def test_sqlite_is_crash_safe(ctx):
    with ctx.db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_bulk_inserts_skip_duplicates(any_ctx):
    project_id = _seed(any_ctx, 10)
    with any_ctx.db.session() as sess:
        ids = bulk.ensure_images(sess, [_image_row(3), _image_row(3), _image_row(99)])
        assert len(ids) == 2
        again = bulk.insert_items(
            sess,
            [
                {
                    "project_id": project_id,
                    "image_id": ids[f"{3:064x}"],
                    "file_name": "again.jpg",
                    "state": "new",
                }
            ],
        )
        assert again == {}  # (project, image) already has an item
        assert sess.scalar(select(func.count()).select_from(Image)) == 11
        assert sess.scalar(select(func.count()).select_from(Item)) == 10


def test_keyset_pages_cover_everything_once(any_ctx):
    project_id = _seed(any_ctx, 250)
    seen, after = [], None
    with any_ctx.db.session() as sess:
        while True:
            rows, after = list_items(
                sess, project_id, ItemFilter(state="submitted"), after=after, limit=40
            )
            seen += [item.id for item, _ in rows]
            if after is None:
                break
    assert len(seen) == 125 and len(set(seen)) == 125 and seen == sorted(seen)


def test_keyset_by_name_with_prefix(any_ctx):
    project_id = _seed(any_ctx, 100)
    names, after = [], None
    with any_ctx.db.session() as sess:
        while True:
            rows, after = list_items(
                sess,
                project_id,
                ItemFilter(name_prefix="img_3_"),
                order="name",
                after=after,
                limit=5,
            )
            names += [item.file_name for item, _ in rows]
            if after is None:
                break
    expected = sorted(f"img_3_{i:04d}.jpg" for i in range(100) if i % 7 == 3)
    assert names == expected


def test_like_wildcards_in_a_prefix_are_literal(any_ctx):
    project_id = _seed(any_ctx, 20)
    with any_ctx.db.session() as sess:
        rows, _ = list_items(sess, project_id, ItemFilter(name_prefix="img%"))
    assert rows == []


def test_foreign_cursor_is_refused(any_ctx):
    project_id = _seed(any_ctx, 3)
    with any_ctx.db.session() as sess, pytest.raises(BadCursor):
        list_items(sess, project_id, ItemFilter(), after="not-a-cursor")


def test_tokens_are_stored_only_as_hashes(any_ctx):
    from labelwright.services import users

    with any_ctx.db.session() as sess:
        user = users.create_user(sess, "ann", "correct horse battery")
        secret = users.issue_token(sess, user, kind="api", name="script")
        stored = sess.scalars(select(Token.token_hash)).all()
        assert secret not in stored and all(len(h) == 64 for h in stored)
        assert users.resolve_token(sess, secret, kind="api").id == user.id


def test_migrations_build_exactly_the_declared_tables(any_ctx):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from labelwright.store.tables import Base

    with any_ctx.db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    # Server defaults and comment-only differences are not reported by default; anything
    # else means a table was changed without a migration (or the other way round).
    assert diff == []
