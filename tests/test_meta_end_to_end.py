"""Messenger and Instagram end to end: the real app on a loopback port, a loopback fake of the Send API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from bot.setup.wiring import Services
from tests.conftest import Clock
from tests.fakes import FakeServer, serve_fake
from tests.meta_fake import META_SECRET, META_VERIFY, MetaUser, meta_messages, send_api_answer, signed
from tests.shop import API_HEADERS, hold_sent_marks, running_shop, shop_settings
from tests.telegram_fake import eventually
from tests.whatsapp_fake import APP_SECRET, PHONE_ID, WhatsAppUser, graph_answer


@dataclass
class Shop:
    app: httpx.AsyncClient
    send_api: FakeServer
    graph: FakeServer
    services: Services
    clock: Clock

    async def later(self, **delta: float) -> None:
        self.clock.advance(**delta)  # "sent" marks may still be pending: nothing is sent twice

    def messenger(self, psid: str) -> MetaUser:
        return MetaUser(self.app, self.send_api, psid, "page")

    def instagram(self, igsid: str) -> MetaUser:
        return MetaUser(self.app, self.send_api, igsid, "instagram")


@pytest.fixture
async def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Shop]:
    hold_sent_marks(monkeypatch)
    async with (
        serve_fake(FakeServer(respond=send_api_answer)) as send_api,
        serve_fake(FakeServer(respond=graph_answer)) as graph,
    ):
        settings = shop_settings(
            tmp_path,
            meta_page_token="page-token",
            meta_app_secret=META_SECRET,
            meta_verify_token=META_VERIFY,
            meta_api_url=send_api.url,
            whatsapp_phone_id=PHONE_ID,
            whatsapp_token="wa-token",
            whatsapp_app_secret=APP_SECRET,
            whatsapp_api_url=graph.url,
        )
        clock = Clock(datetime.now(UTC))
        async with running_shop(settings, clock) as (client, services):
            yield Shop(client, send_api, graph, services, clock)


async def order_samosas(shopper: MetaUser) -> None:
    await shopper.says("I want to order")
    await shopper.presses("Samosa (2 pcs)")  # a quick reply
    await shopper.presses("2")
    await shopper.presses("Checkout")  # a postback button
    await shopper.says("7 Park Street, Kolkata")
    await shopper.presses("Confirm")
    await shopper.presses("Confirm order")


async def test_a_messenger_shopper_orders_and_hears_of_shipping_by_a_tagged_update(shop: Shop) -> None:
    sam = shop.messenger("6914230151979876")
    await order_samosas(sam)
    await eventually(lambda: any(m.text.startswith("Your order #1001 is confirmed") for m in sam.inbox()))
    order = (await shop.app.get("/api/v1/orders/1001", headers=API_HEADERS)).json()
    assert (order["channel"], order["status"]) == ("messenger", "confirmed")

    await shop.later(days=3)  # the 24-hour window has closed: only a tagged order update may go out
    shipped = {"status": "shipped", "tracking_number": "AWB5", "carrier": "Delhivery"}
    assert (
        await shop.app.post("/api/v1/orders/1001/status", json=shipped, headers=API_HEADERS)
    ).status_code == 200
    await eventually(lambda: any("AWB5" in m.text for m in sam.inbox()))
    notice = next(m for m in sam.inbox() if "AWB5" in m.text)
    assert notice.tag == "POST_PURCHASE_UPDATE"
    assert all(m.tag is None for m in sam.inbox() if "AWB5" not in m.text)  # replies in the window: none


async def test_instagram_sends_nothing_outside_the_window_and_history_says_so(shop: Shop) -> None:
    ivy = shop.instagram("17841400008460056")
    await order_samosas(ivy)
    await eventually(lambda: any(m.text.startswith("Your order #1001 is confirmed") for m in ivy.inbox()))
    await shop.later(days=2)
    before = len(ivy.inbox())
    assert (
        await shop.app.post("/api/v1/orders/1001/status", json={"status": "shipped"}, headers=API_HEADERS)
    ).is_success

    async def failures() -> list[str]:
        order = (await shop.app.get("/api/v1/orders/1001", headers=API_HEADERS)).json()
        return [str(e["data"]) for e in order["history"] if e["kind"] == "notification_failed"]

    for _ in range(200):
        if failed := await failures():
            break
        await asyncio.sleep(0.02)
    assert "not messaged" in failed[0] and "instagram allows no status_shipped message" in failed[0]
    assert len(ivy.inbox()) == before


async def test_every_entry_of_a_batch_is_processed_and_echoes_are_not(shop: Shop) -> None:
    a, b = shop.messenger("7000000000000001"), shop.messenger("7000000000000002")
    echo = a.event({"message": {"mid": "m_echo", "is_echo": True, "text": "Hello from the page"}})
    payload = a.text_payload("2 samosa")
    payload["entry"][0]["messaging"].append(echo)
    payload["entry"] += b.text_payload("1 samosa")["entry"]
    assert (await a.post(payload)).status_code == 200
    assert a.inbox()[0].text == "Added 2 × Samosa (2 pcs)."
    assert b.inbox()[0].text == "Added 1 × Samosa (2 pcs)."
    assert len(a.inbox()) == 2  # the echo of our own message started no turn


async def test_one_person_on_whatsapp_and_instagram_has_two_separate_carts(shop: Shop) -> None:
    on_whatsapp = WhatsAppUser(shop.app, shop.graph, "919876543210")
    on_instagram = shop.instagram("919876543210")  # even the same id never merges two channels
    await on_whatsapp.says("2 samosa")
    await on_instagram.says("3 masala chai")
    await on_whatsapp.says("cart")
    await on_instagram.says("cart")
    whatsapp_cart = [m.text for m in on_whatsapp.inbox() if m.text.startswith("Your cart:\n")][-1]
    instagram_cart = [m.text for m in on_instagram.inbox() if m.text.startswith("Your cart:\n")][-1]
    assert "Samosa" in whatsapp_cart and "chai" not in whatsapp_cart
    assert "Masala chai" in instagram_cart and "Samosa" not in instagram_cart


@pytest.mark.parametrize(("secret", "status"), [("forged", 403), (None, 401)])
async def test_a_forged_or_unsigned_delivery_changes_nothing(
    shop: Shop, secret: str | None, status: int
) -> None:
    sam = shop.messenger("6914230151979876")
    body, headers = signed(sam.text_payload("2 samosa"), secret or META_SECRET)
    if secret is None:
        del headers["X-Hub-Signature-256"]
    assert (await shop.app.post("/webhooks/meta", content=body, headers=headers)).status_code == status
    assert meta_messages(shop.send_api) == []


async def test_the_subscription_challenge_needs_our_verify_token(shop: Shop) -> None:
    query = {"hub.mode": "subscribe", "hub.challenge": "777", "hub.verify_token": META_VERIFY}
    assert (await shop.app.get("/webhooks/meta", params=query)).text == "777"
    wrong = query | {"hub.verify_token": "x"}
    assert (await shop.app.get("/webhooks/meta", params=wrong)).status_code == 403
