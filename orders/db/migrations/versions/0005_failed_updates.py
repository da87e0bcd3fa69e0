"""failed updates: inbound messages that failed for a reason a redelivery cannot fix

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import catalog.db.schema

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "failed_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("failed_at", catalog.db.schema.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_failed_updates")),
        sa.UniqueConstraint("provider", "external_id", name=op.f("uq_failed_updates_provider")),
    )
    with op.batch_alter_table("failed_updates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_failed_updates_failed_at"), ["failed_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("failed_updates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_failed_updates_failed_at"))
    op.drop_table("failed_updates")
