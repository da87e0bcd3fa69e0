"""Telegram: check the webhook secret, parse updates, render inline keyboards, send through the Bot API.

The per-message path (parse an update, send a reply) speaks the Bot API's JSON directly, over a small
keep-alive client (channels/http1.py): building python-telegram-bot objects for it cost ~100 µs per parsed
update and ~250 µs per sent message (`make bench`), and httpx's pool ~2 ms per request with many
connections open, more than the rest of a turn. PTB serves the control-plane calls (`setWebhook`) and the
Bot API's limits.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson
from telegram import Bot
from telegram.constants import InlineKeyboardButtonLimit, MessageLimit
from telegram.request import HTTPXRequest

from channels.base import (
    BadPayload,
    BaseChannel,
    ChannelError,
    Verdict,
    WebhookRequest,
    chat_text,
    json_object,
    split_text,
    unix_time,
)
from channels.http1 import HttpError, poster
from flows.messages import ChoiceStyle, ConversationKey, InboundKind, InboundMessage, OutboundMessage

CHANNEL = "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_SECRET_HEADER = SECRET_HEADER.lower()
MAX_TEXT = int(MessageLimit.MAX_TEXT_LENGTH)
MAX_CALLBACK_BYTES = int(InlineKeyboardButtonLimit.MAX_CALLBACK_DATA)
MAX_BUTTON_TEXT = 64  # Telegram cuts longer labels on screen anyway
ROW_OF_BUTTONS = 3
TIMEOUT_SECONDS = 10.0


def keyboard(message: OutboundMessage) -> dict[str, list[list[dict[str, str]]]] | None:
    """An `InlineKeyboardMarkup`: a list is a row per choice (with its description), buttons rows of three."""
    link = (
        [{"text": message.link_label[:MAX_BUTTON_TEXT], "url": message.link_url}] if message.link_url else []
    )
    if not message.choices:
        return {"inline_keyboard": [link]} if link else None
    buttons = []
    for choice in message.choices:
        data = choice.id
        if len(data.encode()) > MAX_CALLBACK_BYTES:
            raise ValueError(f"callback data over {MAX_CALLBACK_BYTES} bytes: {data!r}")
        label = f"{choice.label} · {choice.description}" if choice.description else choice.label
        buttons.append({"text": label[:MAX_BUTTON_TEXT], "callback_data": data})
    if message.style is ChoiceStyle.LIST:
        return {"inline_keyboard": [[b] for b in buttons] + ([link] if link else [])}
    rows = [buttons[i : i + ROW_OF_BUTTONS] for i in range(0, len(buttons), ROW_OF_BUTTONS)]
    return {"inline_keyboard": rows + ([link] if link else [])}


def _object(value: object, what: str) -> dict[str, Any]:
    """A part of the update that must be a JSON object; TypeError (a bad payload) otherwise."""
    if not isinstance(value, dict):
        raise TypeError(f"{what} is not an object")
    return value


def _chat_key(message: dict[str, Any]) -> ConversationKey:
    """The chat, keyed by its id: an integer within 64 bits in the Bot API, never text or a float."""
    chat_id = _object(message["chat"], "chat")["id"]
    if type(chat_id) is not int or not -(2**63) <= chat_id < 2**63:
        raise TypeError(f"chat id {str(chat_id)[:40]!r} is not a 64-bit integer")
    return ConversationKey(CHANNEL, str(chat_id))


def _full_name(user: dict[str, Any]) -> str:
    return chat_text(" ".join(str(part) for part in (user.get("first_name"), user.get("last_name")) if part))


def _when(message: dict[str, Any] | None) -> datetime:
    return unix_time(message["date"]) if message else datetime.now(UTC)


def _press(update_id: str, query: dict[str, Any]) -> InboundMessage | None:
    """A button press; None for one on an inline-mode message (no chat to answer in)."""
    user, message = _object(query["from"], "from"), query.get("message")
    if message is None:
        return None
    message = _object(message, "message")
    return InboundMessage(
        _chat_key(message),
        update_id,
        _when(message),
        InboundKind.CHOICE,
        choice_id=chat_text(query.get("data") or ""),
        language=str(user.get("language_code") or ""),
        contact_name=_full_name(user),
        ack=str(query["id"]),  # must be answered, or the shopper's button keeps spinning
    )


def parse_update(data: dict[str, Any]) -> InboundMessage | None:
    """A message or button press as an InboundMessage; other update kinds are ignored (None).

    A payload without the fields every update of its kind has raises KeyError or TypeError.
    """
    update_id = str(int(data["update_id"]))
    if (query := data.get("callback_query")) is not None:
        return _press(update_id, _object(query, "callback_query"))
    message = data.get("message")
    if message is None or "from" not in _object(message, "message"):
        return None  # edits, membership changes, channel posts: nothing to answer
    user = _object(message["from"], "from")
    text, phone, kind = message.get("text"), "", InboundKind.TEXT
    if (contact := message.get("contact")) is not None:
        text = phone = chat_text(_object(contact, "contact")["phone_number"])
    elif not text:
        kind = InboundKind.UNSUPPORTED
    return InboundMessage(
        _chat_key(message),
        update_id,
        _when(message),
        kind,
        text=chat_text(text or ""),
        language=str(user.get("language_code") or ""),
        contact_name=_full_name(user),
        phone=phone,
    )


def _api_error(status: int, content: bytes) -> ChannelError:
    """The Bot API's `{"ok": false, "error_code", "description", "parameters"}` as transient or permanent."""
    try:
        body = orjson.loads(content)
    except orjson.JSONDecodeError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    description = str(body.get("description") or f"HTTP {status}")
    code = int(body.get("error_code") or status)
    retry_after = (body.get("parameters") or {}).get("retry_after")
    if code == 429:
        return ChannelError(description, transient=True, retry_after=float(retry_after or 1))
    # 400 (bad request, chat not found), 401, 403 (blocked by the user), 404: retrying cannot help.
    return ChannelError(f"{code}: {description}", transient=code >= 500)


