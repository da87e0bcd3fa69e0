"""Issue 12's scenario: shoppers on Telegram pay through Stripe Checkout (a fake Stripe API on 127.0.0.1,
events signed as Stripe signs them); the order turns paid and confirmed by itself, and both sides are told."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
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

    def admin() -> list[str]:
        return [m.text for m in bot_messages(telegram_api) if m.chat_id == str(ADMIN)]

    await eventually(lambda: any(t.startswith("Payment for order #1001: ₹120.00 (Stripe)") for t in admin()))
    assert len(stripe_api.creations) == 1

    # Every event again, five times: nothing changes twice.
    for _ in range(5):
        again = await deliver(app, stripe_api.events[0])
        assert again.json() == {"received": True, "applied": False}
    assert len((await order(app, 1001))["payments"]) == 1
    after = await app.get(path, follow_redirects=False)
    assert after.status_code == 200 and "This order is paid" in after.text


async def test_an_abandoned_checkout_shows_as_failed_and_the_same_link_still_completes_it(
    app: httpx.AsyncClient, stripe_api: StripeFake, telegram_api: FakeServer
) -> None:
    a = shopper(app, telegram_api, 222)
    await order_samosas(a)
    path = await pay_link(a)
    [first] = stripe_api.sessions
    expired = await deliver(app, stripe_api.expire(first))
    assert expired.json()["applied"] is True
    found = await order(app, 1001)
    assert (found["status"], found["payment_status"]) == ("pending", "failed")
    failed = await app.get("/api/v1/orders?payment_status=failed", headers=API_HEADERS)
    assert [o["number"] for o in failed.json()["items"]] == [1001]

    reopened = await app.get(path, follow_redirects=False)  # the link from the chat, days later
    assert reopened.status_code == 303
    second = next(s for s in stripe_api.sessions if s != first)
    assert reopened.headers["location"] == stripe_api.sessions[second]["url"]
    assert (await app.get(path, follow_redirects=False)).headers["location"] == reopened.headers["location"]
    await deliver(app, stripe_api.pay(second))
    found = await order(app, 1001)
    assert (found["status"], found["payment_status"], found["amount_due"]) == ("confirmed", "paid", 0)
    # The first session's expiry arriving again, or late, changes nothing now.
    await deliver(app, stripe_api.events[0])
    await deliver(app, stripe_api.expire(first))
    assert (await order(app, 1001))["payment_status"] == "paid"


@pytest.mark.parametrize(
    ("signature", "why"),
    [("forged", "wrong secret"), ("stale", "ten minutes old"), ("missing", "no header")],
)
async def test_a_forged_stale_or_missing_signature_is_refused_and_nothing_changes(
    app: httpx.AsyncClient, stripe_api: StripeFake, telegram_api: FakeServer, signature: str, why: str
) -> None:
    a = shopper(app, telegram_api, 333)
    await order_samosas(a)
    await pay_link(a)
    [session] = stripe_api.sessions
    event = stripe_api.pay(session)
    if signature == "forged":
        response = await deliver(app, event, secret="whsec_someone_else")
    elif signature == "stale":
        response = await deliver(app, event, timestamp=int(time.time()) - 600)
    else:
        response = await app.post("/webhooks/stripe", content=json.dumps(event).encode())
    assert response.status_code == 400, why
    assert response.json()["code"] == "bad_signature"
    found = await order(app, 1001)
    assert (found["status"], found["payment_status"], found["payments"]) == ("pending", "pending", [])
    # The genuine delivery of the same event is still applied: the refused one claimed nothing.
    assert (await deliver(app, event)).json()["applied"] is True


async def test_events_out_of_order_twice_and_at_once_end_in_the_same_state(
    app: httpx.AsyncClient, stripe_api: StripeFake, telegram_api: FakeServer
) -> None:
    a = shopper(app, telegram_api, 444)
    await order_samosas(a)
    await pay_link(a)
    [session] = stripe_api.sessions
    paid = stripe_api.pay(session)
    partial = stripe_api.refund_event(session, 2000)
    full = stripe_api.refund_event(session, 12000)
    # A refund before its payment: refused for now (Stripe delivers it again), nothing claimed.
    early = await deliver(app, partial)
    assert (early.status_code, early.json()["code"]) == (409, "payment_not_recorded")
    answers = await asyncio.gather(*(deliver(app, paid) for _ in range(5)))
    assert sorted(r.json()["applied"] for r in answers) == [False, False, False, False, True]
    await deliver(app, full)
    for _ in range(5):  # the older, partial refund arriving late and again never lowers the refund
        assert (await deliver(app, partial)).status_code == 200
    found = await order(app, 1001)
    assert found["payment_status"] == "refunded"
    [payment] = found["payments"]
    assert (payment["refunded"], payment["status"]) == (12000, "refunded")
    assert found["status"] == "confirmed"  # a refund is money, not fulfilment: staff decide what follows
    assert [e["kind"] for e in found["history"]].count("payment_refunded") == 1


async def test_a_partial_refund_keeps_the_order_paid_and_notes_it(
    app: httpx.AsyncClient, stripe_api: StripeFake, telegram_api: FakeServer
) -> None:
    a = shopper(app, telegram_api, 555)
    await order_samosas(a)
    await pay_link(a)
    [session] = stripe_api.sessions
    await deliver(app, stripe_api.pay(session))
    await deliver(app, stripe_api.refund_event(session, 2000))
    found = await order(app, 1001)
    assert (found["payment_status"], found["amount_paid"]) == ("paid", 10000)
    assert found["payments"][0]["status"] == "partially_refunded"
    refunds = [e["data"] for e in found["history"] if e["kind"] == "payment_refunded"]
    assert refunds == [{"payment_id": 1, "refunded": 2000, "amount": 12000}]


async def test_a_delayed_method_is_paid_on_async_success_and_failed_on_async_failure(
    app: httpx.AsyncClient, stripe_api: StripeFake, telegram_api: FakeServer
) -> None:
    a, b = shopper(app, telegram_api, 661), shopper(app, telegram_api, 662)
    await order_samosas(a)
    await pay_link(a)
    await order_samosas(b)
    await pay_link(b)
    first, second = list(stripe_api.sessions)
    await deliver(app, stripe_api.pay(first, delayed=True))  # completed, but the money is not there yet
    assert (await order(app, 1001))["payment_status"] == "pending"
    s = stripe_api.sessions[first] | {"payment_status": "paid"}
    await deliver(app, stripe_api.event("checkout.session.async_payment_succeeded", s))
    assert (await order(app, 1001))["payment_status"] == "paid"
    stripe_api.pay(second, delayed=True)
    failed = stripe_api.event("checkout.session.async_payment_failed", stripe_api.sessions[second])
    await deliver(app, failed)
    found = await order(app, 1002)
    assert (found["status"], found["payment_status"]) == ("pending", "failed")


async def test_one_checkout_per_order_under_twenty_concurrent_confirms(
    app: httpx.AsyncClient, stripe_api: StripeFake, telegram_api: FakeServer
) -> None:
    a = shopper(app, telegram_api, 777)
    await a.says("2 samosa")
    await a.presses("Checkout")
    await a.says("7 Park Street, Kolkata")
    confirm = next(data for m in reversed(a.inbox()) for label, data in m.buttons if label == "Confirm")

    def press(i: int) -> dict[str, Any]:
        query = {
            "id": f"cb-{i}",
            "from": {"id": 777, "is_bot": False, "first_name": "Asha", "language_code": "en"},
            "chat_instance": "1",
            "data": confirm,
            "message": {"message_id": 1, "date": 1_790_000_000, "chat": {"id": 777, "type": "private"}},
        }
        return {"update_id": 90_000 + i, "callback_query": query}

    answers = await asyncio.gather(*(a.post(press(i)) for i in range(20)))
    assert {r.status_code for r in answers} == {200}
    await pay_link(a)
    listed = (await app.get("/api/v1/orders", headers=API_HEADERS)).json()
    assert listed["total"] == 1
    await asyncio.sleep(0.3)  # a second link would be on its way by now
    assert len(stripe_api.creations) == 1 and len(stripe_api.sessions) == 1
    assert sum(1 for m in a.inbox() for label, _ in m.buttons if label == "Pay now") == 1


async def test_stripe_failing_is_retried_through_the_outbox_and_the_link_goes_out_once(
    app: httpx.AsyncClient, stripe_api: StripeFake, telegram_api: FakeServer
) -> None:
    stripe_api.fail_next = [500, 503]
    a = shopper(app, telegram_api, 888)
    await order_samosas(a)
    await eventually(lambda: len(stripe_api.server.requests) >= 2, attempts=400)
    path = await pay_link_slow(a)
    assert path.startswith("/pay/")
    keys = {r.headers["idempotency-key"] for r in stripe_api.creations}
    assert len(keys) == 1 and len(stripe_api.sessions) == 1  # every retry sent the same key and parameters


async def pay_link_slow(a: TelegramUser) -> str:
    """The relay retries a failing provider after a few seconds."""
    for _ in range(600):
        if any(label == "Pay now" for m in a.inbox() for label, _ in m.buttons):
            break
        await asyncio.sleep(0.05)
    return await pay_link(a)


async def test_i_have_paid_rechecks_the_session_with_stripe(
    app: httpx.AsyncClient, stripe_api: StripeFake, telegram_api: FakeServer
) -> None:
    a = shopper(app, telegram_api, 999_1)
    await order_samosas(a)
    await pay_link(a)
    await a.says("I've paid")
    await eventually(lambda: any(m.text.startswith("We have not received the payment") for m in a.inbox()))
    [session] = stripe_api.sessions
    stripe_api.pay(session)  # paid at Stripe; its webhook is late
    await a.says("ya pagué")
    await eventually(lambda: any(m.text.startswith("Payment received for order #1001") for m in a.inbox()))
    found = await order(app, 1001)
    assert (found["status"], found["payment_status"]) == ("confirmed", "paid")
    late = await deliver(app, stripe_api.events[-1])  # the webhook arrives after all: nothing twice
    assert late.json()["applied"] is True
    assert len((await order(app, 1001))["payments"]) == 1
