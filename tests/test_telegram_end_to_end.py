"""Issue 3's scenario: two Telegram shoppers order at once against a fake Bot API on 127.0.0.1."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import POSTGRES_URL
from tests.fakes import FakeServer, serve_fake
from tests.shop import API_TOKEN, empty_postgres, running_shop, shop_settings
from tests.telegram_fake import (
    SECRET,
    TelegramUser,
    bot_messages,
    eventually,
    telegram_answer,
)

needs_postgres = pytest.mark.skipif(POSTGRES_URL is None, reason="CHATCART_TEST_POSTGRES_URL not set")
ADMIN = 999


@pytest.fixture
async def telegram_api() -> AsyncIterator[FakeServer]:
    async with serve_fake(FakeServer(respond=telegram_answer)) as fake:
        yield fake


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=[pytest.mark.postgres, needs_postgres])])
async def app(
    request: pytest.FixtureRequest, tmp_path: Path, telegram_api: FakeServer
) -> AsyncIterator[httpx.AsyncClient]:
    """The real app on a loopback port, on SQLite or on PostgreSQL when that is configured."""
    database_url = await empty_postgres() if request.param == "postgres" else None
    settings = shop_settings(
        tmp_path,
        database_url=database_url,
        telegram_token="123:TEST",
        telegram_webhook_secret=SECRET,
        telegram_api_url=telegram_api.url,
        telegram_admin_chat_id=str(ADMIN),
    )
    async with running_shop(settings) as (client, _container):
        yield client


def shopper(
    app: httpx.AsyncClient, fake: FakeServer, chat_id: int, updates: itertools.count[int]
) -> TelegramUser:
    return TelegramUser(app, fake, chat_id, update_counter=updates)


async def order_five_teas(a: TelegramUser) -> None:
    await a.says("I want to order")
    await a.presses("Masala chai")  # first on the list: nothing sold yet, and the demo file lists it first
    await a.presses("2")
    await a.presses("Add more")
    await a.presses("More…")
    await a.says("masala chai")  # not on the second page: typing the name finds it
    await a.presses("3")
    await a.presses("Checkout")
    await a.says("12 MG Road, Bengaluru")
    await a.presses("Confirm")
    await a.presses("Confirm order")


async def order_samosas(b: TelegramUser) -> None:
    await b.says("2 samosa")
    await b.presses("Checkout")
    await b.says("7 Park Street, Kolkata")
    await b.presses("Confirm")
    await b.presses("Confirm order")


async def test_two_shoppers_order_at_once_and_ops_ship_one(
    app: httpx.AsyncClient, telegram_api: FakeServer
) -> None:
    updates = itertools.count(1)
    a, b = shopper(app, telegram_api, 111, updates), shopper(app, telegram_api, 222, updates)
    await asyncio.gather(order_five_teas(a), order_samosas(b))

    assert any(m.text == "You now have 5 × Masala chai in your cart." for m in a.inbox())
    api = {"Authorization": f"Bearer {API_TOKEN}"}
    orders = (await app.get("/api/v1/orders", headers=api)).json()["items"]
    by_chat = {o["lead"]["user_id"]: o for o in orders}
    assert [(i["sku"], i["quantity"]) for i in by_chat["111"]["items"]] == [("CHAI-MASALA", 5)]
    assert [(i["sku"], i["quantity"]) for i in by_chat["222"]["items"]] == [("SNACK-SAMOSA", 2)]
    assert {o["status"] for o in orders} == {"confirmed"} and {o["channel"] for o in orders} == {"telegram"}

    number = by_chat["111"]["number"]
    await eventually(lambda: len([m for m in bot_messages(telegram_api) if m.chat_id == str(ADMIN)]) == 2)
    admin_texts = [m.text for m in bot_messages(telegram_api) if m.chat_id == str(ADMIN)]
    assert any(
        t.startswith(f"New order #{number} (telegram)") and "5 × Masala chai" in t for t in admin_texts
    )
    await eventually(lambda: any(m.text.startswith(f"Your order #{number} is confirmed") for m in a.inbox()))

    shipped = await app.post(
        f"/api/v1/orders/{number}/status",
        json={"status": "shipped", "tracking_number": "AWB123"},
        headers=api,
    )
    assert shipped.status_code == 200
    await eventually(
        lambda: any(
            m.text == f"Your order #{number} is on its way. Tracking number: AWB123." for m in a.inbox()
        )
    )
    illegal = await app.post(f"/api/v1/orders/{number}/status", json={"status": "pending"}, headers=api)
    assert illegal.status_code == 409 and "error" in illegal.json()
    # Every button press was answered (in the webhook response), so no button was left spinning.
    assert (a.answered, b.answered) == (8, 3)


async def test_a_repeated_update_is_processed_once(app: httpx.AsyncClient, telegram_api: FakeServer) -> None:
    a = shopper(app, telegram_api, 111, itertools.count(500))
    update = a.text_update("2 samosa")
    for _ in range(3):
        assert (await a.post(update)).status_code == 200
    assert [m.text for m in a.inbox()] == [
        "Added 2 × Samosa (2 pcs).",
        "Your cart: 2 item(s), ₹120.00. Add more or check out?",
    ]


async def test_concurrent_duplicates_of_one_update_are_processed_once(
    app: httpx.AsyncClient, telegram_api: FakeServer
) -> None:
    a = shopper(app, telegram_api, 111, itertools.count(700))
    update = a.text_update("1 samosa")
    responses = await asyncio.gather(*(a.post(update) for _ in range(5)))
    assert {r.status_code for r in responses} == {200}
    assert len(a.inbox()) == 2


@pytest.mark.parametrize("secret", ["wrong", ""])
async def test_a_wrong_secret_is_refused_and_nothing_is_sent(
    app: httpx.AsyncClient, telegram_api: FakeServer, secret: str
) -> None:
    a = shopper(app, telegram_api, 111, itertools.count(900))
    response = await a.post(a.text_update("I want to order"), secret=secret)
    assert response.status_code == 403
    await asyncio.sleep(0.1)
    assert bot_messages(telegram_api) == []


async def test_admin_commands_work_only_from_the_admin_chat(
    app: httpx.AsyncClient, telegram_api: FakeServer
) -> None:
    updates = itertools.count(1000)
    a, admin = shopper(app, telegram_api, 111, updates), shopper(app, telegram_api, ADMIN, updates)
    await order_samosas(a)
    await a.says("/orders")
    assert a.inbox()[-1].text == "Sorry, that command is only for the store's staff."
    await admin.says("/orders confirmed")
    assert admin.inbox()[-1].text == "#1001 Confirmed · ₹120.00 · Asha"
    await admin.says("/ship 1001 AWB9 BlueDart")
    assert admin.inbox()[-1].text == "Order #1001 is now In transit. The customer has been notified."
    await admin.says("/confirm 1001")
    assert admin.inbox()[-1].text.startswith("Not done: cannot move an order from shipped to confirmed")
    await admin.says("/order 1001")
    assert "Tracking: BlueDart AWB9" in admin.inbox()[-1].text
    await eventually(lambda: any("on its way" in m.text and "AWB9" in m.text for m in a.inbox()))


async def test_stickers_and_other_updates_get_a_polite_answer(
    app: httpx.AsyncClient, telegram_api: FakeServer
) -> None:
    a = shopper(app, telegram_api, 111, itertools.count(1200))
    sticker = a.text_update("")
    del sticker["message"]["text"]
    sticker["message"]["sticker"] = {
        "file_id": "x",
        "file_unique_id": "y",
        "width": 1,
        "height": 1,
        "is_animated": False,
        "is_video": False,
        "type": "regular",
    }
    assert (await a.post(sticker)).status_code == 200
    assert a.inbox()[0].text == "I can only read text and buttons."
    edited = {"update_id": 1300, "edited_message": sticker["message"]}
    assert (await a.post(edited)).status_code == 200
    assert len(a.inbox()) == 2  # the sticker's answer and prompt only; an edit needs no answer


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"not json", 400),
        (b"[1, 2]", 400),
        (b'{"update_id": 5, "message": {"from": {"id": 1}, "date": 1, "text": "hi"}}', 400),
        (b"x" * (1024 * 1024 + 1), 413),
    ],
)
async def test_a_body_that_is_no_update_gets_a_json_4xx_and_nothing_is_sent(
    app: httpx.AsyncClient, telegram_api: FakeServer, body: bytes, status: int
) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    response = await app.post("/webhooks/telegram", content=body, headers=headers)
    assert response.status_code == status
    assert set(response.json()) == {"error", "code"}
    assert bot_messages(telegram_api) == []


async def test_only_post_is_accepted_on_the_webhook(app: httpx.AsyncClient) -> None:
    response = await app.get("/webhooks/telegram", headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
    assert (response.status_code, response.json()["code"]) == (405, "method_not_allowed")


async def test_a_hindi_shopper_orders_two_products_in_one_message_and_a_spanish_one_edits_the_cart(
    app: httpx.AsyncClient, telegram_api: FakeServer
) -> None:
    updates = itertools.count(1)
    hindi = TelegramUser(app, telegram_api, 333, name="Ravi", language="hi", update_counter=updates)
    await hindi.says("नमस्ते, मुझे दो समोसे और एक मसाला चाय चाहिए")
    await hindi.presses("Checkout")
    await hindi.says("14 हनुमान रोड, जयपुर")
    await hindi.presses("Confirm")
    await hindi.presses("Confirm order")

    spanish = TelegramUser(app, telegram_api, 444, name="Lucía", language="es", update_counter=updates)
    await spanish.says("hola, quiero 3 samosas y 2 chai masala")
    await spanish.says("quita las samosas")
    await spanish.says("mejor 4 chai masala")
    await spanish.says("eso es todo")
    await spanish.says("Calle Mayor 5, Madrid")
    await spanish.presses("Confirmar")
    await spanish.presses("Confirmar pedido")

    orders = (await app.get("/api/v1/orders", headers={"Authorization": f"Bearer {API_TOKEN}"})).json()
    by_chat = {o["lead"]["user_id"]: o for o in orders["items"]}
    assert sorted((i["sku"], i["quantity"]) for i in by_chat["333"]["items"]) == [
        ("CHAI-MASALA", 1),
        ("SNACK-SAMOSA", 2),
    ]
    assert [(i["sku"], i["quantity"]) for i in by_chat["444"]["items"]] == [("CHAI-MASALA", 4)]
    assert any(m.text == "He quitado Samosa (2 pcs) de tu carrito." for m in spanish.inbox())


async def test_a_shopper_changes_a_pending_order_in_chat(
    app: httpx.AsyncClient, telegram_api: FakeServer
) -> None:
    updates = itertools.count(1)
    a = TelegramUser(app, telegram_api, 555, update_counter=updates)
    await a.says("3 samosa")
    await a.presses("Checkout")
    await a.says("7 Park Street, Kolkata")
    await a.presses("Confirm")
    await a.says("I need to change my order: add a masala chai")
    texts = [m.text for m in a.inbox()]
    assert any(t.startswith("Order #") and "is cancelled so that you can change it" in t for t in texts)
    await a.says("1 masala chai")
    await a.says("make it 2 samosas")
    await a.presses("Checkout")
    await a.presses("Use: 7 Park Street, Kolkata")  # the old order's address, offered again
    await a.presses("Confirm")
    await a.presses("Confirm order")

    orders = (await app.get("/api/v1/orders", headers={"Authorization": f"Bearer {API_TOKEN}"})).json()
    mine = sorted(orders["items"], key=lambda o: o["number"])
    assert [o["status"] for o in mine] == ["cancelled", "confirmed"]
    assert sorted((i["sku"], i["quantity"]) for i in mine[1]["items"]) == [
        ("CHAI-MASALA", 1),
        ("SNACK-SAMOSA", 2),
    ]
    samosa = await app.get("/api/v1/products/SNACK-SAMOSA", headers={"Authorization": f"Bearer {API_TOKEN}"})
    assert samosa.json()["stock"] == 300 - 2  # the cancelled order's three came back