class TelegramChannel(BaseChannel):
    """The bot's webhook and its Bot API client; secret-checked updates in, JSON messages out."""

    name = CHANNEL
    has_webhook = True

    def __init__(
        self,
        token: str,
        *,
        api_url: str,
        webhook_secret: str | None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._token = token
        self._base = f"{api_url.rstrip('/')}/bot{token}"
        self._secret = webhook_secret
        self._given_transport = transport
        self._paths: dict[str, str] = {}
        self._client = poster(api_url, transport, timeout=TIMEOUT_SECONDS)

    def verify(self, request: WebhookRequest) -> Verdict:
        """Constant-time check of the secret Telegram echoes on every webhook call."""
        header = request.headers.get(_SECRET_HEADER)
        if header is None:
            return Verdict.MISSING
        if self._secret and hmac.compare_digest(header.encode(), self._secret.encode()):
            return Verdict.ACCEPTED
        return Verdict.FORGED

    def parse(self, body: bytes) -> list[InboundMessage]:
        """One update per call: a message or a button press, or nothing for kinds that need no answer."""
        try:
            inbound = parse_update(json_object(body, "Telegram update"))
        except (KeyError, TypeError, ValueError) as exc:
            raise BadPayload(f"not a Telegram update: {exc!r}") from None
        return [inbound] if inbound is not None else []

    def answer(self, messages: Sequence[InboundMessage]) -> dict[str, Any]:
        """A button press is answered in the webhook's response, which Telegram runs as a Bot API call: it
        stops the spinner on the shopper's button without a request (and round trip) of our own."""
        press = messages[0].ack if len(messages) == 1 else ""
        if press:
            return {"method": "answerCallbackQuery", "callback_query_id": press}
        return {"ok": True}

    async def send(self, message: OutboundMessage) -> None:
        parts = split_text(message.text, MAX_TEXT)
        markup = keyboard(message)
        for i, part in enumerate(parts):
            body: dict[str, Any] = {"chat_id": message.key.user_id, "text": part}
            if markup is not None and i == len(parts) - 1:
                body["reply_markup"] = markup
            await self._call("sendMessage", body)

    async def _call(self, method: str, body: dict[str, Any]) -> None:
        path = self._paths.get(method) or self._paths.setdefault(method, f"/bot{self._token}/{method}")
        try:
            status, answer = await self._client.post(path, orjson.dumps(body))
        except HttpError as exc:  # refused, reset, timed out: Telegram may well answer later
            raise ChannelError(str(exc), transient=True) from None
        if status != 200:
            raise _api_error(status, answer)

    async def set_webhook(self, url: str) -> bool:
        given = self._given_transport
        kwargs: dict[str, Any] = {"transport": given} if given is not None else {}
        base_url = self._base.removesuffix(self._token)
        bot = Bot(self._token, base_url=base_url, request=HTTPXRequest(httpx_kwargs=kwargs))
        try:
            return bool(await bot.set_webhook(url, secret_token=self._secret))
        finally:
            await bot.shutdown()

    async def aclose(self) -> None:
        await self._client.aclose()
