"""Migrations build exactly the schema the tables describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import bot.setup.tables  # noqa: F401  (every table)
from catalog.db.schema import metadata
from orders.db import migrate
from orders.db.engine import Database


async def test_the_migrated_schema_matches_the_table_definitions(db: Database) -> None:
    differences = await db.read(lambda conn: compare_metadata(MigrationContext.configure(conn), metadata))
    assert differences == []
    assert await migrate.is_current(db)


async def test_upgrading_twice_is_harmless(db: Database) -> None:
    await migrate.upgrade(db)
    assert await migrate.current_revision(db) == migrate.head_revision()
