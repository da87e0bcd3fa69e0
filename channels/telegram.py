"""Telegram on python-telegram-bot: check the webhook secret, parse updates, render inline keyboards, send."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.request import HTTPXRequest

from channels.errors import ChannelError
from flows.messages import ChoiceStyle, ConversationKey, InboundKind, InboundMessage, OutboundMessage

CHANNEL = "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_TEXT = 4096
MAX_CALLBACK_BYTES = 64
MAX_BUTTON_TEXT = 64
ROW_OF_BUTTONS = 3


@dataclass(frozen=True, slots=True)
class TelegramUpdate:
    inbound: InboundMessage
    callback_query_id: str | None  # must be answered, or the shopper's button keeps spinning


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Cut long text at line breaks (hard-cut a single huge line) so that no part exceeds the limit."""
    pieces = [line[i : i + limit] for line in text.split("\n") for i in range(0, max(len(line), 1), limit)]
    parts: list[str] = []
    current = ""
    for piece in pieces:
        candidate = f"{current}\n{piece}" if current else piece
        if len(candidate) > limit:
            parts.append(current)
            candidate = piece
        current = candidate
    parts.append(current)
    return [p for p in parts if p] or [""]


def keyboard(message: OutboundMessage) -> InlineKeyboardMarkup | None:
    """Lists one row per choice (with its description); a few buttons share rows of three."""
    if not message.choices:
        return None
    buttons = []
    for choice in message.choices:
        data = choice.id
        if len(data.encode()) > MAX_CALLBACK_BYTES:
            raise ValueError(f"callback data over {MAX_CALLBACK_BYTES} bytes: {data!r}")
        label = f"{choice.label} · {choice.description}" if choice.description else choice.label
        buttons.append(InlineKeyboardButton(label[:MAX_BUTTON_TEXT], callback_data=data))
    if message.style is ChoiceStyle.LIST:
        return InlineKeyboardMarkup([[b] for b in buttons])
    return InlineKeyboardMarkup(
        [buttons[i : i + ROW_OF_BUTTONS] for i in range(0, len(buttons), ROW_OF_BUTTONS)]
    )


def _retry_seconds(error: RetryAfter) -> float:
    """Seconds to wait: an int in PTB 22, a timedelta in later versions (PTB warns of the change)."""
    value: Any = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramChannel:
    def __init__(
        self,
        token: str,
        *,
        api_url: str,
        webhook_secret: str | None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        kwargs: dict[str, Any] = {"transport": transport} if transport is not None else {}
        request = HTTPXRequest(connection_pool_size=64, httpx_kwargs=kwargs)
        self._bot = Bot(token, base_url=f"{api_url.rstrip('/')}/bot", request=request)
        self._secret = webhook_secret

    def verify(self, header: str | None) -> bool:
        """Constant-time check of the secret Telegram echoes on every webhook call."""
        if not self._secret or header is None:
            return False
        return hmac.compare_digest(header.encode(), self._secret.encode())

    def parse(self, data: dict[str, Any]) -> TelegramUpdate | None:
        """A message or button press as an InboundMessage; other update kinds are ignored (None)."""
        update = Update.de_json(data, self._bot)
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None:
            return None
        key = ConversationKey(CHANNEL, str(chat.id))
        update_id = str(update.update_id)

        def inbound(
            at: datetime, kind: InboundKind, text: str = "", choice: str = "", phone: str = ""
        ) -> InboundMessage:
            return InboundMessage(
                key, update_id, at, kind, text, choice, user.language_code or "", user.full_name, phone
            )

        if update.callback_query is not None:
            query = update.callback_query
            at = query.message.date if query.message is not None else datetime.now(UTC)
            return TelegramUpdate(inbound(at, InboundKind.CHOICE, choice=query.data or ""), query.id)
        message = update.message
        if message is None:
            return None  # edits, membership changes, channel posts: nothing to answer
        if message.text:
            return TelegramUpdate(inbound(message.date, InboundKind.TEXT, text=message.text), None)
        if message.contact is not None:
            phone = message.contact.phone_number
            return TelegramUpdate(inbound(message.date, InboundKind.TEXT, text=phone, phone=phone), None)
        return TelegramUpdate(inbound(message.date, InboundKind.UNSUPPORTED), None)

    async def send(self, message: OutboundMessage) -> None:
        parts = split_text(message.text)
        markup = keyboard(message)
        try:
            for i, part in enumerate(parts):
                last = i == len(parts) - 1
                await self._bot.send_message(message.key.user_id, part, reply_markup=markup if last else None)
        except RetryAfter as exc:
            raise ChannelError(str(exc), transient=True, retry_after=_retry_seconds(exc)) from None
        except BadRequest as exc:  # a NetworkError subclass, but retrying cannot fix it
            raise ChannelError(f"BadRequest: {exc}", transient=False) from None
        except (TimedOut, NetworkError) as exc:
            raise ChannelError(f"{type(exc).__name__}: {exc}", transient=True) from None
        except TelegramError as exc:  # Forbidden (blocked by the user), chat not found…
            raise ChannelError(f"{type(exc).__name__}: {exc}", transient=False) from None

    @staticmethod
    def callback_answer(callback_query_id: str) -> dict[str, str]:
        """A button press's answer as the webhook's response body: Telegram runs the method named there,
        which saves one Bot API call (and its network round trip) per press."""
        return {"method": "answerCallbackQuery", "callback_query_id": callback_query_id}

    async def set_webhook(self, url: str) -> bool:
        return bool(await self._bot.set_webhook(url, secret_token=self._secret))

    async def aclose(self) -> None:
        await self._bot.shutdown()
