"""A running shop for end-to-end tests: a store file, the real app on a loopback port, the demo catalog."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from bot.setup.settings import Settings
from bot.setup.startup import load_demo_catalog_if_empty, prepare_database
from bot.setup.wiring import Services, build_services
from bot.web.app import create_app
from orders.services import utc_now
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


def shop_settings(tmp_path: Path, store: str | None = None, **channels: Any) -> Settings:
    (tmp_path / "store.toml").write_text(store or shop_toml())
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'shop.db'}",
        store_config=tmp_path / "store.toml",
        api_token=API_TOKEN,
        **({"web_chat": True} | channels),  # on, as under `make run`
    )


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
