"""`GET|POST /webhooks/whatsapp` and `/webhooks/meta`: Meta's subscription challenge, and signed batches of
messages (WhatsApp, Messenger and Instagram deliver alike)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol
from urllib.parse import parse_qs

import orjson

from bot.setup.wiring import Container
from bot.turns.dispatch import dispatch
from bot.web.direct_routes import Handler, RawRequest, RawResponse, error_response
from channels.hub import SIGNATURE_HEADER
from flows.messages import InboundMessage

log = logging.getLogger(__name__)
_OK = RawResponse.json({"ok": True})


class HubChannel(Protocol):
    def verify(self, body: bytes, header: str | None) -> bool: ...
    def challenge(self, mode: str, token: str, challenge: str) -> str | None: ...
    def parse(self, payload: dict[str, Any]) -> list[InboundMessage]: ...


def _challenge(channel: HubChannel, query_string: bytes) -> RawResponse:
    query = {k: v[0] for k, v in parse_qs(query_string.decode("latin-1")).items()}
    answer = channel.challenge(
        query.get("hub.mode", ""), query.get("hub.verify_token", ""), query.get("hub.challenge", "")
    )
    if answer is None:
        return error_response(403, "wrong verify token", "forbidden")
    return RawResponse(200, answer.encode(), b"text/plain; charset=utf-8")


def _parse(channel: HubChannel, body: bytes, name: str) -> list[InboundMessage] | RawResponse:
    try:
        payload = orjson.loads(body)
        if not isinstance(payload, dict):
            raise TypeError("expected a JSON object")
        return channel.parse(payload)
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        return error_response(400, f"not a {name} webhook: {exc!r}", "bad_update")


async def _deliver(container: Container, channel: HubChannel, name: str, request: RawRequest) -> RawResponse:
    """Every message of a batch is processed, in order; each is claimed by its id, so Meta's retry of a
    batch that failed half-way processes only what had not been."""
    signature = request.headers.get(SIGNATURE_HEADER)
    if signature is None:
        return error_response(401, "missing X-Hub-Signature-256", "unauthorized")
    if not channel.verify(request.body, signature):
        return error_response(403, "bad signature", "forbidden")
    messages = _parse(channel, request.body, name)
    if isinstance(messages, RawResponse):
        return messages
    for inbound in messages:
        try:
            await dispatch(container, inbound)
        except Exception:
            log.exception("%s message %s failed", inbound.key.channel, inbound.message_id)
            return error_response(503, "temporarily unavailable", "unavailable")
    return _OK


def hub_webhook(
    name: str, channel_of: Callable[[Container], HubChannel | None], container: Container
) -> Handler:
    """The route for one Meta product: `name` for messages, `channel_of` finds its adapter if configured."""

    async def handle(request: RawRequest) -> RawResponse:
        channel = channel_of(container)
        if channel is None:
            return error_response(404, f"{name} is not configured", "not_configured")
        if request.method == "GET":
            return _challenge(channel, request.query_string)
        if request.method == "POST":
            return await _deliver(container, channel, name, request)
        return error_response(405, "use GET or POST", "method_not_allowed")

    return handle
