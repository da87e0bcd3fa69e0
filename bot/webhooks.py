"""Webhook routes: verify the provider's secret on the raw request, parse, hand over, answer fast."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Connection

from bot.admin import is_admin_command
from bot.api.errors import error_body
from bot.container import Container
from channels.telegram import CHANNEL, SECRET_HEADER
from flows.messages import InboundKind, InboundMessage

log = logging.getLogger(__name__)
router = APIRouter(tags=["webhooks"], include_in_schema=False)

STAFF_ONLY = "Sorry, that command is only for the store's staff."


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


@router.post("/webhooks/telegram")
async def telegram_webhook(request: Request) -> Any:
    container: Container = request.app.state.container
    channel = container.telegram
    if channel is None:
        return JSONResponse(error_body("Telegram is not configured", "not_configured"), status_code=404)
    if not channel.verify(request.headers.get(SECRET_HEADER)):
        return JSONResponse(error_body("wrong or missing secret token", "forbidden"), status_code=403)
    try:
        data = json.loads(await request.body())
        parsed = channel.parse(data) if isinstance(data, dict) else None
    except (ValueError, KeyError, TypeError) as exc:
        return JSONResponse(error_body(f"not a Telegram update: {exc}", "bad_update"), status_code=400)
    if parsed is None:
        return {"ok": True}
    try:
        await _dispatch(container, parsed.inbound)
    except Exception:
        # Nothing was committed: Telegram retries, and the claim makes the retry safe.
        log.exception("telegram update %s failed", parsed.inbound.message_id)
        return JSONResponse(error_body("temporarily unavailable", "unavailable"), status_code=503)
    # A button press is answered in this response, which stops the spinner on the shopper's button.
    press = parsed.callback_query_id
    return channel.callback_answer(press) if press is not None else {"ok": True}
