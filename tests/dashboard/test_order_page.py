"""One order's page in a browser, as staff use it: editing cards (with mistakes), lines and stock, a status
change that reaches the shopper's Telegram, the More menu, the sales manager, print, a phone, bad names."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from bot.staff.roles import Role
from orders.commands import LineRequest, PlaceOrder
from orders.model import Customer, Lead
from tests.dashboard.conftest import PHONE, Shop, no_sideways_scroll, screenshot, signed_in
from tests.fakes import FakeServer, serve_fake
from tests.shop import running_shop, shop_settings
from tests.telegram_fake import SECRET, bot_messages, eventually, telegram_answer

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

playwright = pytest.importorskip("playwright.async_api")
expect = playwright.expect
XSS = "<img src=x onerror=alert(1)>"


async def place(shop: Shop, quantity: int = 2, name: str = "Asha Rao", chat: str = "42") -> int:
    placed = await shop.services.orders.place(
        PlaceOrder(
            lines=(LineRequest(quantity, "CHAI-MASALA"),),
            customer=Customer(name, "+91 98450 12345"),
            lead=Lead("telegram", chat),
            delivery_address="12 MG Road, Bengaluru",
        )
    )
    return placed.order.number


async def stock(shop: Shop, sku: str) -> int | None:
    products, _ = await shop.services.catalog.list()
    return next(p.stock for p in products if p.sku == sku)


async def open_order(page: Page, shop: Shop, number: int) -> None:
    await page.goto(f"{shop.url}/admin/orders/{number}")
    await expect(page.get_by_role("heading", name=f"Order #{number}")).to_be_visible()


@pytest.fixture
async def telegram_shop(tmp_path: Path) -> AsyncIterator[tuple[Shop, FakeServer]]:
    """A shop whose Telegram bot talks to a fake Bot API on 127.0.0.1."""
    async with serve_fake(FakeServer(respond=telegram_answer)) as fake:
        settings = shop_settings(
            tmp_path,
            telegram_token="123:TEST",
            telegram_webhook_secret=SECRET,
            telegram_api_url=fake.url,
        )
        async with running_shop(settings) as (client, services):
            yield Shop(str(client.base_url).rstrip("/"), client, services), fake


async def test_a_card_edit_says_what_is_wrong_keeps_what_was_typed_and_then_saves(
    browser: Browser, shop: Shop
) -> None:
    number = await place(shop)
    page = await signed_in(browser, shop, await shop.member("ops@chai.example", Role.OPS))
    await open_order(page, shop, number)
    banner = page.get_by_role("region", name="Unsaved changes")
    await expect(banner).to_be_hidden()
    await page.get_by_role("link", name="Edit (Customer)").click()
    await expect(banner).to_be_visible()
    await page.get_by_label("Email").fill("asha@")
    await page.get_by_label("Phone").fill("call me maybe")
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_text("Invalid email")).to_be_visible()
    await expect(page.get_by_text("Invalid phone number")).to_be_visible()
    await expect(page.get_by_label("Email")).to_have_value("asha@")
    await expect(page.get_by_label("Email")).to_have_attribute("aria-invalid", "true")
    await screenshot(page, "order-edit-errors")
    await page.get_by_label("Email").fill("asha@example.com")
    await page.get_by_label("Phone").fill("+91 98450 00000")
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("status").filter(has_text="Order saved.")).to_be_visible()
    await expect(page.locator("#customer").get_by_text("asha@example.com")).to_be_visible()
    order = await shop.services.orders.get(number)
    assert (order.customer.email, order.customer.phone) == ("asha@example.com", "+91 98450 00000")
    assert order.history[-1].actor == "ops@chai.example"
    # Cancel discards what was typed.
    await page.get_by_role("link", name="Edit (Internal notes)").click()
    await page.get_by_label("Internal note", exact=True).fill("not to be kept")
    await banner.get_by_role("link", name="Cancel").click()
    await expect(page.get_by_text("No notes yet.")).to_be_visible()
    assert (await shop.services.orders.get(number)).note == ""


async def test_a_line_added_then_removed_takes_and_gives_back_stock(browser: Browser, shop: Shop) -> None:
    number = await place(shop)
    before = await stock(shop, "SNACK-SAMOSA")
    assert before is not None
    page = await signed_in(browser, shop, await shop.member("ops@chai.example", Role.OPS))
    await open_order(page, shop, number)
    await page.get_by_role("link", name="Edit (Products)").click()
    await page.get_by_label("Category").select_option("Snacks")
    await page.get_by_label("Search products").fill("samosa")
    await page.get_by_label("Product", exact=True).select_option("SNACK-SAMOSA")
    await page.get_by_label("Quantity", exact=True).fill("3")
    await page.get_by_role("button", name="Add product").click()
    await expect(page.get_by_label("Quantity of Samosa (2 pcs)")).to_have_value("3")
    await page.get_by_label("Quantity of Masala chai").fill("1")
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("status").filter(has_text="Order saved.")).to_be_visible()
    lines = page.locator("#products table.lines").first
    await expect(lines).to_contain_text("Samosa (2 pcs)")
    assert await stock(shop, "SNACK-SAMOSA") == before - 3
    assert await stock(shop, "CHAI-MASALA") == 200 - 1
    order = await shop.services.orders.get(number)
    assert order.subtotal == 12000 + 3 * 6000
    await expect(page.locator("#products .due")).to_contain_text(re.compile(r"₹\s?[0-9,]+\.00"))
    await expect(page.locator("#warehouse")).to_contain_text("Samosa (2 pcs)")
    await page.get_by_role("link", name="Edit (Products)").click()
    await page.get_by_label("Remove Samosa (2 pcs)").check()
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("status").filter(has_text="Order saved.")).to_be_visible()
    await expect(page.locator("#products table.lines").first).not_to_contain_text("Samosa")
    assert await stock(shop, "SNACK-SAMOSA") == before
    history = page.get_by_role("region", name="Order history")
    await expect(history).to_contain_text("removed Samosa (2 pcs)")
    await expect(history).to_contain_text("added 3 × Samosa (2 pcs)")


async def test_more_than_the_shelf_holds_is_refused_and_nothing_moves(browser: Browser, shop: Shop) -> None:
    number = await place(shop)
    page = await signed_in(browser, shop, await shop.member("ops@chai.example", Role.OPS))
    await open_order(page, shop, number)
    await page.get_by_role("link", name="Edit (Products)").click()
    await page.get_by_label("Quantity of Masala chai").fill("500")
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("alert")).to_contain_text("not enough stock for CHAI-MASALA")
    await expect(page.get_by_label("Quantity of Masala chai")).to_have_value("500")  # what was typed
    assert await stock(shop, "CHAI-MASALA") == 198
    assert (await shop.services.orders.get(number)).lines[0].quantity == 2


async def test_a_status_set_on_the_page_reaches_the_shoppers_telegram(
    browser: Browser, telegram_shop: tuple[Shop, FakeServer]
) -> None:
    shop, fake = telegram_shop
    number = await place(shop, chat="4242")
    page = await signed_in(browser, shop, await shop.member("ops@chai.example", Role.OPS))
    await open_order(page, shop, number)
    await page.get_by_role("link", name="Edit (Delivery & tracking)").click()
    await page.get_by_label("Package status").select_option(label="Confirmed")
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("status").filter(has_text="Order saved.")).to_be_visible()
    await page.get_by_role("link", name="Edit (Delivery & tracking)").click()
    await page.get_by_label("Delivery service").fill("BlueDart")
    await page.get_by_label("Tracking number").fill("BD-99812")
    await page.get_by_label("Expected delivery").fill("2026-12-24")
    await page.get_by_label("Package status").select_option(label="In transit")
    await page.get_by_role("button", name="Save").click()
    await expect(page.locator(".summary")).to_contain_text("In transit")
    await expect(page.locator(".summary")).to_contain_text("BD-99812")
    await expect(page.locator(".step-current")).to_have_text("In transit")

    def told() -> list[str]:
        return [m.text for m in bot_messages(fake) if m.chat_id == "4242"]

    on_its_way = f"Your order #{number} is on its way."
    await eventually(lambda: any(t.startswith(on_its_way) for t in told()))
    shipped = next(t for t in told() if t.startswith(on_its_way))
    assert "BD-99812" in shipped and "BlueDart" in shipped
    assert any(f"#{number} is confirmed" in t for t in told())
    history = page.get_by_role("region", name="Order history")
    await expect(history.get_by_text("Confirmed → In transit")).to_be_visible()
    await expect(history).to_contain_text("ops@chai.example")
    # The table forbids going back; the page offers only allowed moves.
    await page.get_by_role("link", name="Edit (Delivery & tracking)").click()
    options = await page.get_by_label("Package status").locator("option").all_text_contents()
    assert options == ["In transit (unchanged)", "Not picked up", "Delivered", "Returned"]


async def test_the_more_menu_copies_and_cancels_with_a_confirmation(browser: Browser, shop: Shop) -> None:
    number = await place(shop)
    page = await signed_in(browser, shop, await shop.member("ops@chai.example", Role.OPS))
    await open_order(page, shop, number)
    await page.get_by_text("More", exact=True).click()
    await page.get_by_role("button", name="Copy tracking number").click()
    await expect(page.locator("#toast")).to_have_text("No tracking number")
    await page.get_by_text("More", exact=True).click()
    asked: list[str] = []

    async def accept(dialog: object) -> None:
        asked.append(dialog.message)  # type: ignore[attr-defined]
        await dialog.accept()  # type: ignore[attr-defined]

    page.on("dialog", accept)
    await page.get_by_role("button", name="Cancel order").click()
    await expect(page.get_by_role("status").filter(has_text=f"Order #{number} is cancelled.")).to_be_visible()
    assert asked == ["Cancel this order?"]
    assert await stock(shop, "CHAI-MASALA") == 200
    await page.get_by_text("More", exact=True).click()
    await expect(page.get_by_role("button", name="Cancel order")).to_be_disabled()
    await expect(page.locator(".step-problem")).to_have_text("Cancelled")


async def test_the_sales_manager_is_added_unconfirmed_then_checked(browser: Browser, shop: Shop) -> None:
    number = await place(shop)
    await shop.member("seller@chai.example", Role.OPS)
    page = await signed_in(browser, shop, await shop.member("boss@chai.example", Role.MANAGER))
    await open_order(page, shop, number)
    await page.get_by_role("link", name="Add user").click()
    await page.get_by_label("Who made the sale").select_option("seller@chai.example")
    await page.get_by_role("button", name="Save").click()
    sales = page.get_by_role("region", name="Sales manager")
    await expect(sales.locator(".badge-unconfirmed")).to_have_text("Unconfirmed")
    await sales.get_by_role("button", name="Check").click()
    await expect(sales.locator(".badge-confirmed")).to_have_text("Confirmed")
    history = page.get_by_role("region", name="Order history")
    await expect(history).to_contain_text("Sale checked: seller@chai.example")
    await expect(history).to_contain_text("Sales manager assigned: seller@chai.example")
    ops = await signed_in(browser, shop, "seller@chai.example")
    await open_order(ops, shop, number)
    await expect(ops.get_by_role("link", name="Add user")).to_have_count(0)
    await expect(ops.get_by_role("button", name="Check")).to_have_count(0)


async def test_a_manual_order_and_a_draft_filled_in_later(browser: Browser, shop: Shop) -> None:
    page = await signed_in(browser, shop, await shop.member("ops@chai.example", Role.OPS))
    await page.goto(f"{shop.url}/admin/orders/new")
    await page.get_by_label("First name").fill("Meena")
    await page.get_by_label("Last name").fill("Iyer")
    await page.get_by_label("Phone").fill("+91 99000 11111")
    await page.get_by_label("Category").select_option("Sweets")
    await page.get_by_label("Product", exact=True).select_option("SWEET-JALEBI")
    await page.get_by_label("Quantity", exact=True).fill("2")
    await page.get_by_role("button", name="Add product").click()
    await page.get_by_role("button", name="Create order").click()
    await expect(page.get_by_text("Street")).to_be_visible()
    await expect(page.locator("#e-street")).to_have_text("Required")
    await expect(page.get_by_label("Quantity of Jalebi (250 g)")).to_have_value("2")  # kept, not lost
    await expect(page.get_by_label("First name")).to_have_value("Meena")
    await page.get_by_role("button", name="Add product").click()  # nothing picked: says so, adds nothing
    await expect(page.locator("#toast")).to_have_text("Choose a product first")
    await page.get_by_label("Street").fill("5 Park Street")
    await page.get_by_label("City").fill("Kolkata")
    await page.get_by_label("Postal code").fill("700016")
    await screenshot(page, "order-new")
    await page.get_by_role("button", name="Create order").click()
    await expect(page.get_by_role("status").filter(has_text="created.")).to_be_visible()
    number = int(page.url.split("/admin/orders/")[1].split("?")[0])
    order = await shop.services.orders.get(number)
    assert (order.source.value, order.customer.name, order.assignee) == (
        "manual",
        "Meena Iyer",
        "ops@chai.example",
    )
    assert [(line.sku, line.quantity) for line in order.lines] == [("SWEET-JALEBI", 2)]
    assert await stock(shop, "SWEET-JALEBI") == 58
    await expect(page.get_by_role("region", name="Order history")).to_contain_text("ops@chai.example")

    await page.goto(f"{shop.url}/admin/orders/new")
    await page.get_by_role("button", name="Save as draft").click()
    await expect(page.get_by_text("Product list is unavailable for this order")).to_be_visible()
    await page.get_by_role("link", name="Edit (Products)").click()
    await page.get_by_label("Product", exact=True).select_option("CHAI-GINGER")
    await page.get_by_role("button", name="Add product").click()
    await page.get_by_role("button", name="Save").click()
    await expect(page.locator("#products table.lines").first).to_contain_text("Ginger chai")
    assert await stock(shop, "CHAI-GINGER") == 149


async def test_the_print_page_is_a_clean_copy_with_a_print_button(browser: Browser, shop: Shop) -> None:
    number = await place(shop)
    page = await signed_in(browser, shop, await shop.member("ops@chai.example", Role.OPS))
    await open_order(page, shop, number)
    await page.get_by_role("link", name="Print").click()
    await expect(page).to_have_url(re.compile(f"/admin/orders/{number}/print$"))
    await expect(page.get_by_role("heading", name=f"Order #{number}")).to_be_visible()
    await expect(page.get_by_role("button", name="Print")).to_be_visible()
    await expect(page.get_by_role("navigation")).to_have_count(0)
    await expect(page.get_by_role("cell", name="Masala chai")).to_be_visible()
    await screenshot(page, "order-print")


async def test_the_order_page_on_a_phone_never_scrolls_sideways(browser: Browser, shop: Shop) -> None:
    number = await place(shop, name="Lakshmi Venkataraman Subramanian-Krishnamurthy")
    member = await shop.member("ops@chai.example", Role.OPS)
    desktop = await signed_in(browser, shop, member)
    await open_order(desktop, shop, number)
    await screenshot(desktop, "order-desktop")
    phone = await signed_in(browser, shop, member, viewport=PHONE)
    await open_order(phone, shop, number)
    assert await no_sideways_scroll(phone)
    await screenshot(phone, "order-phone")
    await phone.get_by_role("link", name="Edit (Products)").click()
    assert await no_sideways_scroll(phone)
    await screenshot(phone, "order-phone-editing")


async def test_a_hostile_name_is_shown_as_text(browser: Browser, shop: Shop) -> None:
    number = await place(shop, name=XSS)
    page = await signed_in(browser, shop, await shop.member("ops@chai.example", Role.OPS))
    dialogs: list[str] = []
    page.on("dialog", lambda d: dialogs.append(d.message))
    await open_order(page, shop, number)
    await expect(page.locator("#customer").get_by_text(XSS)).to_be_visible()
    await expect(page.locator("#customer img")).to_have_count(0)
    await page.goto(f"{shop.url}/admin/orders/{number}/print")
    await expect(page.get_by_text(XSS)).to_be_visible()
    assert dialogs == []


async def test_an_order_that_does_not_exist_is_a_404_page(browser: Browser, shop: Shop) -> None:
    page = await signed_in(browser, shop, await shop.member("ops@chai.example", Role.OPS))
    for missing in ("99999", "abc", "99999999999999"):
        response = await page.goto(f"{shop.url}/admin/orders/{missing}")
        assert response is not None and response.status == 404
        await expect(page.get_by_role("heading", name="Order not found")).to_be_visible()
