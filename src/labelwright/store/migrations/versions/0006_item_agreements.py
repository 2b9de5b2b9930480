"""agreement of overlap items

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "item_agreements",
        sa.Column("item_id", ID, sa.ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
        sa.Column(
            "project_id", ID, sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("annotators", sa.Integer(), nullable=False),
        sa.Column("per_user", sa.JSON(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_item_agreements_project", "item_agreements", ["project_id", "computed_at"])


def downgrade() -> None:
    op.drop_table("item_agreements")
