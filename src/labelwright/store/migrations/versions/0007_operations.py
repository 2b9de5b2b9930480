"""operations: batch due dates, activity events, inbox, deliveries, webhooks

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = sa.DateTime(timezone=True)


def _fk(table: str, ondelete: str, *, nullable: bool = False) -> sa.Column:
    """A foreign key column named `<table without s>_id`."""
    name = {"users": "user_id", "projects": "project_id", "items": "item_id"}[table]
    return sa.Column(name, ID, sa.ForeignKey(f"{table}.id", ondelete=ondelete), nullable=nullable)


def _user_ref(name: str) -> sa.Column:
    return sa.Column(name, ID, sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True)


def upgrade() -> None:
    with op.batch_alter_table("batches") as batch:
        batch.add_column(sa.Column("due_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("completed_at", WHEN, nullable=True))
    op.create_table(
        "activity_events",
        sa.Column("id", ID, primary_key=True),
        _fk("projects", "CASCADE"),
        sa.Column("kind", sa.String(32), nullable=False),
        _fk("items", "SET NULL", nullable=True),
        _user_ref("actor_id"),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
    )
    op.create_index("ix_activity_events_project", "activity_events", ["project_id", "id"])
    op.create_table(
        "inbox_entries",
        sa.Column("id", ID, primary_key=True),
        _fk("users", "CASCADE"),
        _fk("projects", "CASCADE"),
        sa.Column("kind", sa.String(16), nullable=False),
        _fk("items", "CASCADE", nullable=True),
        sa.Column(
            "comment_id",
            ID,
            sa.ForeignKey("review_comments.id", ondelete="CASCADE"),
            nullable=True,
        ),
        sa.Column("review_id", ID, sa.ForeignKey("reviews.id", ondelete="CASCADE"), nullable=True),
        _user_ref("actor_id"),
        sa.Column("excerpt", sa.Text(), nullable=False),
        sa.Column("read_at", WHEN, nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
    )
    op.create_index("ix_inbox_entries_user", "inbox_entries", ["user_id", "id"])
    _create_deliveries()
    _create_webhooks()


def _create_deliveries() -> None:
    op.create_table(
        "deliveries",
        sa.Column("id", ID, primary_key=True),
        _fk("projects", "CASCADE"),
        sa.Column("batch_id", ID, sa.ForeignKey("batches.id", ondelete="CASCADE"), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("job_id", ID, sa.ForeignKey("jobs.id", ondelete="SET NULL"), nullable=True),
        sa.Column("format", sa.String(100), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("blob_key", sa.String(300), nullable=False),
        sa.Column("manifest", sa.JSON(), nullable=False),
        _user_ref("created_by"),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("ready_at", WHEN, nullable=True),
        sa.UniqueConstraint("project_id", "batch_id", "version", name="uq_delivery_version"),
    )
    op.create_index("ix_deliveries_project", "deliveries", ["project_id", "id"])


def _create_webhooks() -> None:
    op.create_table(
        "webhooks",
        sa.Column("id", ID, primary_key=True),
        _fk("projects", "CASCADE"),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("secret", sa.String(128), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        _user_ref("created_by"),
        sa.Column("created_at", WHEN, nullable=False),
    )
    op.create_index("ix_webhooks_project_id", "webhooks", ["project_id"])
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", ID, primary_key=True),
        sa.Column(
            "webhook_id", ID, sa.ForeignKey("webhooks.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "event_id", ID, sa.ForeignKey("activity_events.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", WHEN, nullable=False),
        sa.Column("claimed_until", WHEN, nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("log", sa.JSON(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("delivered_at", WHEN, nullable=True),
    )
    op.create_index(
        "ix_webhook_deliveries_hook", "webhook_deliveries", ["webhook_id", "state", "id"]
    )
    op.create_index("ix_webhook_deliveries_due", "webhook_deliveries", ["state", "next_attempt_at"])


def downgrade() -> None:
    for table in ("webhook_deliveries", "webhooks", "deliveries", "inbox_entries"):
        op.drop_table(table)
    op.drop_table("activity_events")
    with op.batch_alter_table("batches") as batch:
        batch.drop_column("completed_at")
        batch.drop_column("due_date")
