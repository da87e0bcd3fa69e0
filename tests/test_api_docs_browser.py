"""/docs and /redoc in headless Chromium with every address but this machine's blocked, as on a server
without internet: the pages render, and Swagger's "Authorize" lets a merchant try the API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

from tests.shop import API_TOKEN, running_shop, shop_settings
from tests.test_web_chat_browser import CHROMIUM

if TYPE_CHECKING:
    from playwright.async_api import Page, Route

playwright = pytest.importorskip("playwright.async_api")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium (CI installs Debian's chromium)")

# ReDoc's "API docs by Redocly" footer badge is an image on Redocly's CDN, built into its script; offline
# the badge is missing and nothing else is.
REDOC_BADGE = "https://cdn.redoc.ly/redoc/logo-mini.svg"


@pytest.fixture
async def shop_url(tmp_path: Path) -> AsyncIterator[str]:
    async with running_shop(shop_settings(tmp_path)) as (client, _services):
        yield str(client.base_url).rstrip("/")


@pytest.fixture
async def offline_page(shop_url: str) -> AsyncIterator[tuple[Page, list[str]]]:
    """A page that reaches 127.0.0.1 only; the other addresses it tried."""
    outside: list[str] = []

    async def loopback_only(route: Route) -> None:
        url = route.request.url
        if urlsplit(url).hostname == "127.0.0.1":
            await route.continue_()
        else:
            outside.append(url)
            await route.abort()

    async with playwright.async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM)
        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        await page.route("**/*", loopback_only)
        yield page, outside
        await browser.close()


async def test_swagger_ui_renders_offline_and_authorize_lets_the_api_be_tried(
    offline_page: tuple[Page, list[str]], shop_url: str, tmp_path: Path
) -> None:
    page, outside = offline_page
    await page.goto(f"{shop_url}/docs")
    expect = playwright.expect
    await expect(page.get_by_role("heading", name="chatcart")).to_be_visible()
    await page.screenshot(path=str(tmp_path / "docs.png"), full_page=True)

    await page.get_by_role("button", name="Authorize").first.click()
    dialog = page.locator(".modal-ux")
    await expect(dialog).to_contain_text("HTTPBearer")
    await dialog.get_by_role("textbox").fill(API_TOKEN)
    await dialog.get_by_role("button", name="Apply credentials").click()
    await dialog.get_by_role("button", name="Close").click()

    operation = page.locator("#operations-products-list_products_api_v1_products_get")
    await operation.locator(".opblock-summary").click()
    await operation.get_by_role("button", name="Try it out").click()
    await operation.get_by_role("button", name="Execute").click()
    answer = operation.locator(".live-responses-table .response").first
    await expect(answer.locator(".response-col_status")).to_have_text("200")
    await expect(answer).to_contain_text("SNACK-SAMOSA")
    await page.screenshot(path=str(tmp_path / "docs-tried.png"), full_page=True)
    assert outside == []


async def test_redoc_renders_offline(
    offline_page: tuple[Page, list[str]], shop_url: str, tmp_path: Path
) -> None:
    page, outside = offline_page
    await page.goto(f"{shop_url}/redoc")
    expect = playwright.expect
    await expect(page.get_by_role("heading", name="chatcart (0.1.0)")).to_be_visible()
    await expect(page.get_by_role("heading", name="Change Status")).to_be_visible()
    await page.screenshot(path=str(tmp_path / "redoc.png"))
    assert set(outside) <= {REDOC_BADGE}
