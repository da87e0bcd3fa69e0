"""Outbox senders: signed merchant webhooks over HTTP, and chat messages rendered from templates."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Mapping
from typing import Protocol

import httpx

from bot.delivery.relay import DeliveryError
from bot.delivery.rendering import MessageRenderer, TemplateMissing
from bot.delivery.windows import OutsideWindow
from flows.messages import Choice, ChoiceStyle, ConversationKey, OutboundMessage
from orders.outbox import OutboxRow

SIGNATURE_HEADER = "X-Chatcart-Signature"


def sign_webhook(secret: str, timestamp: int, body: bytes) -> str:
    """`t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`: the receiver checks it like Stripe's."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def _classify(response: httpx.Response) -> DeliveryError | None:
    if response.is_success:
        return None
    retry_after = response.headers.get("Retry-After")
    transient = response.status_code in (408, 409, 425, 429) or response.status_code >= 500
    return DeliveryError(
        f"HTTP {response.status_code} from receiver",
        transient=transient,
        retry_after=float(retry_after) if retry_after and retry_after.isdigit() else None,
    )


class MerchantWebhookSender:
    """POSTs order events to the merchant's URL; the event id lets the receiver drop a repeat."""

    def __init__(
        self, url: str, secret: str, client: httpx.AsyncClient, clock: Callable[[], float] = time.time
    ):
        self._url = url
        self._secret = secret
        self._client = client
        self._clock = clock

    async def __call__(self, row: OutboxRow) -> None:
        body = json.dumps(row.payload, separators=(",", ":"), ensure_ascii=False).encode()
        timestamp = int(self._clock())
        headers = {
            "Content-Type": "application/json",
            "X-Chatcart-Event-Id": str(row.payload.get("id", row.dedupe_key)),
            "X-Chatcart-Event-Type": str(row.payload.get("type", "")),
            SIGNATURE_HEADER: sign_webhook(self._secret, timestamp, body),
        }
        try:
            response = await self._client.post(self._url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"{type(exc).__name__}: {exc}", transient=True) from None
        error = _classify(response)
        if error is not None:
            raise error


class ChatTransport(Protocol):
    """Sends one message to one user of one channel (implemented by each channel adapter)."""

    async def send(self, message: OutboundMessage) -> None: ...


def outbound_from_payload(key: ConversationKey, payload: dict[str, object], text: str) -> OutboundMessage:
    raw_choices = payload.get("choices") or []
    assert isinstance(raw_choices, list)
    choices = tuple(Choice(str(c["id"]), str(c["label"]), str(c.get("description", ""))) for c in raw_choices)
    style = ChoiceStyle(str(payload.get("style") or ChoiceStyle.BUTTONS.value))
    return OutboundMessage(key, text, choices, style, str(payload.get("list_button") or ""))


class ChatMessageSender:
    """Sends a chat message (a flow reply, or a template rendered in the reader's language) on its channel."""

    def __init__(
        self,
        renderer: MessageRenderer,
        transports: Mapping[str, ChatTransport],
        outside_window: OutsideWindow | None = None,
    ) -> None:
        self._renderer = renderer
        self._transports = transports
        self._outside_window = outside_window

    async def __call__(self, row: OutboxRow) -> None:
        channel, _, user_id = row.recipient.partition(":")
        if not user_id:
            raise DeliveryError("the customer has no chat channel to message", transient=False)
        transport = self._transports.get(channel)
        if transport is None:
            raise DeliveryError(f"channel {channel!r} is not configured on this server", transient=False)
        payload = row.payload
        text = payload.get("text")
        if text is None:
            try:
                text = self._renderer.render(
                    str(payload["template"]),
                    str(payload.get("language", "en")),
                    dict(payload.get("params", {})),
                )
            except TemplateMissing as exc:
                raise DeliveryError(str(exc), transient=False) from None
        message = outbound_from_payload(ConversationKey(channel, user_id), payload, str(text))
        if self._outside_window is not None and await self._outside_window.handled(message, payload):
            return
        await transport.send(message)
