"""the console in daily use: feedback searchable without diacritics (a folded column,
backfilled here), an index for "assigned to me", canned replies owned by their author, and
the title of the button a resident pressed

Revision ID: 0013b
Revises: 0013a
Create Date: 2026-12-05 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from db.feedback_search import search_text

revision: str = "0013b"
down_revision: str | None = "0013a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 500  # rows folded per round trip


def _backfill() -> None:
    """Fold the records already stored, with the same function as every later write."""
    connection = op.get_bind()
    rows = connection.execute(
        sa.text("SELECT id, service_request_id, description, area, phone FROM feedback")
    ).all()
    update = sa.text("UPDATE feedback SET search_text = :folded WHERE id = :id")
    for start in range(0, len(rows), BATCH):
        connection.execute(
            update,
            [
                {"id": row.id, "folded": search_text(*row[1:])}
                for row in rows[start : start + BATCH]
            ],
        )


def upgrade() -> None:
    with op.batch_alter_table("feedback") as batch:
        batch.add_column(sa.Column("search_text", sa.Text(), nullable=False, server_default=""))
        batch.create_index("ix_feedback_assigned_to", ["assigned_to"])
    _backfill()
    with op.batch_alter_table("canned_replies") as batch:
        batch.add_column(sa.Column("owner_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_canned_replies_owner_id", "staff_users", ["owner_id"], ["id"], ondelete="SET NULL"
        )
        batch.create_index("ix_canned_replies_owner_id", ["owner_id"])
    with op.batch_alter_table("interactions") as batch:
        batch.add_column(sa.Column("button_title", sa.String(length=128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("interactions") as batch:
        batch.drop_column("button_title")
    with op.batch_alter_table("canned_replies") as batch:
        batch.drop_index("ix_canned_replies_owner_id")
        batch.drop_constraint("fk_canned_replies_owner_id", type_="foreignkey")
        batch.drop_column("owner_id")
    with op.batch_alter_table("feedback") as batch:
        batch.drop_index("ix_feedback_assigned_to")
        batch.drop_column("search_text")
