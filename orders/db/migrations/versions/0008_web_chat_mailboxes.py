"""web chat mailboxes in the database: a page can poll any server process

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import catalog.db.schema

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_chat_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session", sa.String(length=64), nullable=False),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", catalog.db.schema.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_chat_messages")),
    )
    with op.batch_alter_table("web_chat_messages", schema=None) as batch_op:
        batch_op.create_index("ix_web_chat_messages_session", ["session", "id"], unique=False)
        batch_op.create_index("ix_web_chat_messages_created_at", ["created_at"], unique=False)


def downgrade() -> None:
    op.drop_table("web_chat_messages")
