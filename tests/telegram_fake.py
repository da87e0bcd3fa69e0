"""Play Telegram: post updates to the app's webhook and read what the bot sent to a fake Bot API."""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import httpx

from tests.fakes import FakeServer, Recorded

SECRET = "tg-secret-123"


@dataclass
class Sent:
    chat_id: str
    text: str
    buttons: list[tuple[str, str]]  # (label, callback data)


def bot_api_params(request: Recorded) -> dict[str, Any]:
    """A Bot API call's parameters, sent as JSON or as form fields (`reply_markup` then JSON text)."""
    if request.headers.get("content-type", "").startswith("application/json"):
        params: dict[str, Any] = json.loads(request.body)
        return params
    form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
    if "reply_markup" in form:
        return form | {"reply_markup": json.loads(form["reply_markup"])}
    return dict(form)


def telegram_answer(request: Recorded) -> tuple[int, object]:
    """What the Bot API answers: the sent message for sendMessage, `true` for the rest."""
    if request.path.endswith("/sendMessage"):
        form = bot_api_params(request)
        message = {
            "message_id": 1,
            "date": 1_790_000_000,
            "chat": {"id": int(form["chat_id"]), "type": "private"},
            "text": form.get("text", ""),
        }
        return 200, {"ok": True, "result": message}
    if request.path.endswith("/getMe"):
        return 200, {
            "ok": True,
            "result": {"id": 1, "is_bot": True, "first_name": "Chai", "username": "chai_bot"},
        }
    return 200, {"ok": True, "result": True}


def bot_messages(fake: FakeServer) -> list[Sent]:
    """Every sendMessage the bot made, in order."""
    sent = []
    for request in fake.requests:
        if request.path.endswith("/sendMessage"):
            params = bot_api_params(request)
            markup = params.get("reply_markup", {}).get("inline_keyboard", [])
            buttons = [(b["text"], b.get("callback_data") or b["url"]) for row in markup for b in row]
            sent.append(Sent(str(params["chat_id"]), params["text"], buttons))
    return sent


@dataclass
class TelegramUser:
    """One shopper (or the admin) talking to the bot through the webhook."""

    app: httpx.AsyncClient
    fake: FakeServer
    chat_id: int
    name: str = "Asha"
    language: str = "en"
    secret: str = SECRET
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    update_counter: itertools.count[int] | None = None
    answered: int = 0

    def _sender(self) -> dict[str, Any]:
        return {"id": self.chat_id, "is_bot": False, "first_name": self.name, "language_code": self.language}

    def _chat(self) -> dict[str, Any]:
        return {"id": self.chat_id, "type": "private"}

    def _next_update_id(self) -> int:
        assert self.update_counter is not None
        return next(self.update_counter)

    async def post(self, update: dict[str, Any], secret: str | None = None) -> httpx.Response:
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret if secret is not None else self.secret}
        return await self.app.post("/webhooks/telegram", json=update, headers=headers)

    def text_update(self, text: str) -> dict[str, Any]:
        message = {
            "message_id": next(self._ids),
            "date": 1_790_000_000,
            "chat": self._chat(),
            "from": self._sender(),
            "text": text,
        }
        return {"update_id": self._next_update_id(), "message": message}

    async def says(self, text: str) -> httpx.Response:
        response = await self.post(self.text_update(text))
        assert response.status_code == 200, response.text
        return response

    def inbox(self) -> list[Sent]:
        return [m for m in bot_messages(self.fake) if m.chat_id == str(self.chat_id)]

    async def presses(self, label: str) -> httpx.Response:
        """Press the newest button whose label starts with `label` among the messages sent to this chat."""
        for message in reversed(self.inbox()):
            for text, data in message.buttons:
                if text == label or text.startswith(f"{label} · "):
                    query = {
                        "id": f"cb{self.chat_id}-{next(self._ids)}",
                        "from": self._sender(),
                        "chat_instance": "1",
                        "data": data,
                        "message": {"message_id": 1, "date": 1_790_000_000, "chat": self._chat()},
                    }
                    response = await self.post({"update_id": self._next_update_id(), "callback_query": query})
                    assert response.status_code == 200, response.text
                    # The press is answered in the webhook's own response, so the button stops spinning.
                    assert response.json() == {
                        "method": "answerCallbackQuery",
                        "callback_query_id": query["id"],
                    }
                    self.answered += 1
                    return response
        raise AssertionError(f"no button {label!r} in {[b for m in self.inbox() for b in m.buttons]}")


async def eventually(check: Any, attempts: int = 200) -> None:
    """Wait for background sends (the relay) to land; fail if they never do."""
    for _ in range(attempts):
        if check():
            return
        await asyncio.sleep(0.02)
    assert check()
