"""contest integrity (web attempt limits, answer times, answers revealed after closing) and
the code that proves a staff member's Telegram account

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 19:40:00
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("contests") as batch:
        batch.add_column(
            sa.Column("reveal_after_close", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch.add_column(
            sa.Column("min_seconds_per_answer", sa.Integer(), nullable=False, server_default="2")
        )
        batch.add_column(
            sa.Column("web_attempts_per_device", sa.Integer(), nullable=False, server_default="2")
        )
        batch.add_column(
            sa.Column(
                "web_attempts_per_address", sa.Integer(), nullable=False, server_default="20"
            )
        )
        batch.add_column(sa.Column("salt", sa.String(length=32), nullable=True))
    contests = sa.table("contests", sa.column("id", sa.Integer), sa.column("salt", sa.String))
    for (contest_id,) in op.get_bind().execute(sa.select(contests.c.id)).all():
        op.execute(
            contests.update().where(contests.c.id == contest_id).values(salt=secrets.token_hex(16))
        )
    with op.batch_alter_table("contest_attempts") as batch:
        batch.add_column(sa.Column("address_key", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("device_key", sa.String(length=32), nullable=True))
        batch.add_column(
            sa.Column("answer_seconds", sa.JSON(), nullable=False, server_default="[]")
        )
    op.create_index(
        "ix_contest_attempts_address", "contest_attempts", ["contest_id", "address_key"]
    )
    op.create_index("ix_contest_attempts_device", "contest_attempts", ["contest_id", "device_key"])
    with op.batch_alter_table("staff_users") as batch:
        batch.add_column(sa.Column("telegram_pending_id", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("telegram_code_hash", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("telegram_code_expires", WHEN, nullable=True))
        batch.add_column(
            sa.Column("telegram_code_tries", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("staff_users") as batch:
        batch.drop_column("telegram_code_tries")
        batch.drop_column("telegram_code_expires")
        batch.drop_column("telegram_code_hash")
        batch.drop_column("telegram_pending_id")
    op.drop_index("ix_contest_attempts_device", table_name="contest_attempts")
    op.drop_index("ix_contest_attempts_address", table_name="contest_attempts")
    with op.batch_alter_table("contest_attempts") as batch:
        batch.drop_column("answer_seconds")
        batch.drop_column("device_key")
        batch.drop_column("address_key")
    with op.batch_alter_table("contests") as batch:
        batch.drop_column("salt")
        batch.drop_column("web_attempts_per_address")
        batch.drop_column("web_attempts_per_device")
        batch.drop_column("min_seconds_per_answer")
        batch.drop_column("reveal_after_close")
