"""outbox: the channel of each row and who holds its lease; workers and their heartbeats; channel health

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import catalog.db.schema

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _channel(kind: str, recipient: str) -> str:
    return "merchant" if kind == "merchant_webhook" else recipient.partition(":")[0]


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("channel", sa.String(length=32), server_default="", nullable=False))
        batch_op.add_column(sa.Column("lease_owner", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_outbox_recipient"), ["recipient", "status"], unique=False)
    bind = op.get_bind()
    outbox = sa.table(
        "outbox", sa.column("id"), sa.column("kind"), sa.column("recipient"), sa.column("channel")
    )
    for row_id, kind, recipient in bind.execute(sa.select(outbox.c.id, outbox.c.kind, outbox.c.recipient)):
        bind.execute(outbox.update().where(outbox.c.id == row_id).values(channel=_channel(kind, recipient)))
    op.create_table(
        "workers",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("started_at", catalog.db.schema.UtcDateTime(), nullable=False),
        sa.Column("heartbeat_at", catalog.db.schema.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workers")),
    )
    op.create_table(
        "channel_health",
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("failing_since", catalog.db.schema.UtcDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("channel", name=op.f("pk_channel_health")),
    )


def downgrade() -> None:
    op.drop_table("channel_health")
    op.drop_table("workers")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_recipient"))
        batch_op.drop_column("lease_owner")
        batch_op.drop_column("channel")
