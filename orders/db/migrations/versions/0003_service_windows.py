"""service windows: when each lead of a windowed channel last wrote

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 01:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import catalog.db.schema

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "service_windows",
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("last_inbound_at", catalog.db.schema.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("channel", "user_id", name=op.f("pk_service_windows")),
    )


def downgrade() -> None:
    op.drop_table("service_windows")
