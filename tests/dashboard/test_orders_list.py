"""The orders list and the customers pages in headless Chromium, used as staff use them: search, filters
in the URL, stat cards, pages, a phone, a hostile customer name, an order arriving while the list is open."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from bot.staff.roles import Role
from orders.commands import ChangeStatus, LineRequest, PlaceOrder
from orders.model import Customer, Lead
from orders.status import OrderStatus
from tests.dashboard.conftest import PHONE, Shop, no_sideways_scroll, screenshot, signed_in
from tests.shop import API_HEADERS

if TYPE_CHECKING:
    from playwright.async_api import Browser, Locator, Page

playwright = pytest.importorskip("playwright.async_api")
expect = playwright.expect
XSS = "<img src=x onerror=alert(1)>"


async def place(shop: Shop, name: str, phone: str, lead: Lead | None = None, quantity: int = 1) -> int:
    command = PlaceOrder(
        lines=(LineRequest(quantity, "CHAI-MASALA"),),
        customer=Customer(name, phone),
        lead=lead,
        channel=lead.channel if lead else "website",
        delivery_method="shipping",
        delivery_address="12 MG Road, Bengaluru",
    )
    return (await shop.services.orders.place(command)).order.number


async def ship(shop: Shop, number: int, tracking: str, carrier: str) -> None:
    await shop.services.orders.change_status(ChangeStatus(number, OrderStatus.CONFIRMED, "test"))
    await shop.services.orders.change_status(
        ChangeStatus(number, OrderStatus.SHIPPED, "test", tracking, carrier)
    )


async def a_small_shop(shop: Shop) -> dict[str, int]:
    """Asha (telegram, three orders, one shipped), Ravi (whatsapp), Mei (website)."""
    asha = Lead("telegram", "5551")
    numbers = {
        "asha1": await place(shop, "Asha Rao", "+91 98450 11111", asha),
        "ravi": await place(shop, "Ravi Kumar", "+91 98450 22222", Lead("whatsapp", "919845022222")),
        "mei": await place(shop, "Mei Lin", "+86 139 0000 3333"),
        "asha2": await place(shop, "Asha Rao", "+91 98450 11111", asha),
    }
    await ship(shop, numbers["asha1"], "DL123456789IN", "Delhivery")
    return numbers


def rows(page: Page) -> Locator:
    return page.locator("table.orders tbody tr")


async def test_staff_find_orders_by_search_filters_and_cards_and_the_url_keeps_them(
    browser: Browser, shop: Shop
) -> None:
    numbers = await a_small_shop(shop)
    page = await signed_in(browser, shop, await shop.member("ops@chai.example", Role.OPS))
    await expect(page.get_by_role("heading", name=re.compile("^Orders"))).to_contain_text("4")
    await expect(page.get_by_role("link", name="Create order")).to_have_attribute("href", "/admin/orders/new")
    await expect(rows(page)).to_have_count(4)
    await screenshot(page, "orders-list-desktop")

    await page.get_by_label("Search").fill("22222")  # part of Ravi's phone
    await page.get_by_role("button", name="Search").click()
    await expect(rows(page)).to_have_count(1)
    await expect(rows(page)).to_contain_text("Ravi Kumar")

    await page.goto(f"{shop.url}/admin/orders")
    await page.get_by_text("Filters").click()
    await page.get_by_label("Status", exact=True).select_option("shipped")
    await page.get_by_label("Tracking number (exact)").fill("DL123456789IN")
    await page.get_by_role("button", name="Apply").click()
    await expect(page).to_have_url(re.compile(r"status=shipped.*tracking=DL123456789IN"))
    await expect(rows(page)).to_have_count(1)
    row = page.locator("table.orders tbody tr").first
    await expect(row).to_contain_text(f"#{numbers['asha1']}")
    await expect(row).to_contain_text("In transit")
    await expect(row).to_contain_text("Delivery control")
    await expect(page.locator("summary .pill")).to_have_text("2")  # two filters are on
    bookmarked = page.url
    fresh = await signed_in(browser, shop, "ops@chai.example")
    await fresh.goto(bookmarked)  # a filtered view can be shared
    await expect(rows(fresh)).to_have_count(1)
    await expect(fresh.get_by_label("Status", exact=True)).to_have_value("shipped")

    await page.get_by_text("Filters").click()
    await page.get_by_role("link", name="Clear").click()
    await expect(rows(page)).to_have_count(4)
    await page.get_by_role("link", name=re.compile("^New")).first.click()  # the New card
    await expect(page).to_have_url(re.compile(r"group=new"))
    await expect(rows(page)).to_have_count(3)
    await page.get_by_role("link", name="Pending").click()
    await expect(page).to_have_url(re.compile(r"status=pending$"))
    await page.get_by_role("link", name=re.compile("^Total")).click()
    await expect(rows(page)).to_have_count(3)  # the Pending tab stays


async def test_cards_show_what_came_in_the_period_and_markers_name_new_and_returning_customers(
    browser: Browser, shop: Shop
) -> None:
    numbers = await a_small_shop(shop)
    page = await signed_in(browser, shop, await shop.member("m@chai.example", Role.MANAGER))
    today = shop.services.clock().date().isoformat()
    await page.goto(f"{shop.url}/admin/orders?date_from={today}&date_to={today}")
    await expect(page.locator(".stat-total")).to_contain_text("+4 in period")
    await expect(page.locator(".stat-in_transit")).to_contain_text("+1 in period")
    ravi = page.locator(f"tr[data-number='{numbers['ravi']}']")
    await expect(ravi.locator(".marker-new")).to_have_text("New")
    asha = page.locator(f"tr[data-number='{numbers['asha2']}']")
    await expect(asha.locator(".marker-new")).to_have_count(0)  # her second order
    await expect(asha.get_by_text("Cash on delivery")).to_be_visible()
    await asha.get_by_role("link", name="Asha Rao").click()
    await expect(page.get_by_role("heading", name="Asha Rao")).to_be_visible()
    await expect(page.locator("table.orders tbody tr")).to_have_count(2)
    await screenshot(page, "customer-desktop")
    await page.get_by_role("link", name="Customers").first.click()
    await expect(page.locator("table.orders tbody tr")).to_have_count(3)  # Asha, Ravi, Mei


async def test_pages_of_ten_twenty_five_or_fifty_with_previous_and_next(browser: Browser, shop: Shop) -> None:
    for i in range(12):
        await place(shop, f"Shopper {i:02}", f"+91 90000 000{i:02}")
    page = await signed_in(browser, shop, await shop.member("ops@chai.example", Role.OPS))
    await expect(page.locator(".pager .range")).to_have_text("1–12 of 12")
    await page.get_by_role("link", name="10", exact=True).click()
    await expect(page.locator(".pager .range")).to_have_text("1–10 of 12")
    await expect(page.locator("table.orders tbody tr").first).to_contain_text("Shopper 11")  # newest first
    await page.get_by_role("link", name="Next").click()
    await expect(page.locator(".pager .range")).to_have_text("11–12 of 12")
    await expect(page.locator("table.orders tbody tr").last).to_contain_text("Shopper 00")
    await page.get_by_role("link", name="Previous").click()
    await expect(page).to_have_url(re.compile(r"per_page=10&page=1$|per_page=10$"))


async def test_on_a_phone_orders_are_cards_filters_a_panel_and_nothing_scrolls_sideways(
    browser: Browser, shop: Shop
) -> None:
    await a_small_shop(shop)
    await place(shop, "Srinivasaraghavan Venkataramanan-Iyengar", "+91 98450 99999999999999")
    email = await shop.member("ops@chai.example", Role.OPS)
    page = await signed_in(browser, shop, email, viewport=PHONE)
    await expect(page.locator("table.orders thead")).to_be_hidden()
    assert await no_sideways_scroll(page)
    await screenshot(page, "orders-list-phone")
    await page.get_by_text("Filters").click()
    await expect(page.get_by_label("Delivery service")).to_be_visible()
    assert await no_sideways_scroll(page)
    await screenshot(page, "orders-list-phone-filters")
    await page.goto(f"{shop.url}/admin/customers")
    assert await no_sideways_scroll(page)


async def test_a_customer_named_like_html_is_shown_as_text(browser: Browser, shop: Shop) -> None:
    await place(shop, XSS, "+91 98450 66666", Lead("telegram", "666"))
    page = await signed_in(browser, shop, await shop.member("ops@chai.example", Role.OPS))
    dialogs: list[str] = []
    page.on("dialog", lambda d: dialogs.append(d.message))
    await expect(page.get_by_role("link", name=XSS)).to_be_visible()
    assert await page.locator("table.orders img[src='x']").count() == 0
    await page.get_by_role("link", name=XSS).click()
    await expect(page.get_by_role("heading", name=XSS)).to_be_visible()
    await page.goto(f"{shop.url}/admin/customers?q=onerror")
    await expect(page.get_by_role("link", name=XSS)).to_be_visible()
    assert dialogs == []


async def test_a_new_order_appears_without_reloading_with_a_notice_and_the_counters_follow(
    browser: Browser, shop: Shop
) -> None:
    await place(shop, "Asha Rao", "+91 98450 11111")
    await place(shop, "Ravi Kumar", "+91 98450 22222")
    page = await signed_in(browser, shop, await shop.member("ops@chai.example", Role.OPS))
    await expect(page.locator(".stat-new .stat-count")).to_have_text("2")
    await page.evaluate("window.__same_page = true")  # gone if the page reloaded
    body = {
        "customer": {"name": "Mei Lin", "phone": "+86 139 0000 3333"},
        "items": [{"sku": "CHAI-GINGER", "quantity": 2}],
        "delivery": {"method": "shipping", "address": "1 Nanjing Road"},
    }
    placed = await shop.client.post("/api/v1/orders", json=body, headers=API_HEADERS)
    number = placed.json()["number"]
    notice = page.get_by_role("status").filter(has_text="New order")
    await expect(notice).to_have_text(f"New order #{number}", timeout=15_000)
    await expect(page.locator("table.orders tbody tr").first).to_contain_text("Mei Lin")
    await expect(page.locator("#orders-total")).to_have_text("3")
    await expect(page.locator(".stat-new .stat-count")).to_have_text("3")
    assert await page.evaluate("window.__same_page === true")
    await screenshot(page, "orders-list-new-order")


async def test_empty_states_tell_no_orders_yet_from_nothing_found(browser: Browser, shop: Shop) -> None:
    page = await signed_in(browser, shop, await shop.member("ops@chai.example", Role.OPS))
    await expect(page.get_by_role("heading", name="No orders yet")).to_be_visible()
    await place(shop, "Asha Rao", "+91 98450 11111")
    await page.goto(f"{shop.url}/admin/orders?q=nobody-like-this")
    await expect(page.get_by_role("heading", name="No orders found — clear filters")).to_be_visible()
    await page.get_by_role("link", name="Clear filters").click()
    await expect(page.locator("table.orders tbody tr")).to_have_count(1)


async def test_bad_filter_values_are_named_and_left_out_never_an_error_page(shop: Shop) -> None:
    await shop.member("ops@chai.example", Role.OPS)
    token, _ = await shop.services.sign_ins.sign_in("ops@chai.example", "a-long-test-password", "test")
    cookies = {"Cookie": f"chatcart_session={token}"}
    for query in ("status=lost", "date_from=2026-13-45", "per_page=7&page=-1", "group=vip", "q=" + "x" * 500):
        answer = await shop.client.get(f"/admin/orders?{query}", headers=cookies)
        assert answer.status_code == 200, query
    answer = await shop.client.get("/admin/orders?status=lost", headers=cookies)
    assert "Unknown status" in answer.text
    missing = await shop.client.get("/admin/customers/telegram:nobody", headers=cookies)
    assert missing.status_code == 404
