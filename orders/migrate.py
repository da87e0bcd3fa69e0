"""Schema migrations (Alembic) run programmatically on the application's own async engine."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from orders.database import Database


def _config(connection: Any = None) -> Config:
    config = Config()
    config.set_main_option("script_location", "orders:migrations")
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


async def current_revision(db: Database) -> str | None:
    async with db.read() as conn:
        return await conn.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())


async def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the schema to `revision` in one transaction."""
    async with db.write() as conn:
        await conn.run_sync(lambda sync: command.upgrade(_config(sync), revision))


async def is_current(db: Database) -> bool:
    return await current_revision(db) == head_revision()
