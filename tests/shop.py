"""A running shop for end-to-end tests: a store file, the real app on a loopback port, the demo catalog."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.delivery import outcomes
from bot.setup.settings import Settings
from bot.setup.startup import load_demo_catalog_if_empty, prepare_database
from bot.setup.wiring import Services, build_services
from bot.web.app import create_app
from orders.db import migrate
from orders.db.engine import Database
from orders.services import utc_now
from tests.conftest import POSTGRES_URL
from tests.fakes import serve_asgi

API_TOKEN = "api-token"
API_HEADERS = {"Authorization": f"Bearer {API_TOKEN}"}


def shop_toml(store_extra: str = "", extra: str = "") -> str:
    """Chai Corner: INR, English and Spanish, shipping, cash on delivery, a delivery address required."""
    return f"""
[store]
name = "Chai Corner"
currency = "INR"
languages = ["en", "es"]
delivery = ["shipping"]
payment = ["cod"]
{store_extra}
[[order_fields]]
name = "delivery_address"
required = true
{extra}
"""


def shop_settings(
    tmp_path: Path, store: str | None = None, database_url: str | None = None, **channels: Any
) -> Settings:
    (tmp_path / "store.toml").write_text(store or shop_toml())
    return Settings(
        database_url=database_url or f"sqlite:///{tmp_path / 'shop.db'}",
        store_config=tmp_path / "store.toml",
        api_token=API_TOKEN,
        **({"web_chat": True} | channels),  # on, as under `make run`
    )


async def empty_postgres() -> str:
    """The test PostgreSQL, emptied and migrated as `chatcart db upgrade` would; its URL."""
    assert POSTGRES_URL is not None
    db = Database(POSTGRES_URL)
    await migrate.empty_postgres(db)
    await migrate.upgrade(db)
    await db.dispose()
    return POSTGRES_URL


@contextlib.asynccontextmanager
async def running_shop(
    settings: Settings, clock: Callable[[], datetime] = utc_now
) -> AsyncIterator[tuple[httpx.AsyncClient, Services]]:
    """`chatcart serve --demo-catalog`, in this process: a client of it, and its services."""
    services = build_services(settings, clock=clock)
    await prepare_database(services)
    await load_demo_catalog_if_empty(services)
    async with (
        serve_asgi(create_app(services)) as url,
        httpx.AsyncClient(base_url=url, timeout=10) as client,
    ):
        yield client, services


def hold_sent_marks(monkeypatch: pytest.MonkeyPatch) -> None:
    """The relay records that a turn's replies were sent a moment after sending them. Held back (until a
    relay pass writes them), they meet every clock jump of a test, as on a busy machine now and then."""
    monkeypatch.setattr(outcomes, "FLUSH_DELAY", 3600.0)
