"""payments: method, comment, refunds and voids on payments; pay links; provider events processed once

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import catalog.db.schema

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("method", sa.String(length=32), server_default="", nullable=False))
        batch_op.add_column(sa.Column("comment", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("paid_at", catalog.db.schema.UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column("refunded", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("actor", sa.String(length=100), server_default="", nullable=False))
        batch_op.add_column(sa.Column("voided_at", catalog.db.schema.UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column("voided_by", sa.String(length=100), server_default="", nullable=False))
        batch_op.create_index("ix_payments_created_at", ["created_at"], unique=False)
    op.create_table(
        "payment_links",
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.String(length=200), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("expires_at", catalog.db.schema.UtcDateTime(), nullable=True),
        sa.Column("created_at", catalog.db.schema.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_payment_links_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_payment_links")),
        sa.UniqueConstraint("token", name=op.f("uq_payment_links_token")),
    )
    op.create_table(
        "payment_events",
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("received_at", catalog.db.schema.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_payment_events_order_id_orders"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_payment_events")),
    )


def downgrade() -> None:
    op.drop_table("payment_events")
    op.drop_table("payment_links")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index("ix_payments_created_at")
        for column in ("voided_by", "voided_at", "actor", "refunded", "paid_at", "comment", "method"):
            batch_op.drop_column(column)
