"""conversations and inbound claims

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 22:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import catalog.db.schema

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("last_inbound_at", catalog.db.schema.UtcDateTime(), nullable=True),
        sa.Column("updated_at", catalog.db.schema.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("channel", "user_id", name=op.f("pk_conversations")),
    )
    op.create_table(
        "inbound_claims",
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("claimed_at", catalog.db.schema.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("provider", "external_id", name=op.f("pk_inbound_claims")),
    )
    with op.batch_alter_table("inbound_claims", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inbound_claims_claimed_at"), ["claimed_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("inbound_claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbound_claims_claimed_at"))
    op.drop_table("inbound_claims")
    op.drop_table("conversations")
