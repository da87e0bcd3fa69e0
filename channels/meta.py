"""Messenger and Instagram over the Send API: parse every entry and event, render within limits.

No maintained Python library covers the Send API (the ones on PyPI are years old or cover other APIs),
so this is a thin client of our own, sending over channels/http1.py's keep-alive connections. Webhook
checks are Meta's shared conventions (`channels.hub`). A Page (`object: page`) is the `messenger` channel,
an Instagram professional account (`object: instagram`) the `instagram` channel: two leads for one person.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import orjson

from channels.base import (
    BadPayload,
    ChannelError,
    Notice,
    chat_text,
    clip,
    json_object,
    outside_window,
    split_text,
    unix_time,
)
from channels.http1 import HttpError, poster
from channels.hub import CUSTOMER_SERVICE_WINDOW, HubChannel
from flows.messages import ChoiceStyle, ConversationKey, InboundKind, InboundMessage, OutboundMessage

MESSENGER = "messenger"
INSTAGRAM = "instagram"
CHANNEL_OF_OBJECT = {"page": MESSENGER, "instagram": INSTAGRAM}
MAX_TEXT = {MESSENGER: 2000, INSTAGRAM: 1000}
MAX_QUICK_REPLIES = 13
MAX_QUICK_REPLY_TITLE = 20
MAX_BUTTONS = 3
MAX_BUTTON_TITLE = 20
MAX_BUTTON_TEXT = 640
ORDER_UPDATE_TAG = "POST_PURCHASE_UPDATE"
GRAPH_VERSION = "v21.0"
# Graph error codes worth retrying: temporary failure, rate limits (besides any 5xx and `is_transient`).
_TRANSIENT_CODES = frozenset({1, 2, 4, 17, 32, 341, 613})


# --- inbound ------------------------------------------------------------------------------------------


def _inbound(channel: str, event: dict[str, Any]) -> InboundMessage | None:
    sender = str(event["sender"]["id"])
    key = ConversationKey(channel, sender)
    at = unix_time(int(event["timestamp"]), per_second=1000)
    if (postback := event.get("postback")) is not None:
        mid = str(postback.get("mid") or f"postback:{sender}:{event['timestamp']}")
        return InboundMessage(key, mid, at, InboundKind.CHOICE, choice_id=chat_text(postback["payload"]))
    message = event.get("message")
    if message is None or message.get("is_echo"):
        return None  # deliveries, reads, reactions, and our own messages echoed back
    mid = str(message["mid"])
    if (quick_reply := message.get("quick_reply")) is not None:
        return InboundMessage(key, mid, at, InboundKind.CHOICE, choice_id=chat_text(quick_reply["payload"]))
    if message.get("text"):
        return InboundMessage(key, mid, at, InboundKind.TEXT, text=chat_text(message["text"]))
    return InboundMessage(key, mid, at, InboundKind.UNSUPPORTED)  # images, audio, stickers, shares…


def parse_webhook(payload: dict[str, Any]) -> list[InboundMessage]:
    """Every message and postback of every entry, in order; echoes and receipts carry none.

    A payload without the fields every Messenger or Instagram event has raises KeyError, TypeError or
    ValueError.
    """
    channel = CHANNEL_OF_OBJECT.get(str(payload.get("object")))
    if channel is None:
        raise ValueError("not a Messenger (page) or Instagram webhook")
    return list(_events(channel, payload))


def _events(channel: str, payload: dict[str, Any]) -> Iterator[InboundMessage]:
    for entry in payload["entry"]:
        for event in entry.get("messaging", []):
            if (inbound := _inbound(channel, event)) is not None:
                yield inbound


# --- outbound -----------------------------------------------------------------------------------------


def render(message: OutboundMessage) -> list[dict[str, Any]]:
    """Send API `message` objects: a button template for up to three short actions, quick replies
    (thirteen at a time) otherwise, text split to the channel's limit."""
    channel = message.key.channel
    choices = message.choices
    short = all(len(c.label) <= MAX_BUTTON_TITLE for c in choices)
    if choices and message.style is ChoiceStyle.BUTTONS and len(choices) <= MAX_BUTTONS and short:
        *lead, body = split_text(message.text, MAX_BUTTON_TEXT)
        buttons = [{"type": "postback", "title": c.label, "payload": c.id} for c in choices]
        template = {"template_type": "button", "text": body, "buttons": buttons}
        return [{"text": part} for part in lead] + [{"attachment": {"type": "template", "payload": template}}]
    text = message.text
    if any(c.description for c in choices):
        # A quick reply shows a short title only, so what describes each choice (a price) goes in the text.
        text += "\n" + "\n".join(f"• {c.label} — {c.description}" for c in choices if c.description)
    parts: list[dict[str, Any]] = [{"text": part} for part in split_text(text, MAX_TEXT[channel])]
    if not choices:
        return parts
    replies = [
        {"content_type": "text", "title": clip(c.label, MAX_QUICK_REPLY_TITLE), "payload": c.id}
        for c in choices
    ]
    pages = [replies[i : i + MAX_QUICK_REPLIES] for i in range(0, len(replies), MAX_QUICK_REPLIES)]
    parts[-1] = parts[-1] | {"quick_replies": pages[0]}
    return parts + [{"text": "…", "quick_replies": page} for page in pages[1:]]


