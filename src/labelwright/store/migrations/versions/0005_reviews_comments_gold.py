"""reviews, review comments, gold answers, active editing time

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("assignments") as batch:
        batch.add_column(
            sa.Column("active_seconds", sa.Float(), nullable=False, server_default="0")
        )
    op.create_table(
        "reviews",
        sa.Column("id", ID, primary_key=True),
        sa.Column(
            "project_id", ID, sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("item_id", ID, sa.ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
        sa.Column("reviewer_id", ID, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
    )
    op.create_index("ix_reviews_project_time", "reviews", ["project_id", "created_at"])
    op.create_index("ix_reviews_item", "reviews", ["item_id"])
    op.create_table(
        "review_comments",
        sa.Column("id", ID, primary_key=True),
        sa.Column(
            "project_id", ID, sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("item_id", ID, sa.ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
        sa.Column("author_id", ID, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("anchor", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("resolved_by", ID, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("resolved_at", WHEN, nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
    )
    op.create_index("ix_review_comments_item", "review_comments", ["item_id", "status"])
    op.create_table(
        "gold_answers",
        sa.Column("item_id", ID, sa.ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
        sa.Column(
            "project_id", ID, sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("created_by", ID, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
    )
    op.create_index("ix_gold_answers_project", "gold_answers", ["project_id"])


def downgrade() -> None:
    op.drop_table("gold_answers")
    op.drop_table("review_comments")
    op.drop_table("reviews")
    with op.batch_alter_table("assignments") as batch:
        batch.drop_column("active_seconds")
