"""Schema migrations (Alembic) run programmatically on the application's own database connection."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from orders.db.engine import Database


def _config(connection: Any = None) -> Config:
    config = Config()
    config.set_main_option("script_location", "orders.db:migrations")
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


async def current_revision(db: Database) -> str | None:
    return await db.read(lambda conn: MigrationContext.configure(conn).get_current_revision())


async def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the schema to `revision` in one transaction."""
    await db.write(lambda conn: command.upgrade(_config(conn), revision))


async def is_current(db: Database) -> bool:
    return await current_revision(db) == head_revision()


async def autovacuum_off(db: Database) -> bool:
    """PostgreSQL runs without autovacuum: nothing reclaims dead rows or keeps the planner's statistics."""
    if db.is_sqlite:
        return False
    return await db.read(lambda conn: conn.exec_driver_sql("SHOW autovacuum").scalar_one() == "off")


async def empty_postgres(db: Database) -> None:
    """Drop every table of a PostgreSQL database, whoever defined it (tests and benchmarks start clean)."""

    def drop(conn: Any) -> None:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")

    await db.write(drop)