def _graph_error(status: int, content: bytes) -> ChannelError:
    try:
        error = orjson.loads(content).get("error") or {}
    except (orjson.JSONDecodeError, AttributeError):
        error = {}
    code = int(error.get("code") or 0)
    transient = status >= 500 or status == 429
    transient = transient or bool(error.get("is_transient")) or code in _TRANSIENT_CODES
    message = error.get("message") or f"HTTP {status}"
    return ChannelError(f"Graph {code}: {message}", transient=transient)


class MetaChannel(HubChannel):
    """Sends as the Page (Messenger) or its Instagram account, with the Page access token."""

    name = "meta"

    def __init__(
        self,
        page_token: str,
        *,
        api_url: str,
        app_secret: str | None,
        verify_token: str | None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._path = f"/{GRAPH_VERSION}/me/messages"
        auth = {"Authorization": f"Bearer {page_token}"}
        self._http = poster(api_url, transport, timeout=10.0, headers=auth)
        super().__init__(app_secret, verify_token)

    @property
    def serves(self) -> tuple[str, ...]:
        return (MESSENGER, INSTAGRAM)

    def parse(self, body: bytes) -> list[InboundMessage]:
        try:
            return parse_webhook(json_object(body, "Messenger or Instagram webhook"))
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise BadPayload(f"not a Messenger or Instagram webhook: {exc!r}") from None

    async def send(self, message: OutboundMessage) -> None:
        """A reply within the 24-hour window."""
        await self._send(message, {"messaging_type": "RESPONSE"})

    async def send_outside_window(self, message: OutboundMessage, notice: Notice) -> None:
        """Messenger: an order update, tagged as one. Instagram allows nothing after 24 hours."""
        channel = message.key.channel
        if channel != MESSENGER or not notice.is_order_update:
            reason = f"{channel} allows no {notice.event} message after that"
            raise outside_window(channel, CUSTOMER_SERVICE_WINDOW, reason)
        await self._send(message, {"messaging_type": "MESSAGE_TAG", "tag": ORDER_UPDATE_TAG})

    async def _send(self, message: OutboundMessage, kind: dict[str, str]) -> None:
        for part in render(message):
            body = {"recipient": {"id": message.key.user_id}, "message": part, **kind}
            try:
                status, answer = await self._http.post(self._path, orjson.dumps(body))
            except HttpError as exc:
                raise ChannelError(str(exc), transient=True) from None
            if status != 200:
                raise _graph_error(status, answer)

    async def aclose(self) -> None:
        await self._http.aclose()
