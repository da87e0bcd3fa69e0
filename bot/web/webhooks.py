"""Webhook handlers: verify the provider's secret on the raw request, parse, hand over, answer fast."""

from __future__ import annotations

import logging

import orjson

from bot.setup.wiring import Container
from bot.turns.dispatch import dispatch
from bot.web.direct_routes import Handler, RawRequest, RawResponse, error_response
from bot.web.hub_webhooks import hub_webhook
from channels.telegram import SECRET_HEADER, TelegramChannel, TelegramUpdate

log = logging.getLogger(__name__)

_OK = RawResponse.json({"ok": True})
_SECRET_HEADER = SECRET_HEADER.lower()


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
            await dispatch(container, parsed.inbound)
        except Exception:
            # Nothing was committed: Telegram retries, and the claim makes the retry safe.
            log.exception("telegram update %s failed", parsed.inbound.message_id)
            return error_response(503, "temporarily unavailable", "unavailable")
        # A button press is answered in this response, which stops the spinner on the shopper's button.
        press = parsed.callback_query_id
        return RawResponse.json(channel.callback_answer(press)) if press is not None else _OK

    return handle


def webhook_routes(container: Container) -> dict[str, Handler]:
    return {
        "/webhooks/telegram": telegram_webhook(container),
        "/webhooks/whatsapp": hub_webhook("WhatsApp", lambda c: c.whatsapp, container),
        "/webhooks/meta": hub_webhook("Messenger or Instagram", lambda c: c.meta, container),
    }
