"""the ward's own data edited in the console

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 13:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ward_value_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ward_id", sa.String(length=48), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("changed_by", sa.String(length=64), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_ward_value_changes_ward_key", "ward_value_changes", ["ward_id", "key", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_ward_value_changes_ward_key", table_name="ward_value_changes")
    op.drop_table("ward_value_changes")
