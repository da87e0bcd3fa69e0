"""Migrations build exactly the schema the tables describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import bot.setup.tables  # noqa: F401  (every table)
from catalog.db.schema import metadata
from orders.db import migrate
from orders.db.engine import Database


def _declared(obj: object, name: str | None, kind: str, reflected: bool, compare_to: object) -> bool:
    """The search's own structures differ per database and only the migration makes them (0013)."""
    return not (name or "").startswith("orders_search") and not (name or "").endswith("_trgm")


# SQLite's reflection cannot read an index on lower(carrier): there the comparison leaves it aside.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
async def test_the_migrated_schema_matches_the_table_definitions(db: Database) -> None:
    def compare(conn: Any) -> list[Any]:
        context = MigrationContext.configure(conn, opts={"include_object": _declared})
        return list(compare_metadata(context, metadata))

    differences = await db.read(compare)
    assert differences == []
    assert await migrate.is_current(db)


async def test_upgrading_twice_is_harmless(db: Database) -> None:
    await migrate.upgrade(db)
    assert await migrate.current_revision(db) == migrate.head_revision()


async def test_autovacuum_off_is_what_the_server_runs_with(db: Database) -> None:
    # `chatcart serve` warns when it is off: the turn's plans then stay those made on empty tables.
    if db.is_sqlite:
        assert await migrate.autovacuum_off(db) is False
        return
    query = "SELECT setting FROM pg_settings WHERE name = 'autovacuum'"
    setting = await db.read(lambda conn: conn.exec_driver_sql(query).scalar_one())
    assert await migrate.autovacuum_off(db) is (setting == "off")
