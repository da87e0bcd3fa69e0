"""Shared fixtures: databases (SQLite always, PostgreSQL when configured), a store, a settable clock."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import bot.setup.tables  # noqa: F401  (registers every table on the metadata)
from catalog.product import ProductData
from catalog.service import CatalogService
from orders.db import migrate
from orders.db.engine import Database
from orders.store import StoreConfig, parse_store_config

POSTGRES_URL = os.environ.get("CHATCART_TEST_POSTGRES_URL")
REDIS_URL = os.environ.get("CHATCART_TEST_REDIS_URL")

STORE_TOML = """
[store]
name = "Test Tea"
currency = "INR"
languages = ["en", "es"]
delivery = ["shipping", "pickup"]
payment = ["cod", "online"]
delivery_fees = { shipping = "40.00" }

[[order_fields]]
name = "delivery_address"
required = true

[[item_fields]]
name = "size"
type = "select"
options = ["Small", "Large"]
required = true
products = ["CUP"]
"""


@dataclass
class Clock:
    """A clock tests move by hand; services and the relay read it instead of the wall clock."""

    now: datetime = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store() -> StoreConfig:
    return parse_store_config(STORE_TOML)


def _backends() -> list[object]:
    skip_pg = pytest.mark.skipif(POSTGRES_URL is None, reason="CHATCART_TEST_POSTGRES_URL not set")
    return ["sqlite", pytest.param("postgres", marks=[pytest.mark.postgres, skip_pg])]


# A test of PostgreSQL's own behaviour (its locks, its connections): the `db` fixture on PostgreSQL only.
POSTGRES_ONLY = pytest.mark.parametrize(
    "db",
    [
        pytest.param(
            "postgres",
            marks=[
                pytest.mark.postgres,
                pytest.mark.skipif(POSTGRES_URL is None, reason="CHATCART_TEST_POSTGRES_URL not set"),
            ],
        )
    ],
    indirect=True,
)


async def _fresh_postgres(url: str) -> Database:
    db = Database(url)
    await migrate.empty_postgres(db)
    return db


@pytest.fixture(params=_backends())
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated, empty database: a temp SQLite file, or the test PostgreSQL wiped clean."""
    if request.param == "postgres":
        assert POSTGRES_URL is not None
        database = await _fresh_postgres(POSTGRES_URL)
    else:
        database = Database(f"sqlite+aiosqlite:///{tmp_path / 'test.db'}")
    await migrate.upgrade(database)
    yield database
    await database.dispose()


TEA = ProductData(sku="TEA", name="Masala chai", price=12000, stock=10, aliases=("chai",))
COFFEE = ProductData(sku="COFFEE", name="Filter coffee", price=13050, stock=None)
CUP = ProductData(sku="CUP", name="Clay cup", price=5000, stock=3)


@pytest.fixture
async def catalog(db: Database, clock: Clock) -> CatalogService:
    service = CatalogService(db, clock)
    await service.import_products([TEA, COFFEE, CUP])
    return service
