"""Webhook routes: verify the provider's secret on the raw request, parse, hand over, answer fast."""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from bot.admin import is_admin_command
from bot.api.errors import error_body
from bot.container import Container
from channels.telegram import CHANNEL, SECRET_HEADER
from flows.messages import InboundKind

log = logging.getLogger(__name__)
router = APIRouter(tags=["webhooks"], include_in_schema=False)

STAFF_ONLY = "Sorry, that command is only for the store's staff."


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
    inbound = parsed.inbound
    try:
        if inbound.kind is InboundKind.TEXT and is_admin_command(inbound.text):
            admin = container.settings.telegram_admin_chat_id
            if admin is not None and inbound.key.user_id == admin:
                work = lambda conn: container.admin.run(conn, inbound.text, f"telegram:{admin}")  # noqa: E731
            else:
                work = lambda _conn: STAFF_ONLY  # noqa: E731
            await container.turns.answer_once(CHANNEL, inbound, work)
        else:
            await container.turns.handle(CHANNEL, inbound)
    except Exception:
        # Nothing was committed: Telegram retries, and the claim makes the retry safe.
        log.exception("telegram update %s failed", inbound.message_id)
        return JSONResponse(error_body("temporarily unavailable", "unavailable"), status_code=503)
    if parsed.callback_query_id is not None:
        try:
            await channel.answer_callback(parsed.callback_query_id)
        except Exception as exc:  # the turn is committed; a lost answer only leaves a spinner
            log.warning("could not answer callback %s: %s", parsed.callback_query_id, exc)
    return {"ok": True}
