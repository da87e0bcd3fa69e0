"""chatcart's own icon: served at /favicon.svg and /favicon.ico, named by the dashboard's and the web chat's
pages, and loaded by the browser under their Content-Security-Policy."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from bot.staff.roles import Role
from tests.dashboard.conftest import Shop, screenshot, signed_in

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

playwright = pytest.importorskip("playwright.async_api")
expect = playwright.expect


async def test_the_icon_answers_at_both_addresses_as_svg(shop: Shop) -> None:
    for path in ("/favicon.ico", "/favicon.svg"):
        response = await shop.client.get(path)
        assert response.status_code == 200
        assert response.headers["content-type"] == "image/svg+xml"
        assert response.text.startswith("<svg") and "<script" not in response.text


async def _icon_loaded(page: Page) -> bool:
    """The page's icon, fetched and decoded by the browser as an image the way a tab would show it."""
    return bool(
        await page.evaluate(
            """async () => {
                const link = document.querySelector('link[rel=icon]');
                const image = new Image();
                image.src = link.href;
                try { await image.decode(); } catch { return false; }
                return image.naturalWidth > 0;
            }"""
        )
    )


async def test_the_dashboard_and_the_web_chat_name_the_icon(browser: Browser, shop: Shop) -> None:
    page = await signed_in(browser, shop, await shop.member("ops@chai.example", Role.OPS))
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    for path in ("/admin/orders", "/admin/login", "/chat"):
        await page.goto(f"{shop.url}{path}")
        await expect(page.locator('link[rel="icon"]')).to_have_attribute("href", "/favicon.svg")
        assert await _icon_loaded(page), path
    assert refused == []
    # The icon at tab sizes, on a page of this server (its answers are not for other origins' pages).
    await page.evaluate(
        """document.body.innerHTML = '<p><img alt="icon" width="64" src="/favicon.svg"> '
            + '<img alt="tab icon" width="16" src="/favicon.ico"></p>'"""
    )
    for name in ("icon", "tab icon"):
        image = page.get_by_role("img", name=name, exact=True)
        assert await image.evaluate("async (i) => { await i.decode(); return i.naturalWidth > 0; }")
    await screenshot(page, "favicon")
