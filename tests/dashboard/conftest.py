"""The dashboard in headless Chromium: a running shop, staff accounts, a signed-in browser, screenshots."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from bot.setup.wiring import Services
from bot.staff.roles import Role
from tests.shop import running_shop, shop_settings
from tests.test_web_chat_browser import CHROMIUM

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

PASSWORD = "a-long-test-password"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
# Where the test run leaves the pages' screenshots, for a person to look at.
SCREENSHOTS = Path(os.environ.get("CHATCART_TEST_SCREENSHOTS", Path(__file__).parents[2] / ".screenshots"))


@dataclass
class Shop:
    """A running shop: its URL, an API client, and its services."""

    url: str
    client: httpx.AsyncClient
    services: Services

    async def member(self, email: str, role: Role) -> str:
        await self.services.staff.add(email, role, PASSWORD)
        return email


@pytest.fixture
async def shop(tmp_path: Path) -> AsyncIterator[Shop]:
    async with running_shop(shop_settings(tmp_path)) as (client, services):
        yield Shop(str(client.base_url).rstrip("/"), client, services)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    playwright = pytest.importorskip("playwright.async_api")
    if CHROMIUM is None:
        pytest.skip("no Chromium (CI installs Debian's chromium)")
    async with playwright.async_playwright() as p:
        launched = await p.chromium.launch(executable_path=CHROMIUM)
        yield launched
        await launched.close()


async def signed_in(browser: Browser, shop: Shop, email: str, *, viewport: dict[str, int] = DESKTOP) -> Page:
    """A fresh browser page, signed in as `email` through the sign-in form."""
    page = await browser.new_page(viewport=viewport)  # type: ignore[arg-type]
    await page.goto(f"{shop.url}/admin/login")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url("**/admin/orders")
    return page


async def screenshot(page: Page, name: str) -> None:
    await asyncio.to_thread(SCREENSHOTS.mkdir, parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


async def no_sideways_scroll(page: Page) -> bool:
    """Nothing on the page is wider than the screen (a phone never scrolls sideways)."""
    return bool(await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))
