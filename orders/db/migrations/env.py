"""Alembic environment: runs on the connection handed over by `orders.db.migrate`, SQLite-safe batch mode."""

from __future__ import annotations

from alembic import context

import orders.db.tables  # noqa: F401  (registers the order tables on the shared metadata)
from catalog.db.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `chatcart db upgrade`, not the alembic command")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True, compare_type=True)
with context.begin_transaction():
    context.run_migrations()
