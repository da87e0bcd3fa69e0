"""Conversations in a browser, as staff read them: the list (newest activity first, by channel, by name or
phone, pages, a phone's cards) and one conversation (who, where in the flow, the cart, the orders, the
messages sent with their delivery), reached from an order's Conversation card; hostile names stay text."""

from __future__ import annotations

import itertools
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from bot.conversations.sql import SqlConversations
from bot.staff.roles import Role
from flows.conversation import CartLine, Conversation, Step
from flows.messages import ConversationKey
from orders.commands import ChangeStatus, LineRequest, PlaceOrder
from orders.model import Customer, Lead
from orders.status import OrderStatus
from tests.dashboard.conftest import PHONE, Shop, no_sideways_scroll, screenshot, signed_in
from tests.dashboard.test_order_page import XSS, open_order
from tests.fakes import FakeServer, Recorded, serve_fake
from tests.shop import running_shop, shop_settings
from tests.telegram_fake import SECRET, TelegramUser, bot_api_params, eventually, telegram_answer

if TYPE_CHECKING:
    from playwright.async_api import Browser

playwright = pytest.importorskip("playwright.async_api")
expect = playwright.expect
BLOCKED = 666  # a Telegram chat that blocked the bot: every message to it fails for good
WHATSAPP = "919845012345"


def _answer(request: Recorded) -> tuple[int, object]:
    if request.path.endswith("/sendMessage") and str(bot_api_params(request)["chat_id"]) == str(BLOCKED):
        return 403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}
    return telegram_answer(request)


@pytest.fixture
async def chats(tmp_path: Path) -> AsyncIterator[tuple[Shop, FakeServer]]:
    """A shop whose Telegram bot talks to a fake Bot API on 127.0.0.1 (one chat there blocked the bot)."""
    async with serve_fake(FakeServer(respond=_answer)) as fake:
        settings = shop_settings(
            tmp_path, telegram_token="123:TEST", telegram_webhook_secret=SECRET, telegram_api_url=fake.url
        )
        async with running_shop(settings) as (client, services):
            yield Shop(str(client.base_url).rstrip("/"), client, services), fake


async def _order(shop: Shop, lead: Lead, name: str, phone: str) -> int:
    placed = await shop.services.orders.place(
        PlaceOrder(
            lines=(LineRequest(1, "CHAI-MASALA"),),
            customer=Customer(name, phone),
            lead=lead,
            delivery_address="12 MG Road",
        )
    )
    return placed.order.number


async def _people(shop: Shop, fake: FakeServer) -> tuple[TelegramUser, int]:
    """Asha (a hostile name) with two chais in her cart and an order; Ravi who ordered; a WhatsApp
    shopper at the summary whose messages wait (no WhatsApp account here), written last."""
    updates = itertools.count(1)
    asha = TelegramUser(shop.client, fake, 4242, name="Asha", update_counter=updates)
    await asha.says("2 masala chai")
    await eventually(asha.inbox)  # Asha's turn before Ravi's: the list is newest first
    number = await _order(shop, Lead("telegram", "4242"), XSS, "+91 98450 00001")
    ravi = TelegramUser(shop.client, fake, 77, name="Ravi", update_counter=updates)
    await ravi.says("hi")
    await _order(shop, Lead("telegram", "77"), "Ravi Kumar", "+91 90000 11111")
    blocked = TelegramUser(shop.client, fake, BLOCKED, name="Gone", update_counter=updates)
    await blocked.says("hi")
    for shopper in (asha, ravi, blocked):  # each turn answered (its conversation saved)
        await eventually(lambda shopper=shopper: shopper.inbox())
    meena = Conversation(ConversationKey("whatsapp", WHATSAPP), "en", state=Step.SUMMARY.value)
    meena.cart.append(CartLine("SAMOSA", "Samosa", 3, 6000))
    later = shop.services.clock() + timedelta(minutes=5)
    await SqlConversations(shop.services.db).save(meena, later)
    wa = await _order(shop, Lead("whatsapp", WHATSAPP), "Meena", "+91 98450 12345")
    await shop.services.orders.change_status(ChangeStatus(wa, OrderStatus.CONFIRMED, "ops@chai.example"))
    return asha, number


async def test_the_list_finds_conversations_by_channel_name_and_phone(
    browser: Browser, chats: tuple[Shop, FakeServer]
) -> None:
    shop, fake = chats
    await _people(shop, fake)
    page = await signed_in(browser, shop, await shop.member("ops@chai.example", Role.OPS))
    dialogs: list[str] = []
    page.on("dialog", lambda d: dialogs.append(d.message))
    await page.get_by_role("navigation", name="Dashboard").get_by_role("link", name="Conversations").click()
    await expect(page.get_by_role("heading", name="Conversations")).to_contain_text("4")
    rows = page.locator("table.conversations tbody tr")
    await expect(rows).to_have_count(4)
    await expect(rows.nth(0)).to_contain_text("Meena")  # newest activity first
    await expect(rows.nth(0)).to_contain_text("Reviewing the order summary")
    await expect(rows.nth(0)).to_contain_text("3 item(s) · ₹180.00")
    asha = rows.filter(has_text="4242")
    await expect(asha).to_contain_text(XSS)
    await expect(asha).to_contain_text("Cart: add more or check out")
    await expect(asha).to_contain_text("2 item(s) · ₹240.00")
    await expect(asha.locator('td[data-label="Orders"]')).to_have_text("1")
    await expect(page.locator("table.conversations img")).to_have_count(0)
    await screenshot(page, "conversations-desktop")
    await page.get_by_label("Channel").select_option("whatsapp")
    await page.get_by_role("button", name="Search").click()
    await expect(rows).to_have_count(1)
    await expect(page).to_have_url(re.compile(r"channel=whatsapp"))
    await page.get_by_label("Channel").select_option("")
    for typed, who in (("90000 11111", "Ravi Kumar"), ("ravi", "Ravi Kumar"), ("9845012345", "Meena")):
        await page.get_by_label("Search").fill(typed)
        await page.get_by_role("button", name="Search").click()
        await expect(rows).to_have_count(1)
        await expect(rows.nth(0)).to_contain_text(who)
    await page.get_by_label("Search").fill("nobody-like-this")
    await page.get_by_role("button", name="Search").click()
    await expect(page.get_by_role("heading", name="No conversations found")).to_be_visible()
    assert dialogs == []
    phone = await signed_in(browser, shop, "ops@chai.example", viewport=PHONE)
    await phone.goto(f"{shop.url}/admin/conversations")
    await expect(phone.locator("table.conversations tbody tr")).to_have_count(4)
    assert await no_sideways_scroll(phone)
    await screenshot(phone, "conversations-phone")


