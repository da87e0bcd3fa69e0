"""Start-up: an embedded SQLite upgrades itself; a shared PostgreSQL must be upgraded by an operator."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.setup.settings import Settings
from bot.setup.startup import SchemaOutOfDate, load_demo_catalog_if_empty, prepare_database
from bot.setup.wiring import build_services
from bot.turns.catalog_cache import CatalogCache
from orders.db import migrate
from tests.conftest import POSTGRES_URL, _fresh_postgres


async def test_the_demo_stores_first_list_starts_with_the_readmes_masala_chai(tmp_path: Path) -> None:
    services = build_services(Settings(database_url=f"sqlite:///{tmp_path / 'new.db'}"))  # ./chatcart.toml
    await prepare_database(services)
    await load_demo_catalog_if_empty(services)
    first_page = (await CatalogCache(services.db).snapshot()).sellable()[:9]
    assert [p.name for p in first_page][:3] == ["Masala chai", "Ginger chai", "Elaichi chai"]
    await services.aclose()


async def test_sqlite_is_upgraded_on_start_and_the_demo_catalog_loaded_once(tmp_path: Path) -> None:
    services = build_services(Settings(database_url=f"sqlite:///{tmp_path / 'new.db'}"))
    await prepare_database(services)
    assert await migrate.is_current(services.db)
    assert await load_demo_catalog_if_empty(services) == 12
    assert await load_demo_catalog_if_empty(services) == 0  # never twice, never over a real catalog
    await services.aclose()


@pytest.mark.postgres
@pytest.mark.skipif(POSTGRES_URL is None, reason="CHATCART_TEST_POSTGRES_URL not set")
async def test_an_out_of_date_postgresql_stops_start_up_until_upgraded() -> None:
    assert POSTGRES_URL is not None
    await (await _fresh_postgres(POSTGRES_URL)).dispose()
    services = build_services(Settings(database_url=POSTGRES_URL))
    with pytest.raises(SchemaOutOfDate, match="run `chatcart db upgrade` first"):
        await prepare_database(services)
    await migrate.upgrade(services.db)
    await prepare_database(services)  # now it starts
    await services.aclose()
