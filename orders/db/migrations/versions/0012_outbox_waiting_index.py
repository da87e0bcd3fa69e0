"""outbox: a chat's waiting rows by when they are due, so a claim finds what holds a chat back by index

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 12:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_recipient")
        batch_op.create_index("ix_outbox_recipient", ["recipient", "status", "due_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_recipient")
        batch_op.create_index("ix_outbox_recipient", ["recipient", "status"], unique=False)
