"""`/webhooks/<channel>`: verify the provider's credentials on the raw request, parse, hand over, answer fast.

One handler serves every channel through its `Channel` adapter: Telegram, WhatsApp, Messenger and Instagram.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping

from bot.turns.failures import is_transient
from bot.web.direct_routes import Handler, RawResponse, error_response
from channels.base import BadPayload, Channel, Verdict, WebhookRequest
from flows.messages import InboundMessage

log = logging.getLogger(__name__)

Dispatch = Callable[[InboundMessage], Awaitable[None]]
# (provider, message id, the error, the raw payload): keeps a failure a redelivery cannot fix.
Record = Callable[[str, str, BaseException, bytes], Awaitable[None]]


class Unavailable(Exception):
    """A passing outage (the database or Redis): answer 503 so that the provider delivers it again."""


async def hand_over(dispatch: Dispatch, record: Record, inbound: InboundMessage, payload: bytes) -> bool:
    """Dispatch one message; False when it failed for good and was recorded instead.

    Only a transient failure raises (Unavailable): nothing was committed, and the claim makes the
    redelivery safe. Any other failure would come back on every redelivery and hold the shopper's later
    messages behind it, so it is acknowledged.
    """
    provider = inbound.key.channel
    try:
        await dispatch(inbound)
    except Exception as exc:
        if is_transient(exc):
            log.warning(
                "%s message %s: unavailable, to be redelivered: %r", provider, inbound.message_id, exc
            )
            raise Unavailable(str(exc)) from exc
        log.exception(
            "%s message %s failed for good; acknowledged and kept in failed_updates: %r",
            provider,
            inbound.message_id,
            payload[:2000],
        )
        try:
            await record(provider, inbound.message_id, exc, payload)
        except Exception as failure:  # not even recorded (the database went away): let it come again
            raise Unavailable(str(failure)) from failure
        return False
    return True


def _refusal(verdict: Verdict, channel: Channel) -> RawResponse | None:
    if verdict is Verdict.ACCEPTED:
        return None
    if verdict is Verdict.MISSING:
        return error_response(401, f"missing {channel.name} webhook credentials", "unauthorized")
    return error_response(403, f"wrong {channel.name} webhook credentials", "forbidden")


def _handshake(channel: Channel, request: WebhookRequest) -> RawResponse:
    """A subscription challenge (Meta's GET): echo it when the verify token matches."""
    answer = channel.challenge(request)
    if answer is None:
        return error_response(403, "wrong verify token", "forbidden")
    return RawResponse(200, answer.encode(), b"text/plain; charset=utf-8")


async def _deliver(
    channel: Channel, dispatch: Dispatch, record: Record, request: WebhookRequest
) -> RawResponse:
    """Every message of a delivery, in order. Each is claimed by its provider id, so the provider's retry
    of a delivery that failed half-way (our 503) processes only what had not been."""
    refused = _refusal(channel.verify(request), channel)
    if refused is not None:
        return refused
    try:
        messages = channel.parse(request.body)
    except BadPayload as exc:
        return error_response(400, str(exc), "bad_update")
    for inbound in messages:
        try:
            await hand_over(dispatch, record, inbound, request.body)
        except Unavailable:
            return error_response(503, "temporarily unavailable", "unavailable")
    return RawResponse.json(channel.answer(messages))


def channel_webhook(title: str, channel: Channel | None, dispatch: Dispatch, record: Record) -> Handler:
    """The route of one provider; `title` names it when it is not configured on this server."""

    async def handle(request: WebhookRequest) -> RawResponse:
        if channel is None:
            return error_response(404, f"{title} is not configured", "not_configured")
        if request.method == "POST":
            return await _deliver(channel, dispatch, record, request)
        if request.method == "GET" and channel.has_handshake:
            return _handshake(channel, request)
        allowed = "GET or POST" if channel.has_handshake else "POST"
        return error_response(405, f"use {allowed}", "method_not_allowed")

    return handle


def webhook_routes(
    titles: Mapping[str, str], channels: Mapping[str, Channel], dispatch: Dispatch, record: Record
) -> dict[str, Handler]:
    """`/webhooks/<name>` for every known provider, configured or not."""
    return {
        f"/webhooks/{name}": channel_webhook(title, channels.get(name), dispatch, record)
        for name, title in titles.items()
    }
