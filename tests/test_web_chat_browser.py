"""The web chat in headless Chromium: a merchant places a test order by typing and clicking, as a shopper."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.shop import API_HEADERS, running_shop, shop_settings

playwright = pytest.importorskip("playwright.async_api")


def _chromium() -> str | None:
    """CI installs Debian's Chromium and names it in CHATCART_TEST_CHROMIUM; elsewhere, use one if present."""
    named = os.environ.get("CHATCART_TEST_CHROMIUM")
    if named:
        return named
    found = [p for p in ("/usr/lib/chromium/chromium", shutil.which("chromium")) if p and os.path.exists(p)]
    return found[0] if found else None


CHROMIUM = _chromium()
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium (CI installs Debian's chromium)")


@pytest.fixture
async def shop_url(tmp_path: Path) -> AsyncIterator[str]:
    async with running_shop(shop_settings(tmp_path)) as (client, _container):
        yield str(client.base_url).rstrip("/")


async def test_a_test_order_placed_in_the_browser_shows_channel_web(shop_url: str, tmp_path: Path) -> None:
    async with playwright.async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM)
        page = await browser.new_page()
        refused: list[str] = []  # Chromium reports what the page's Content-Security-Policy blocked
        page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
        await page.goto(f"{shop_url}/chat")
        assert await page.title() == "Chai Corner · test chat"

        async def say(text: str) -> None:
            await page.get_by_label("Message").fill(text)
            await page.get_by_label("Message").press("Enter")

        async def click(label: str) -> None:
            await page.get_by_role("button", name=label, exact=True).last.click()

        log = page.locator("#log")
        await say("2 samosa")
        await playwright.expect(log).to_contain_text("Added 2 × Samosa (2 pcs).")
        await click("Checkout")
        await playwright.expect(log).to_contain_text("delivery address")
        await say("12 MG Road, Bengaluru")
        await playwright.expect(log).to_contain_text("Total: ₹120.00")
        await click("Confirm")
        await playwright.expect(log).to_contain_text("Order #1001 is placed")
        await click("Confirm order")
        # The confirmation is a status notification: it reaches the page at its next poll.
        await playwright.expect(log).to_contain_text("Your order #1001 is confirmed", timeout=15_000)
        await page.screenshot(path=str(tmp_path / "web-chat.png"), full_page=True)
        await browser.close()
    assert refused == []

    async with httpx.AsyncClient(base_url=shop_url, headers=API_HEADERS) as api:
        order = (await api.get("/api/v1/orders/1001")).json()
    assert (order["channel"], order["source"], order["status"]) == ("web", "chat", "confirmed")
    assert [(i["sku"], i["quantity"]) for i in order["items"]] == [("SNACK-SAMOSA", 2)]


async def test_the_page_greets_a_new_visitor_and_a_typed_number_presses_that_choice(
    shop_url: str, tmp_path: Path
) -> None:
    async with playwright.async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM)
        page = await browser.new_page(locale="en-US")
        await page.goto(f"{shop_url}/chat")
        log = page.locator("#log")
        # Nothing typed yet: the shop says hello and shows what it sells, Masala chai first.
        await playwright.expect(log).to_contain_text("Hi! Welcome to Chai Corner.")
        await playwright.expect(page.get_by_role("button").first).to_have_text("Masala chai · ₹120.00")
        await page.screenshot(path=str(tmp_path / "greeted.png"), full_page=True)
        await page.get_by_label("Message").fill("1")
        await page.get_by_label("Message").press("Enter")
        await playwright.expect(log).to_contain_text("How many Masala chai? (₹120.00 each)")
        await page.get_by_label("Message").fill("2")
        await page.get_by_label("Message").press("Enter")
        await playwright.expect(log).to_contain_text("Added 2 × Masala chai.")
        await page.reload()  # the conversation is still there, and is not greeted twice
        await playwright.expect(log).to_contain_text("Added 2 × Masala chai.")
        await playwright.expect(log.get_by_text("Hi! Welcome to Chai Corner.")).to_have_count(1)
        await page.screenshot(path=str(tmp_path / "typed-numbers.png"), full_page=True)
        await browser.close()


async def test_a_spanish_browser_is_greeted_in_spanish(shop_url: str, tmp_path: Path) -> None:
    async with playwright.async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM)
        page = await browser.new_page(locale="es-ES")
        await page.goto(f"{shop_url}/chat")
        await playwright.expect(page.locator("#log")).to_contain_text("¡Hola! Bienvenido a Chai Corner.")
        await page.screenshot(path=str(tmp_path / "es.png"), full_page=True)
        await browser.close()
