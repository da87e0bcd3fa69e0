"""Issue 12's scenario: shoppers on Telegram pay through Stripe Checkout (a fake Stripe API on 127.0.0.1, events
signed as Stripe signs them); the order turns paid and confirmed by itself, and both sides are told."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import POSTGRES_URL
from tests.fakes import FakeServer, serve_fake
from tests.shop import API_HEADERS, empty_postgres, running_shop, shop_settings
from tests.stripe_fake import SECRET_KEY, WEBHOOK_SECRET, StripeFake, deliver
from tests.telegram_fake import SECRET, TelegramUser, bot_messages, eventually, telegram_answer

needs_postgres = pytest.mark.skipif(POSTGRES_URL is None, reason="CHATCART_TEST_POSTGRES_URL not set")
ADMIN = 999
PUBLIC = "https://shop.example"


def store_toml(payment: str = '["online"]', currency: str = "INR") -> str:
    return f"""
[store]
name = "Chai Corner"
currency = "{currency}"
languages = ["en", "es"]
delivery = ["shipping"]
payment = {payment}

[[order_fields]]
name = "delivery_address"
required = true
"""


@pytest.fixture
async def stripe_api() -> AsyncIterator[StripeFake]:
    fake = StripeFake()
    async with serve_fake(fake.server):
        yield fake


@pytest.fixture
async def telegram_api() -> AsyncIterator[FakeServer]:
    async with serve_fake(FakeServer(respond=telegram_answer)) as fake:
        yield fake


async def _shop(
    tmp_path: Path, stripe: StripeFake, telegram: FakeServer, store: str, database_url: str | None = None
) -> Any:
    settings = shop_settings(
        tmp_path,
        store,
        database_url,
        telegram_token="123:TEST",
        telegram_webhook_secret=SECRET,
        telegram_api_url=telegram.url,
        telegram_admin_chat_id=str(ADMIN),
        stripe_secret_key=SECRET_KEY,
        stripe_webhook_secret=WEBHOOK_SECRET,
        stripe_api_url=stripe.url,
        public_url=PUBLIC,
    )
    return running_shop(settings)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=[pytest.mark.postgres, needs_postgres])])
async def app(
    request: pytest.FixtureRequest, tmp_path: Path, stripe_api: StripeFake, telegram_api: FakeServer
) -> AsyncIterator[httpx.AsyncClient]:
    database_url = await empty_postgres() if request.param == "postgres" else None
    async with await _shop(tmp_path, stripe_api, telegram_api, store_toml(), database_url) as (client, _):
        yield client


def shopper(app: httpx.AsyncClient, fake: FakeServer, chat_id: int) -> TelegramUser:
    return TelegramUser(app, fake, chat_id, update_counter=itertools.count(chat_id * 100))


async def order_samosas(a: TelegramUser) -> None:
    await a.says("2 samosa")
    await a.presses("Checkout")
    await a.says("7 Park Street, Kolkata")
    await a.presses("Confirm")


async def pay_link(a: TelegramUser) -> str:
    await eventually(lambda: any(b[0] == "Pay now" for m in a.inbox() for b in m.buttons))
    link = next(url for m in a.inbox() for label, url in m.buttons if label == "Pay now")
    assert link.startswith(f"{PUBLIC}/pay/")
    return link.removeprefix(PUBLIC)


async def order(app: httpx.AsyncClient, number: int) -> dict[str, Any]:
    response = await app.get(f"/api/v1/orders/{number}", headers=API_HEADERS)
    assert response.status_code == 200
    found: dict[str, Any] = response.json()
    return found


async def test_a_shopper_pays_through_the_link_and_the_order_confirms_itself(
    app: httpx.AsyncClient, stripe_api: StripeFake, telegram_api: FakeServer
) -> None:
    a = shopper(app, telegram_api, 111)
    await order_samosas(a)
    texts = [m.text for m in a.inbox()]
    assert texts[-1] == "Order #1001 is placed. Total ₹120.00. I am sending you a secure payment link now."
    assert not any("cash" in t.lower() for t in texts)  # an online-only store never mentions cash
    path = await pay_link(a)
    assert (await order(app, 1001))["payment_status"] == "pending"

    opened = await app.get(path, follow_redirects=False)
    assert opened.status_code == 303
    [session] = stripe_api.sessions.values()
    assert opened.headers["location"] == session["url"]
    assert (session["amount_total"], session["currency"], session["metadata"]) == (
        12000,
        "inr",
        {"order_number": "1001"},
    )
    assert session["line_item_name"] == "Order #1001"

    paid = await deliver(app, stripe_api.pay(session["id"]))
    assert paid.status_code == 200 and paid.json() == {"received": True, "applied": True}
    found = await order(app, 1001)
    assert (found["status"], found["payment_status"]) == ("confirmed", "paid")
    assert (found["amount_paid"], found["amount_due"]) == (12000, 0)
    [payment] = found["payments"]
    assert (payment["provider"], payment["reference"], payment["amount"]) == ("stripe", "pi_1", 12000)
    kinds = [e["kind"] for e in found["history"]]
    assert [k for k in kinds if k != "notification_sent"] == [
        "created",
        "payment_link_created",
        "payment_received",
        "status_changed",
    ]
    await eventually(lambda: any(m.text.startswith("Payment received for order #1001") for m in a.inbox()))
    await eventually(lambda: any(m.text.startswith("Your order #1001 is confirmed") for m in a.inbox()))
    admin = lambda: [m.text for m in bot_messages(telegram_api) if m.chat_id == str(ADMIN)]  # noqa: E731
    await eventually(lambda: any(t.startswith("Payment for order #1001: ₹120.00 (stripe)") for t in admin()))
    assert len(stripe_api.creations) == 1

    # Every event again, five times: nothing changes twice.
    for _ in range(5):
        again = await deliver(app, stripe_api.events[0])
        assert again.json() == {"received": True, "applied": False}
    assert len((await order(app, 1001))["payments"]) == 1
    after = await app.get(path, follow_redirects=False)
    assert after.status_code == 200 and "This order is paid" in after.text
