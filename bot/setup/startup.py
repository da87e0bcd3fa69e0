"""Start-up chores: bring the schema up to date and seed the demo catalog into an empty store."""

from __future__ import annotations

import gc
from importlib import resources

from bot.setup.wiring import Services
from catalog.importer import parse_catalog
from orders.db import migrate


class SchemaOutOfDate(RuntimeError):
    """The PostgreSQL schema is behind this version; an operator runs `chatcart db upgrade`."""


async def prepare_database(services: Services) -> None:
    """SQLite (embedded) upgrades itself; a shared PostgreSQL is upgraded on purpose, by an operator."""
    if services.db.is_sqlite:
        await migrate.upgrade(services.db)
        return
    if not await migrate.is_current(services.db):
        raise SchemaOutOfDate("the database schema is not current: run `chatcart db upgrade` first")


async def load_demo_catalog_if_empty(services: Services) -> int:
    """Import the bundled demo catalog when the store has no products; returns how many were added."""
    if not await services.catalog.is_empty():
        return 0
    text = resources.files("catalog").joinpath("demo_catalog.csv").read_text(encoding="utf-8")
    rows = parse_catalog(text, currency=services.store.currency, fmt="csv")
    created, _ = await services.catalog.import_products(rows)
    return created


def freeze_startup_heap() -> None:
    """Keep what start-up built (libraries, catalog, phrasebook, compiled statements) out of the garbage
    collector's scans: a full collection otherwise walks all of it again, ~5-10 % of a busy process's time
    (`make bench`). Objects made later are collected as usual."""
    gc.collect()
    gc.freeze()
