"""Telegram shoppers as Telegram itself treats a webhook: an update not answered 200 is delivered again (to
whichever server answers), until it is."""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.drill.bot_api import FakeBotApi
from tests.drill.servers import SECRET, Shop

REPLY_WAIT = 120.0  # how long a shopper waits for a button before the drill calls the run broken


class ShopperStuck(Exception):
    """A shopper never saw the button it needed: a reply was lost (or is very late)."""


@dataclass
class Webhooks:
    """Posts updates to the shop's servers and counts how they were answered."""

    shop: Shop
    client: httpx.AsyncClient
    answers: dict[int, int] = field(default_factory=dict)  # HTTP status -> count
    refused_connections: int = 0
    slowest: float = 0.0
    slowest_detail: str = ""  # which server, update and wall-clock start (to find it in the servers' logs)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def post(self, update: dict[str, Any], *, redeliver: bool = True) -> int:
        """Until answered 200 (Telegram's redelivery), or once when `redeliver` is off; the last status."""
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        while True:
            url = random.choice(self.shop.urls)
            started = time.monotonic()
            try:
                response = await self.client.post(f"{url}/webhooks/telegram", json=update, headers=headers)
            except httpx.TransportError:
                self.refused_connections += 1  # the process is dead or restarting
                if not redeliver:
                    return 0
                await asyncio.sleep(random.uniform(0.1, 0.5))
                continue
            took = time.monotonic() - started
            if took > self.slowest:
                self.slowest = took
                self.slowest_detail = f"{url} update {update.get('update_id')} at {time.time() - took:.3f}"
            self.answers[response.status_code] = self.answers.get(response.status_code, 0) + 1
            if response.status_code == 200 or not redeliver or 400 <= response.status_code < 500:
                return response.status_code
            await asyncio.sleep(random.uniform(0.1, 0.5))

    def count(self, low: int, high: int) -> int:
        return sum(n for status, n in self.answers.items() if low <= status < high)


@dataclass
class Shopper:
    """One Telegram user, who presses the buttons the bot sent to its chat."""

    hooks: Webhooks
    bot_api: FakeBotApi
    chat_id: int
    repeat: int = 1  # each update delivered this many times
    concurrent: bool = False  # … all at once rather than one after another
    seen: int = 0  # messages of this chat already read
    summary_confirm: str = ""  # the summary's Confirm button, kept for a re-tap later

    def _user(self) -> dict[str, Any]:
        return {"id": self.chat_id, "is_bot": False, "first_name": f"Shopper {self.chat_id}"}

    def text(self, text: str) -> dict[str, Any]:
        chat = {"id": self.chat_id, "type": "private"}
        message = {
            "message_id": 1,
            "date": int(time.time()),
            "chat": chat,
            "from": self._user(),
            "text": text,
        }
        return {"update_id": next(self.hooks.ids), "message": message}

    def press(self, data: str) -> dict[str, Any]:
        update_id = next(self.hooks.ids)
        message = {"message_id": 1, "date": int(time.time()), "chat": {"id": self.chat_id, "type": "private"}}
        query = {"id": f"q{update_id}", "from": self._user(), "chat_instance": "1", "data": data}
        return {"update_id": update_id, "callback_query": query | {"message": message}}

    async def send(self, update: dict[str, Any]) -> None:
        """The update, delivered `repeat` times (each until acknowledged)."""
        if self.concurrent:
            await asyncio.gather(*(self.hooks.post(update) for _ in range(self.repeat)))
        else:
            for _ in range(self.repeat):
                await self.hooks.post(update)

    async def button(self, label: str, within: float = REPLY_WAIT) -> str:
        """The data of `label` on the first message not read yet that has it; waits for it to arrive."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            inbox = self.bot_api.inbox(self.chat_id)
            for i in range(self.seen, len(inbox)):
                for text, data in inbox[i].buttons:
                    if text == label or text.startswith(f"{label} · "):
                        self.seen = i + 1
                        return data
            await asyncio.sleep(0.1)
        raise ShopperStuck(f"chat {self.chat_id}: no {label!r} button within {within:.0f} s")

    async def to_summary(self) -> None:
        """Cart, checkout, address: up to the summary with its Confirm button."""
        await self.send(self.text("2 samosa"))
        await self.send(self.press(await self.button("Checkout")))
        await self.wait_for_text("address")
        await self.send(self.text(f"{self.chat_id} MG Road, Bengaluru"))
        self.summary_confirm = await self.button("Confirm")

    async def wait_for_text(self, part: str, within: float = REPLY_WAIT) -> None:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            inbox = self.bot_api.inbox(self.chat_id)
            for i in range(self.seen, len(inbox)):
                if part in inbox[i].text.lower():
                    self.seen = i + 1
                    return
            await asyncio.sleep(0.1)
        raise ShopperStuck(f"chat {self.chat_id}: no message with {part!r} within {within:.0f} s")

    async def confirm(self) -> None:
        """Confirm the summary (placing the order), then the cash-on-delivery order."""
        await self.send(self.press(self.summary_confirm))
        await self.send(self.press(await self.button("Confirm order")))
        await self.wait_for_text("is confirmed")

    async def checkout(self) -> None:
        await self.to_summary()
        await self.confirm()

    async def retap_old_confirm(self) -> None:
        """The summary's Confirm again, long after: it must not place a second order."""
        await self.hooks.post(self.press(self.summary_confirm))
