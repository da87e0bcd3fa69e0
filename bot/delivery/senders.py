"""Outbox senders: signed merchant webhooks over HTTP, and chat messages rendered from templates."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from bot.delivery import codec
from bot.delivery.rendering import MessageRenderer, TemplateMissing
from bot.delivery.windows import WindowedSend
from channels.base import Channel, ChannelError
from flows.messages import ConversationKey
from orders.outbox import OutboxRow

SIGNATURE_HEADER = "X-Chatcart-Signature"


def sign_webhook(secret: str, timestamp: int, body: bytes) -> str:
    """`t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`: the receiver checks it like Stripe's."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def _classify(response: httpx.Response) -> ChannelError | None:
    if response.is_success:
        return None
    retry_after = response.headers.get("Retry-After")
    transient = response.status_code in (408, 409, 425, 429) or response.status_code >= 500
    return ChannelError(
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
            raise ChannelError(f"{type(exc).__name__}: {exc}", transient=True) from None
        error = _classify(response)
        if error is not None:
            raise error


class ChatMessageSender:
    """Sends a chat message (a flow reply, or a template rendered in the reader's language) on its channel."""

    def _button(self, payload: Mapping[str, Any]) -> str:
        """A link button's label in the reader's language ("Pay now")."""
        try:
            return self._renderer.render("pay_button", str(payload.get("language", "en")), {}).strip()
        except TemplateMissing:
            return "Pay"

    def __init__(
        self,
        renderer: MessageRenderer,
        channels: Mapping[str, Channel],
        send: WindowedSend,
    ) -> None:
        self._renderer = renderer
        self._channels = channels  # by lead channel
        self._send = send

    async def __call__(self, row: OutboxRow) -> None:
        channel, _, user_id = row.recipient.partition(":")
        if not user_id:
            raise ChannelError("the customer has no chat channel to message", transient=False)
        adapter = self._channels.get(channel)
        if adapter is None:
            raise ChannelError(f"channel {channel!r} is not configured on this server", transient=False)
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
                raise ChannelError(str(exc), transient=False) from None
        if isinstance(payload.get("link"), dict):
            payload = payload | {"link": payload["link"] | {"label": self._button(payload)}}
        message = codec.from_payload(ConversationKey(channel, user_id), payload, str(text))
        await self._send(adapter, message, payload)