async def test_the_list_pages_newest_first(browser: Browser, chats: tuple[Shop, FakeServer]) -> None:
    shop, _fake = chats
    store, start = SqlConversations(shop.services.db), shop.services.clock()
    for i in range(27):
        await store.save(
            Conversation(ConversationKey("web", f"visitor-{i:02}"), "en"), start + timedelta(seconds=i)
        )
    page = await signed_in(browser, shop, await shop.member("manager@chai.example", Role.MANAGER))
    await page.goto(f"{shop.url}/admin/conversations?channel=web")
    await expect(page.get_by_text("1–25 of 27")).to_be_visible()
    await expect(page.locator("table.conversations tbody tr").nth(0)).to_contain_text("visitor-26")
    await page.get_by_role("link", name="Next").click()
    await expect(page.get_by_text("26–27 of 27")).to_be_visible()
    await expect(page.locator("table.conversations tbody tr")).to_have_text(
        [re.compile("visitor-01"), re.compile("visitor-00")]
    )
    await expect(page).to_have_url(re.compile(r"channel=web"))


async def test_one_conversation_shows_the_cart_orders_and_messages_with_their_delivery(
    browser: Browser, chats: tuple[Shop, FakeServer]
) -> None:
    shop, fake = chats
    asha, number = await _people(shop, fake)
    await eventually(lambda: any(m.text.startswith("Added 2 × Masala chai") for m in asha.inbox()))
    page = await signed_in(browser, shop, await shop.member("ops@chai.example", Role.OPS))
    dialogs: list[str] = []
    page.on("dialog", lambda d: dialogs.append(d.message))
    await open_order(page, shop, number)
    await page.get_by_role("link", name="Open conversation").click()
    await expect(page).to_have_url(re.compile(r"/admin/conversations/telegram:4242$"))
    await expect(page.get_by_role("heading", level=1)).to_have_text(XSS)
    flow = page.get_by_role("region", name="In the flow")
    await expect(flow).to_contain_text("Cart: add more or check out")
    await expect(flow.get_by_role("listitem").filter(has_text="2 × Masala chai")).to_contain_text("₹240.00")
    await page.get_by_role("region", name="Orders").get_by_role("link", name=f"#{number}").is_visible()
    sent = page.get_by_role("region", name="Messages sent")
    await expect(sent).to_contain_text("Messages from the shopper are not stored")
    added = sent.get_by_role("listitem").filter(has_text="Added 2 × Masala chai.")
    await expect(added).to_contain_text("Sent")
    await expect(sent.get_by_role("listitem").filter(has_text="Add more or check out?")).to_contain_text(
        "Checkout"
    )
    await expect(page.get_by_role("link", name=re.compile("^Open in"))).to_have_count(0)
    await expect(page.get_by_text("Telegram opens a chat only by username")).to_be_visible()
    await expect(page.locator("main img")).to_have_count(0)
    assert dialogs == []
    await screenshot(page, "conversation-desktop")

    await page.goto(f"{shop.url}/admin/conversations/telegram:{BLOCKED}")
    failed = page.get_by_role("region", name="Messages sent").get_by_role("listitem").first
    await expect(failed).to_contain_text("Failed", timeout=15_000)
    await expect(failed).to_contain_text("blocked")

    await page.goto(f"{shop.url}/admin/conversations?lead=whatsapp%3A{WHATSAPP}")
    await expect(page).to_have_url(re.compile(f"/admin/conversations/whatsapp:{WHATSAPP}$"))
    await expect(page.get_by_role("link", name="Open in WhatsApp")).to_have_attribute(
        "href", f"https://wa.me/{WHATSAPP}"
    )
    waiting = page.get_by_role("region", name="Messages sent").get_by_role("listitem").first
    await expect(waiting).to_contain_text("is confirmed")
    await expect(waiting).to_contain_text("Pending")
    phone = await signed_in(browser, shop, "ops@chai.example", viewport=PHONE)
    await phone.goto(f"{shop.url}/admin/conversations/telegram:4242")
    assert await no_sideways_scroll(phone)
    await screenshot(phone, "conversation-phone")


async def test_an_unknown_conversation_is_a_404_page(
    browser: Browser, chats: tuple[Shop, FakeServer]
) -> None:
    shop, _fake = chats
    page = await signed_in(browser, shop, await shop.member("ops@chai.example", Role.OPS))
    for missing in ("telegram:999", "nocolon", "x" * 300):
        response = await page.goto(f"{shop.url}/admin/conversations/{missing}")
        assert response is not None and response.status == 404
        await expect(page.get_by_role("heading", name="No such conversation")).to_be_visible()
