"""The benchmark's shop: a Telegram Bot API answered in-process, shoppers walking the flow, a clean start."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bot.setup.settings import Settings
from bot.setup.startup import prepare_database
from bot.setup.wiring import Services, build_services
from catalog.importer import parse_catalog
from orders.db import migrate

SECRET = "bench-secret"
STORE = """
[store]
name = "Bench Tea"
currency = "INR"
delivery = ["shipping"]
payment = ["cod"]
[[order_fields]]
name = "delivery_address"
required = true
"""
CATALOG = "sku,name,price,stock\n" + "".join(f"SKU{i},Tea blend {i},{100 + i}.00,\n" for i in range(1, 9))
FLOW = [
    "text:I want to order",
    "press:Tea blend 3",
    "press:2",
    "press:Checkout",
    "text:12 MG Road, Bengaluru",
    "press:Confirm",
    "press:Confirm order",
]


_SENT = b'{"ok":true,"result":{"message_id":1,"date":0,"chat":{"id":1,"type":"private"}}}'
_JSON_HEADERS = {"Content-Type": "application/json"}


@dataclass
class FakeTelegram(httpx.AsyncBaseTransport):
    """Answers the Bot API in-process and remembers each chat's latest keyboard.

    The channel posts its encoded JSON straight to `post` (see `channels.http1.poster`), as the peers' stub
    request takes theirs: neither side's HTTP client runs. Other calls come as httpx requests.
    """

    keyboards: dict[str, bytes] = field(default_factory=dict)
    sent: int = 0

    async def post(self, path: str, body: bytes, content_type: str = "application/json") -> tuple[int, bytes]:
        # The answer is pre-encoded: this fake stands for Telegram's servers, whose work is not ours to time.
        if path.endswith("/sendMessage"):
            self.sent += 1
            if b'"reply_markup"' in body:  # kept as sent, decoded only when a press needs it
                self.keyboards[str(json.loads(body)["chat_id"])] = body
        return 200, _SENT

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        status, answer = await self.post(request.url.path, await request.aread())
        return httpx.Response(status, headers=_JSON_HEADERS, content=answer)

    def callback_for(self, chat: str, label: str) -> str:
        return button_data(self.keyboards[chat], label)


def button_data(sent: bytes, label: str) -> str:
    """The callback data of the button labelled `label` in a sendMessage body (a price may follow)."""
    markup = json.loads(sent)["reply_markup"]["inline_keyboard"]
    return str(
        next(
            b["callback_data"]
            for row in markup
            for b in row
            if b["text"] == label or b["text"].startswith(f"{label} · ")
        )
    )


@dataclass
class Shopper:
    chat: int
    steps: Iterator[str] = field(default_factory=lambda: iter(FLOW))

    def update(self, update_id: int, fake: FakeTelegram) -> dict[str, Any] | None:
        step = next(self.steps, None)
        if step is None:
            return None
        kind, _, value = step.partition(":")
        user = {"id": self.chat, "is_bot": False, "first_name": "Shopper", "language_code": "en"}
        chat = {"id": self.chat, "type": "private"}
        if kind == "text":
            return {
                "update_id": update_id,
                "message": {
                    "message_id": update_id,
                    "date": 1_790_000_000,
                    "chat": chat,
                    "from": user,
                    "text": value,
                },
            }
        data = fake.callback_for(str(self.chat), value)
        message = {"message_id": 1, "date": 1_790_000_000, "chat": chat}
        return {
            "update_id": update_id,
            "callback_query": {
                "id": str(update_id),
                "from": user,
                "chat_instance": "1",
                "data": data,
                "message": message,
            },
        }


async def setup(database_url: str, redis_url: str | None, tmp: Path, fake: FakeTelegram) -> Services:
    (tmp / "store.toml").write_text(STORE)
    settings = Settings(
        database_url=database_url,
        redis_url=redis_url,
        store_config=tmp / "store.toml",
        telegram_token="1:BENCH",
        telegram_webhook_secret=SECRET,
        telegram_api_url="http://telegram.invalid",
        telegram_admin_chat_id="1",
    )
    services = build_services(settings, provider_transport=fake)
    await _start_clean(services, redis_url)
    await prepare_database(services)
    await services.catalog.import_products(parse_catalog(CATALOG, currency="INR", fmt="csv"))
    return services


async def _start_clean(services: Services, redis_url: str | None) -> None:
    """A PostgreSQL or Redis left by an earlier run would make its update ids look like repeats."""
    if not services.db.is_sqlite:
        await migrate.empty_postgres(services.db)
        await migrate.upgrade(services.db)  # what `chatcart db upgrade` does for an operator
    if redis_url is not None and services.redis is not None:
        async for key in services.redis.scan_iter("chatcart:*"):
            await services.redis.delete(key)
