"""Crafted chat input on every webhook, SQLite and PostgreSQL: a polite answer, and the shopper's next
message answered too (nothing redelivered forever, nothing recorded as failed)."""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.setup.wiring import Services
from bot.turns.failures import FailedUpdates
from orders.db.engine import Database
from tests.fakes import FakeServer, serve_fake
from tests.meta_fake import META_SECRET, MetaUser, send_api_answer
from tests.shop import running_shop, shop_settings
from tests.telegram_fake import SECRET, TelegramUser, eventually, telegram_answer
from tests.whatsapp_fake import APP_SECRET, PHONE_ID, VERIFY_TOKEN, WhatsAppUser, graph_answer, webhook

STALE = "That menu is out of date. Here is the current one."
ADDED = "Added 2 × Samosa (2 pcs)."
HUGE = "99999999999999999999"  # no order number or product id column holds it
CRAFTED_CHOICES = [
    f"cod:y:{HUGE}",
    "cod:n:2147483648",  # one past PostgreSQL's INTEGER
    "cod:y:²",  # str.isdigit() says yes, int() says no
    "cod:maybe:1001",
    "²:p:1",
    f"{HUGE}:p:1",
    "1:p:²",
    f"1:pg:{HUGE}",
    "1:q:" + "9" * 5000,
    "",
    ":::",
]


@dataclass
class Shop:
    """The real app on loopback with every webhook channel pointed at fakes."""

    app: httpx.AsyncClient
    services: Services
    telegram: FakeServer
    graph: FakeServer
    send_api: FakeServer

    async def failed(self) -> list[str]:
        return [f.error for f in await FailedUpdates(self.services.db, self.services.clock).latest()]


@pytest.fixture
async def shop(db: Database, tmp_path: Path) -> AsyncIterator[Shop]:
    async with (
        serve_fake(FakeServer(respond=telegram_answer)) as telegram,
        serve_fake(FakeServer(respond=graph_answer)) as graph,
        serve_fake(FakeServer(respond=send_api_answer)) as send_api,
    ):
        settings = shop_settings(
            tmp_path,
            telegram_token="123:TEST",
            telegram_webhook_secret=SECRET,
            telegram_api_url=telegram.url,
            whatsapp_phone_id=PHONE_ID,
            whatsapp_token="wa-token",
            whatsapp_app_secret=APP_SECRET,
            whatsapp_verify_token=VERIFY_TOKEN,
            whatsapp_api_url=graph.url,
            meta_page_token="page-token",
            meta_app_secret=META_SECRET,
            meta_verify_token="meta-verify",
            meta_api_url=send_api.url,
        ).model_copy(update={"database_url": db.url})
        async with running_shop(settings) as (client, services):
            yield Shop(client, services, telegram, graph, send_api)


async def replies_to(inbox: Callable[[], list[Any]], before: int) -> list[str]:
    """The texts the shopper received since `before`, once the relay has sent them."""
    await eventually(lambda: len(inbox()) > before)
    return [m.text for m in inbox()[before:]]


async def test_crafted_telegram_buttons_get_the_stale_menu_answer(shop: Shop) -> None:
    asha = TelegramUser(shop.app, shop.telegram, 501, update_counter=itertools.count(1))
    await asha.says("2 samosa")
    for data in CRAFTED_CHOICES:
        before = len(asha.inbox())
        update = {
            "update_id": next(asha.update_counter or itertools.count()),
            "callback_query": {
                "id": f"cb-{data[:20]}",
                "from": asha._sender(),
                "chat_instance": "1",
                "data": data,
                "message": {"message_id": 1, "date": 1_790_000_000, "chat": asha._chat()},
            },
        }
        response = await asha.post(update)
        assert response.status_code == 200, (data, response.text)
        assert (await replies_to(asha.inbox, before))[0] == STALE, data
    before = len(asha.inbox())
    await asha.presses("Checkout")  # the cart survived every crafted press
    assert "delivery address" in (await replies_to(asha.inbox, before))[-1]
    assert await shop.failed() == []


