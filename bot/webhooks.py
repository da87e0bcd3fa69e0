"""Webhook handlers: verify the provider's secret on the raw request, parse, hand over, answer fast."""

from __future__ import annotations

import logging
from collections.abc import Callable

import orjson
from sqlalchemy import Connection

from bot.admin import is_admin_command
from bot.container import Container
from bot.direct_routes import Handler, RawRequest, RawResponse, error_response
from channels.telegram import CHANNEL, SECRET_HEADER, TelegramChannel, TelegramUpdate
from flows.messages import InboundKind, InboundMessage

log = logging.getLogger(__name__)

STAFF_ONLY = "Sorry, that command is only for the store's staff."
_OK = RawResponse.json({"ok": True})
_SECRET_HEADER = SECRET_HEADER.lower()


def _admin_work(container: Container, inbound: InboundMessage) -> Callable[[Connection], str]:
    """Admin commands run for the admin chat only; anyone else is told they are for staff."""
    admin = container.settings.telegram_admin_chat_id
    if admin is not None and inbound.key.user_id == admin:
        return lambda conn: container.admin.run(conn, inbound.text, f"telegram:{admin}")
    return lambda _conn: STAFF_ONLY


async def _dispatch(container: Container, inbound: InboundMessage) -> None:
    if inbound.kind is InboundKind.TEXT and is_admin_command(inbound.text):
        await container.turns.answer_once(CHANNEL, inbound, _admin_work(container, inbound))
    else:
        await container.turns.handle(CHANNEL, inbound)


def _parse_telegram(channel: TelegramChannel, body: bytes) -> TelegramUpdate | RawResponse | None:
    """The update, None for a kind that needs no answer, or the 400 for a body that is no update."""
    try:
        data = orjson.loads(body)
        if not isinstance(data, dict):
            raise TypeError("expected a JSON object")
        return channel.parse(data)
    except (ValueError, KeyError, TypeError) as exc:
        return error_response(400, f"not a Telegram update: {exc!r}", "bad_update")


def telegram_webhook(container: Container) -> Handler:
    """`POST /webhooks/telegram`: one Telegram `Update` per call."""

    async def handle(request: RawRequest) -> RawResponse:
        channel = container.telegram
        if channel is None:
            return error_response(404, "Telegram is not configured", "not_configured")
        if request.method != "POST":
            return error_response(405, "use POST", "method_not_allowed")
        if not channel.verify(request.headers.get(_SECRET_HEADER)):
            return error_response(403, "wrong or missing secret token", "forbidden")
        parsed = _parse_telegram(channel, request.body)
        if not isinstance(parsed, TelegramUpdate):
            return parsed or _OK
        try:
            await _dispatch(container, parsed.inbound)
        except Exception:
            # Nothing was committed: Telegram retries, and the claim makes the retry safe.
            log.exception("telegram update %s failed", parsed.inbound.message_id)
            return error_response(503, "temporarily unavailable", "unavailable")
        # A button press is answered in this response, which stops the spinner on the shopper's button.
        press = parsed.callback_query_id
        return RawResponse.json(channel.callback_answer(press)) if press is not None else _OK

    return handle


def webhook_routes(container: Container) -> dict[str, Handler]:
    return {"/webhooks/telegram": telegram_webhook(container)}
