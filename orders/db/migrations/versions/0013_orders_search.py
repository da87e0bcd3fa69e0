"""orders list by index: search by trigrams, newest first with its tie-break, filters with the status

A part of a name, phone or tracking number through pg_trgm GIN indexes on PostgreSQL (where the extension can
be had) or an FTS5 trigram table kept in step by triggers on SQLite; the channel, payment, warehouse and
delivery service filters' indexes carry the status (the cards count from them); the contacts of orders
without a chat, for the customers page.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

SEARCHED = ("customer_name", "customer_phone", "tracking_number")
_COLUMNS = ", ".join(SEARCHED)
_NEW = ", ".join(f"new.{c}" for c in SEARCHED)
_OLD = ", ".join(f"old.{c}" for c in SEARCHED)
# SQLite: the searched columns of each order as trigrams (external content: the text stays in `orders`).
SQLITE_UP = (
    f"CREATE VIRTUAL TABLE orders_search USING fts5({_COLUMNS}, content='orders', content_rowid='id', "
    "tokenize='trigram')",
    f"CREATE TRIGGER orders_search_insert AFTER INSERT ON orders BEGIN "
    f"INSERT INTO orders_search(rowid, {_COLUMNS}) VALUES (new.id, {_NEW}); END",
    f"CREATE TRIGGER orders_search_delete AFTER DELETE ON orders BEGIN "
    f"INSERT INTO orders_search(orders_search, rowid, {_COLUMNS}) VALUES ('delete', old.id, {_OLD}); END",
    f"CREATE TRIGGER orders_search_update AFTER UPDATE OF {_COLUMNS} ON orders BEGIN "
    f"INSERT INTO orders_search(orders_search, rowid, {_COLUMNS}) VALUES ('delete', old.id, {_OLD}); "
    f"INSERT INTO orders_search(rowid, {_COLUMNS}) VALUES (new.id, {_NEW}); END",
    "INSERT INTO orders_search(orders_search) VALUES ('rebuild')",
)
SQLITE_DOWN = (
    "DROP TRIGGER orders_search_update",
    "DROP TRIGGER orders_search_delete",
    "DROP TRIGGER orders_search_insert",
    "DROP TABLE orders_search",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_UP:
            op.execute(statement)
    else:
        _postgres_trigrams()
    # Plain index operations, not a batch: a batch that copied `orders` would lose the search triggers.
    op.drop_index("ix_orders_created_at", table_name="orders")
    op.create_index("ix_orders_created_id", "orders", ["created_at", "id"])
    # A filter's index carries the status: the stat cards count its orders from the index alone.
    for column in ("channel", "payment_status"):
        op.drop_index(f"ix_orders_{column}", table_name="orders")
        op.create_index(f"ix_orders_{column}", "orders", [column, "status"])
    op.create_index("ix_orders_warehouse", "orders", ["warehouse", "status"])
    carrier: list[str | sa.TextClause] = [sa.text("lower(carrier)"), "warehouse", "status", "carrier"]
    op.create_index("ix_orders_carrier", "orders", carrier)
    no_lead = sa.text("lead_channel IS NULL")
    op.create_index(
        "ix_orders_contacts",
        "orders",
        ["lead_channel", "channel", "source", "customer_phone", "customer_email", "number"],
        sqlite_where=no_lead,
        postgresql_where=no_lead,
    )


def _postgres_trigrams() -> None:
    """pg_trgm is trusted since PostgreSQL 13 (a database owner may create it); where it cannot be had the
    search still works by reading the table, so its absence must not fail the migration."""
    bind = op.get_bind()
    available = bind.exec_driver_sql("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'").first()
    if available is None:
        return
    savepoint = bind.begin_nested()
    try:
        bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except sa.exc.DBAPIError:
        savepoint.rollback()
        return
    savepoint.commit()
    for column in SEARCHED:
        op.execute(f"CREATE INDEX ix_orders_{column}_trgm ON orders USING gin (lower({column}) gin_trgm_ops)")


def downgrade() -> None:
    op.drop_index("ix_orders_contacts", table_name="orders")
    op.drop_index("ix_orders_carrier", table_name="orders")
    op.drop_index("ix_orders_warehouse", table_name="orders")
    op.drop_index("ix_orders_created_id", table_name="orders")
    for column in ("channel", "payment_status"):
        op.drop_index(f"ix_orders_{column}", table_name="orders")
        op.create_index(f"ix_orders_{column}", "orders", [column])
    op.create_index("ix_orders_created_at", "orders", ["created_at"])
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_DOWN:
            op.execute(statement)
    else:
        for column in SEARCHED:
            op.execute(f"DROP INDEX IF EXISTS ix_orders_{column}_trgm")
