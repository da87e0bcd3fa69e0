"""An API client on the real app (ASGI, no socket), wired to the test database and store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.setup.settings import Settings
from bot.setup.wiring import Services, build_services
from bot.web.app import create_app
from orders.db.engine import Database
from tests.conftest import COFFEE, CUP, STORE_TOML, TEA, Clock

TOKEN = "test-token"


@pytest.fixture
def settings(db: Database, tmp_path: Path) -> Settings:
    store_file = tmp_path / "store.toml"
    store_file.write_text(STORE_TOML)
    return Settings(database_url=db.url, api_token=TOKEN, store_config=store_file, web_chat=True)


@pytest.fixture
async def services(settings: Settings, clock: Clock) -> AsyncIterator[Services]:
    built = build_services(settings, clock=clock)
    await built.catalog.import_products([TEA, COFFEE, CUP])
    yield built
    await built.aclose()


@pytest.fixture
async def api(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(services, run_worker=False)
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://chatcart.test", headers=headers
    ) as client:
        yield client
