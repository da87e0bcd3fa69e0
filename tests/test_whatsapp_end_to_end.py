"""WhatsApp end to end: the real app on a loopback port, signed webhooks in, a loopback Graph API fake out."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from bot.setup.wiring import Services
from tests.conftest import Clock
from tests.fakes import FakeServer, serve_fake
from tests.shop import API_HEADERS, hold_sent_marks, running_shop, shop_settings, shop_toml
from tests.telegram_fake import SECRET, TelegramUser, eventually, telegram_answer
from tests.whatsapp_fake import (
    APP_SECRET,
    PHONE_ID,
    VERIFY_TOKEN,
    WhatsAppUser,
    graph_answer,
    signed,
    wa_messages,
    wa_templates,
    webhook,
)

ADMIN_NUMBER = "+91 90000 00001"
STORE = shop_toml(
    store_extra="cod_reminder_hours = 30",
    extra="""
[[whatsapp_templates]]
event = "cod_reminder"
language = "en"
name = "cod_reminder_v2"
code = "en_US"
params = ["number", "total"]

[[whatsapp_templates]]
event = "status_shipped"
language = "en"
name = "order_shipped"
code = "en_US"
params = ["number", "tracking_number", "carrier"]
""",
)


@dataclass
class Shop:
    app: httpx.AsyncClient
    graph: FakeServer
    telegram: FakeServer
    services: Services
    clock: Clock

    async def later(self, **delta: float) -> None:
        self.clock.advance(**delta)  # "sent" marks may still be pending: nothing is sent twice

    def shopper(self, number: str, name: str = "Asha") -> WhatsAppUser:
        return WhatsAppUser(self.app, self.graph, number, name)


@pytest.fixture
async def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Shop]:
    hold_sent_marks(monkeypatch)
    async with (
        serve_fake(FakeServer(respond=graph_answer)) as graph,
        serve_fake(FakeServer(respond=telegram_answer)) as telegram,
    ):
        settings = shop_settings(
            tmp_path,
            STORE,
            whatsapp_phone_id=PHONE_ID,
            whatsapp_token="wa-token",
            whatsapp_app_secret=APP_SECRET,
            whatsapp_verify_token=VERIFY_TOKEN,
            whatsapp_api_url=graph.url,
            whatsapp_admin_number=ADMIN_NUMBER,
            telegram_token="123:TEST",
            telegram_webhook_secret=SECRET,
            telegram_api_url=telegram.url,
        )
        clock = Clock(datetime.now(UTC))
        async with running_shop(settings, clock) as (client, services):
            yield Shop(client, graph, telegram, services, clock)


async def test_a_shopper_orders_with_lists_and_buttons_and_the_admin_number_ships_it(shop: Shop) -> None:
    admin = shop.shopper("919000000001", "Staff")
    await admin.says("/orders")  # WhatsApp delivers to staff, too, only within 24 hours of their last message
    assert admin.inbox()[-1].text == "No orders."
    asha = shop.shopper("919876543210")
    await asha.says("I want to order")
    assert asha.inbox()[-1].kind == "list"
    await asha.presses("Samosa (2 pcs)")
    await asha.presses("2")
    await asha.presses("Checkout")
    await asha.says("12 MG Road, Bengaluru")
    await asha.presses("Confirm")
    await asha.presses("Confirm order")
    await eventually(lambda: any(m.text.startswith("Your order #1001 is confirmed") for m in asha.inbox()))

    order = (await shop.app.get("/api/v1/orders/1001", headers=API_HEADERS)).json()
    assert (order["channel"], order["customer"]["phone"]) == ("whatsapp", "+919876543210")
    assert [(i["sku"], i["quantity"]) for i in order["items"]] == [("SNACK-SAMOSA", 2)]

    await eventually(lambda: any(m.text.startswith("New order #1001 (whatsapp)") for m in admin.inbox()))
    await admin.says("/ship 1001 AWB77 BlueDart")
    assert admin.inbox()[-1].text == "Order #1001 is now In transit. The customer has been notified."
    await eventually(lambda: any("on its way" in m.text and "AWB77" in m.text for m in asha.inbox()))


async def test_every_message_of_a_batched_payload_is_processed(shop: Shop) -> None:
    numbers = ["447700900123", "5511987654321", "919811112222"]
    users = [shop.shopper(n, f"S{i}") for i, n in enumerate(numbers)]
    payload = webhook(
        *(u.message("text", {"body": "2 samosa"}) for u in users), contacts=[u.contact() for u in users]
    )
    assert (await users[0].post(payload)).status_code == 200
    for user in users:
        assert user.inbox()[0].text == "Added 2 × Samosa (2 pcs)."


async def test_a_repeated_delivery_is_processed_once(shop: Shop) -> None:
    asha = shop.shopper("919876543210")
    payload = asha.text_payload("1 samosa")
    for _ in range(3):
        assert (await asha.post(payload)).status_code == 200
    assert len(asha.inbox()) == 2  # "Added…" and the Add more / Checkout buttons, once


@pytest.mark.parametrize(("secret", "status"), [("not-the-app-secret", 403), (None, 401)])
async def test_a_forged_or_unsigned_webhook_changes_nothing(
    shop: Shop, secret: str | None, status: int
) -> None:
    asha = shop.shopper("919876543210")
    body, headers = signed(asha.text_payload("2 samosa"), secret or APP_SECRET)
    if secret is None:
        del headers["X-Hub-Signature-256"]
    response = await shop.app.post("/webhooks/whatsapp", content=body, headers=headers)
    assert response.status_code == status and set(response.json()) == {"error", "code"}
    assert wa_messages(shop.graph) == []
    # Had the forged message been processed, its update id would be taken: the real one still works.
    assert (await asha.post(asha.text_payload("2 samosa"))).status_code == 200
    assert asha.inbox()[0].text == "Added 2 × Samosa (2 pcs)."


async def test_the_subscription_challenge_is_answered_only_with_our_verify_token(shop: Shop) -> None:
    query = {"hub.mode": "subscribe", "hub.challenge": "1158201444", "hub.verify_token": VERIFY_TOKEN}
    ok = await shop.app.get("/webhooks/whatsapp", params=query)
    assert (ok.status_code, ok.text) == (200, "1158201444")
    refused = await shop.app.get("/webhooks/whatsapp", params=query | {"hub.verify_token": "guess"})
    assert refused.status_code == 403


async def test_staff_commands_from_any_other_number_are_refused(shop: Shop) -> None:
    stranger = shop.shopper("919876543210")
    await stranger.says("/orders")
    assert stranger.inbox()[-1].text == "Sorry, that command is only for the store's staff."


async def test_the_same_person_on_whatsapp_and_telegram_has_two_carts(shop: Shop) -> None:
    on_whatsapp = shop.shopper("919876543210", "Asha")
    on_telegram = TelegramUser(
        shop.app, shop.telegram, 919876543210, "Asha", update_counter=itertools.count(1)
    )
    await on_whatsapp.says("2 samosa")  # 2 × ₹60.00
    await on_telegram.says("3 masala chai")  # 3 × ₹120.00
    await on_whatsapp.says("cart")
    await on_telegram.says("cart")
    assert on_whatsapp.inbox()[-1].text.startswith("Your cart: 2 item(s), ₹120.00.")
    assert on_telegram.inbox()[-1].text.startswith("Your cart: 3 item(s), ₹360.00.")


async def order_and_go_quiet(asha: WhatsAppUser) -> None:
    await asha.says("2 samosa")
    await asha.presses("Checkout")
    await asha.says("12 MG Road, Bengaluru")
    await asha.presses("Confirm")
    assert asha.inbox()[-1].text.startswith("Order #1001 is placed")  # with Confirm / Cancel buttons


async def test_outside_the_window_templates_carry_the_reminder_and_the_shipping_notice(shop: Shop) -> None:
    asha = shop.shopper("919876543210")
    await order_and_go_quiet(asha)

    await shop.later(hours=31)  # the reminder falls due after the 24-hour window closed
    assert await shop.services.worker.reminders.run_once() == 1
    await eventually(lambda: len(wa_templates(shop.graph)) == 1)
    [reminder] = wa_templates(shop.graph)
    assert (reminder.to, reminder.name, reminder.code) == ("919876543210", "cod_reminder_v2", "en_US")
    assert reminder.body == ["1001", "₹120.00"] and reminder.quick_replies == ["cod:y:1001", "cod:n:1001"]

    await asha.taps_quick_reply(reminder, 0, "Confirm order")  # this message reopens the window
    await eventually(lambda: any(m.text.startswith("Your order #1001 is confirmed") for m in asha.inbox()))

    await shop.later(days=3)
    headers = API_HEADERS
    shipped = {"status": "shipped", "tracking_number": "AWB9", "carrier": "BlueDart"}
    assert (
        await shop.app.post("/api/v1/orders/1001/status", json=shipped, headers=headers)
    ).status_code == 200
    await eventually(lambda: len(wa_templates(shop.graph)) == 2)
    notice = wa_templates(shop.graph)[-1]
    assert (notice.name, notice.body, notice.quick_replies) == (
        "order_shipped",
        ["1001", "AWB9", "BlueDart"],
        [],
    )
    assert not any("AWB9" in m.text for m in asha.inbox())  # no free-form message outside the window


async def test_with_no_template_the_status_still_changes_and_history_says_nobody_was_messaged(
    shop: Shop,
) -> None:
    asha = shop.shopper("919876543210")
    await order_and_go_quiet(asha)
    await shop.later(days=2)
    headers = API_HEADERS
    moved = await shop.app.post("/api/v1/orders/1001/status", json={"status": "cancelled"}, headers=headers)
    assert moved.status_code == 200 and moved.json()["status"] == "cancelled"

    async def history() -> list[dict[str, object]]:
        order = (await shop.app.get("/api/v1/orders/1001", headers=headers)).json()
        failures = [e for e in order["history"] if e["kind"] == "notification_failed"]
        return [e for e in failures if e["data"]["to"] == "customer"]

    for _ in range(200):
        if failed := await history():
            break
        await asyncio.sleep(0.02)
    assert "not messaged" in str(failed[0]["data"]) and "status_cancelled" in str(failed[0]["data"])
    assert wa_templates(shop.graph) == [] and not any("cancelled" in m.text for m in asha.inbox())
