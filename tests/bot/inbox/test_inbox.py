"""The conversations as staff read them, on SQLite and PostgreSQL: newest activity first, by channel, by a
name or phone from the shopper's orders or answers, each with its order count; one conversation with its
orders and the messages written for it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from bot.conversations.sql import SqlConversations
from bot.inbox.service import Inbox, open_url
from catalog.service import CatalogService
from flows.conversation import CartLine, Conversation, Step
from flows.messages import ConversationKey
from orders.commands import ChangeStatus, LineRequest, PlaceOrder
from orders.db.engine import Database
from orders.db.tables import outbox
from orders.model import Customer, Lead
from orders.services import OrderService
from orders.status import OrderStatus
from orders.store import StoreConfig
from tests.conftest import Clock


@pytest.fixture
async def people(db: Database, store: StoreConfig, clock: Clock, catalog: CatalogService) -> Inbox:
    """Asha (telegram, two orders), Meena (whatsapp, a phone given in chat, no order), a web visitor."""
    conversations, orders = SqlConversations(db), OrderService(db, store, clock=clock)
    asha = Conversation(ConversationKey("telegram", "42"), "en", state=Step.CART_MENU.value)
    asha.cart.append(CartLine("TEA", "Masala chai", 2, 12000, {"sugar": "Less sugar"}))
    meena = Conversation(ConversationKey("whatsapp", "919845012345"), "hi", state=Step.SUMMARY.value)
    meena.answers["phone"] = "+91 98450-12345"
    visitor = Conversation(ConversationKey("web", "s-1_%"), "en")
    for minutes, conversation in enumerate((asha, visitor, meena)):
        await conversations.save(conversation, clock.now + timedelta(minutes=minutes))
    for name in ("Asha Rao", "Asha R."):
        await orders.place(
            PlaceOrder(
                lines=(LineRequest(1, "TEA"),),
                customer=Customer(name, "+91 90000 11111"),
                lead=Lead("telegram", "42"),
                delivery_address="12 MG Road",
            )
        )
    return Inbox(db, store.currency)


async def test_newest_activity_first_with_step_cart_and_orders(people: Inbox) -> None:
    rows, total = await people.page("", "", 1, 25)
    assert total == 3
    assert [(r.channel, r.step, r.orders) for r in rows] == [
        ("whatsapp", "Reviewing the order summary", 0),
        ("web", "Not ordering", 0),
        ("telegram", "Cart: add more or check out", 2),
    ]
    asha = rows[2]
    assert (asha.name, asha.phone, asha.cart.items) == ("Asha R.", "+91 90000 11111", 2)  # the newest order's
    assert asha.cart.lines == [(2, "Masala chai (Less sugar)", "₹240.00")]
    assert rows[0].phone == "+91 98450-12345"  # told in chat, no order yet
    assert await people.channels() == ["telegram", "web", "whatsapp"]


@pytest.mark.parametrize(
    ("channel", "query", "found"),
    [
        ("telegram", "", ["42"]),
        ("", "asha", ["42"]),
        ("", "90000 11111", ["42"]),
        ("", "9000011111", ["42"]),
        ("", "98450 12345", ["919845012345"]),  # the phone the shopper typed in chat
        ("", "_%", ["s-1_%"]),  # LIKE's wildcards are matched as themselves
        ("", "1%", []),  # not "any text after 1"
        ("whatsapp", "asha", []),
        ("", "nobody", []),
    ],
)
async def test_filter_by_channel_and_search_by_name_or_phone(
    people: Inbox, channel: str, query: str, found: list[str]
) -> None:
    rows, total = await people.page(channel, query, 1, 25)
    assert [r.user_id for r in rows] == found and total == len(found)


async def test_pages_do_not_repeat_or_skip(people: Inbox) -> None:
    first, total = await people.page("", "", 1, 2)
    second, _ = await people.page("", "", 2, 2)
    assert total == 3 and [r.user_id for r in first + second] == ["919845012345", "s-1_%", "42"]
    assert await people.page("", "asha", 1, 25) == ((await people.page("telegram", "", 1, 25))[0], 1)
    assert await people.page("", "asha", 2, 25) == ([], 1)  # past a search's last page: still counted


async def test_one_conversation_has_its_orders_and_messages_with_delivery(
    people: Inbox, db: Database, store: StoreConfig, clock: Clock
) -> None:
    orders = OrderService(db, store, clock=clock)
    await orders.change_status(ChangeStatus(1001, OrderStatus.CONFIRMED, "ops"))
    await orders.change_status(ChangeStatus(1002, OrderStatus.CANCELLED, "ops"))
    await db.write(
        lambda conn: conn.execute(
            update(outbox)
            .where(outbox.c.dedupe_key.like("%cancelled%"))
            .values(status="dead", last_error="blocked")
        )
    )
    found = await people.one("telegram", "42")
    assert found is not None and found.stored
    assert [(o.number, o.status) for o in found.orders] == [(1002, "Cancelled"), (1001, "Confirmed")]
    said = [(m.delivery, m.error, m.text.split(".")[0]) for m in found.messages]
    assert said == [
        ("failed", "blocked", "Your order #1002 has been cancelled"),
        ("pending", "", "Your order #1001 is confirmed"),
    ]
    assert found.open_url == ""  # Telegram: no username kept
    assert await people.one("telegram", "404") is None


def test_whatsapp_opens_by_number_and_other_channels_give_no_link() -> None:
    assert open_url("whatsapp", "919845012345", "") == "https://wa.me/919845012345"
    assert open_url("messenger", "psid-1", "+91 98450 12345") == ""
