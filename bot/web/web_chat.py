"""`/chat`: the web chat page, and its JSON API (send a message and get the replies; fetch later ones)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse

from bot.setup.wiring import Container
from bot.templating import render_page
from bot.turns.dispatch import dispatch
from bot.web.api.errors import error_body
from channels.web import BadChatMessage, parse_chat_message, to_json

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)


@router.get("/chat", response_class=HTMLResponse)
async def chat_page(request: Request) -> HTMLResponse:
    container: Container = request.app.state.container
    return HTMLResponse(render_page("chat.html", store_name=container.store.store.name))


@router.post("/chat/api/messages")
async def send_message(request: Request) -> Any:
    container: Container = request.app.state.container
    try:
        body = await request.json()
    except ValueError:
        return JSONResponse(error_body("the body is not JSON", "bad_request"), status_code=400)
    try:
        inbound = parse_chat_message(body, container.orders.now())
    except BadChatMessage as exc:
        return JSONResponse(error_body(str(exc), "invalid_message"), status_code=422)
    try:
        await dispatch(container, inbound)
    except Exception:
        log.exception("web chat message %s failed", inbound.message_id)
        return JSONResponse(error_body("temporarily unavailable", "unavailable"), status_code=503)
    return {"messages": [to_json(m) for m in container.web_chat.take(inbound.key.user_id)]}


@router.get("/chat/api/messages")
async def fetch_messages(request: Request, session: str = Query(min_length=8, max_length=64)) -> Any:
    """Messages that arrived since the last fetch (order status changes, reminders)."""
    container: Container = request.app.state.container
    return {"messages": [to_json(m) for m in container.web_chat.take(session)]}
