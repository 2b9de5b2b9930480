"""job claims: heartbeats, cancel requests, attempts, progress note

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(
            sa.Column("worker", sa.String(length=64), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("started_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("cancel_requested", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(
            sa.Column("note", sa.String(length=300), nullable=False, server_default="")
        )
    op.create_index("ix_jobs_state_created", "jobs", ["state", "id"])


def downgrade() -> None:
    op.drop_index("ix_jobs_state_created", table_name="jobs")
    with op.batch_alter_table("jobs") as batch:
        for column in ("note", "attempts", "cancel_requested", "started_at", "heartbeat_at"):
            batch.drop_column(column)
        batch.drop_column("worker")
