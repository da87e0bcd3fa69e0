"""order page: staff emails fit the sales manager and history actor columns; attribution confirmed flag

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.alter_column("assignee", existing_type=sa.String(length=100), type_=sa.String(length=200))
        batch.add_column(
            sa.Column("assignee_confirmed", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("order_events") as batch:
        batch.alter_column("actor", existing_type=sa.String(length=100), type_=sa.String(length=200))


def downgrade() -> None:
    with op.batch_alter_table("order_events") as batch:
        batch.alter_column("actor", existing_type=sa.String(length=200), type_=sa.String(length=100))
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("assignee_confirmed")
        batch.alter_column("assignee", existing_type=sa.String(length=200), type_=sa.String(length=100))
