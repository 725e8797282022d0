"""question tickets handed over to staff, and what staff teach from them

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 16:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("answers_waiting", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("normalized", sa.Text(), nullable=False),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("additions", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("due_at", WHEN, nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_by", sa.String(length=64), nullable=True),
        sa.Column("answered_at", WHEN, nullable=True),
        sa.Column("outbox_id", sa.Integer(), nullable=True),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("unreachable", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["outbox_id"], ["outbox.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_index("ix_questions_user_id", "questions", ["user_id"])
    op.create_index("ix_questions_created_at", "questions", ["created_at"])
    op.create_index("ix_questions_answered_at", "questions", ["answered_at"])
    op.create_index("ix_questions_queue", "questions", ["status", "due_at"])
    op.create_index("ix_questions_group_id", "questions", ["group_id"])
    op.create_table(
        "learned_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ward_id", sa.String(length=48), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=True),
        sa.Column("question_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=True),
        sa.Column("updated_at", WHEN, nullable=True),
        sa.Column("withdrawn_by", sa.String(length=64), nullable=True),
        sa.Column("withdrawn_at", WHEN, nullable=True),
        sa.ForeignKeyConstraint(["question_id"], ["questions.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_learned_entries_ward_id", "learned_entries", ["ward_id"])
    op.create_table(
        "learned_aliases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ward_id", sa.String(length=48), nullable=False),
        sa.Column("entry_id", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("withdrawn_by", sa.String(length=64), nullable=True),
        sa.Column("withdrawn_at", WHEN, nullable=True),
        sa.ForeignKeyConstraint(["question_id"], ["questions.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_learned_aliases_ward_id", "learned_aliases", ["ward_id"])
    op.create_table(
        "learned_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ward_id", sa.String(length=48), nullable=False),
        sa.Column("subject", sa.String(length=80), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_learned_changes_ward", "learned_changes", ["ward_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_learned_changes_ward", table_name="learned_changes")
    op.drop_table("learned_changes")
    op.drop_index("ix_learned_aliases_ward_id", table_name="learned_aliases")
    op.drop_table("learned_aliases")
    op.drop_index("ix_learned_entries_ward_id", table_name="learned_entries")
    op.drop_table("learned_entries")
    for name in (
        "ix_questions_group_id",
        "ix_questions_queue",
        "ix_questions_answered_at",
        "ix_questions_created_at",
    ):
        op.drop_index(name, table_name="questions")
    op.drop_index("ix_questions_user_id", table_name="questions")
    op.drop_table("questions")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("answers_waiting")
