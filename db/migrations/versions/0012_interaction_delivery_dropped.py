"""drop interactions.delivery and delivery_error: written by two adapters, read by nothing
(a reply that does not go through is logged by the channel contract, bot/channels/base.py)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 19:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("interactions") as batch:
        batch.drop_column("delivery_error")
        batch.drop_column("delivery")


def downgrade() -> None:
    with op.batch_alter_table("interactions") as batch:
        batch.add_column(sa.Column("delivery", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("delivery_error", sa.String(length=300), nullable=True))
