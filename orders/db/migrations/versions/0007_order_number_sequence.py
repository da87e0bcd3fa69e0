"""order numbers from a sequence on PostgreSQL, so concurrent placements never wait for each other

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return  # SQLite has one writer: its counter row serialises nothing that was not serial already
    op.execute("CREATE SEQUENCE order_numbers START WITH 1001 MINVALUE 1")
    # Go on from the last number the counter row gave, if orders were placed already.
    op.execute("SELECT setval('order_numbers', value, true) FROM counters WHERE name = 'order_number'")


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute(
        "INSERT INTO counters (name, value) SELECT 'order_number', last_value FROM order_numbers "
        "WHERE is_called ON CONFLICT (name) DO UPDATE SET value = excluded.value"
    )
    op.execute("DROP SEQUENCE order_numbers")