async def test_telegram_text_and_names_with_nul_and_a_date_of_ten_to_the_twenty_are_answered(
    shop: Shop,
) -> None:
    asha = TelegramUser(shop.app, shop.telegram, 502, name="As\x00ha", update_counter=itertools.count(1))
    update = asha.text_update("2 sam\x00osa")
    update["message"]["date"] = 10**20
    response = await asha.post(update)
    assert response.status_code == 200, response.text
    assert ADDED in await replies_to(asha.inbox, 0)
    before = len(asha.inbox())
    await asha.says("cart")  # the next message is not held back behind the first
    assert (await replies_to(asha.inbox, before))[0].startswith("Your cart:\n2 × Samosa")
    assert await shop.failed() == []


async def test_whatsapp_crafted_replies_nul_text_and_a_huge_timestamp_are_answered(shop: Shop) -> None:
    ravi = WhatsAppUser(shop.app, shop.graph, "919800000001", name="Ra\x00vi")
    message = ravi.message("text", {"body": "2 sam\x00osa"})
    message["timestamp"] = str(10**20)
    response = await ravi.post(webhook(message, contacts=[ravi.contact()]))
    assert response.status_code == 200, response.text
    assert ADDED in await replies_to(ravi.inbox, 0)
    for data in CRAFTED_CHOICES[:4]:
        before = len(ravi.inbox())
        tap = ravi.message(
            "interactive", {"type": "button_reply", "button_reply": {"id": data, "title": "x"}}
        )
        response = await ravi.post(webhook(tap, contacts=[ravi.contact()]))
        assert response.status_code == 200, (data, response.text)
        assert STALE in await replies_to(ravi.inbox, before), data
    assert await shop.failed() == []


async def test_messenger_crafted_postbacks_nul_text_and_a_huge_timestamp_are_answered(shop: Shop) -> None:
    mira = MetaUser(shop.app, shop.send_api, "7001")
    payload = mira.text_payload("2 sam\x00osa")
    payload["entry"][0]["messaging"][0]["timestamp"] = 10**20
    response = await mira.post(payload)
    assert response.status_code == 200, response.text
    assert ADDED in await replies_to(mira.inbox, 0)
    for data in ("²:p:1", f"cod:y:{HUGE}"):
        before = len(mira.inbox())
        event = mira.event({"postback": {"mid": f"m-{data}", "title": "x", "payload": data}})
        response = await mira.post(mira.webhook(event))
        assert response.status_code == 200, (data, response.text)
        assert STALE in await replies_to(mira.inbox, before)
    assert await shop.failed() == []


async def test_the_web_chat_answers_nul_text_lone_surrogates_and_crafted_choices(shop: Shop) -> None:
    async def say(message_id: str, **body: Any) -> httpx.Response:
        # ASCII JSON: a lone surrogate travels as the escape "\ud800", which Python's JSON reader accepts.
        payload = json.dumps({"session": "hostile-session", "id": message_id, **body})
        headers = {"Content-Type": "application/json"}
        return await shop.app.post("/chat/api/messages", content=payload, headers=headers)

    added = await say("message-0001", text="2 sam\x00osa")
    assert added.status_code == 200 and added.json()["messages"][0]["text"] == ADDED
    odd = await say("message-0002", text="chai \ud800")
    assert odd.status_code == 200 and odd.json()["messages"]
    for number, data in enumerate(CRAFTED_CHOICES, start=3):
        pressed = await say(f"message-{number:04}", choice=data)
        if not 0 < len(data) <= 200:  # no button of ours has such an id
            assert pressed.status_code == 422 and pressed.json()["code"] == "invalid_message"
            continue
        assert pressed.status_code == 200, (data, pressed.text)
        assert pressed.json()["messages"][0]["text"] == STALE, data
    assert await shop.failed() == []
