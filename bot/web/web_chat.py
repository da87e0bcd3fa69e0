"""`/chat`: the web chat page, and its JSON API (send a message and get the replies; fetch later ones).

Mounted only with CHATCART_WEB_CHAT=on: it places real orders for anyone who can reach it.
"""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse

from bot.delivery import codec
from bot.templating import render_page
from bot.web.api.errors import error_body
from bot.web.deps import AppServices, Dispatch, WebChat
from bot.web.headers import page_policy
from bot.web.webhooks import Unavailable, hand_over
from channels.web import BadChatMessage, parse_chat_message

router = APIRouter(include_in_schema=False)


@router.get("/chat", response_class=HTMLResponse)
async def chat_page(app: AppServices) -> HTMLResponse:
    nonce = secrets.token_urlsafe(16)  # the page's one script and style run; nothing injected would
    page = render_page("chat.html", store_name=app.store.store.name, nonce=nonce)
    return HTMLResponse(page, headers={"Content-Security-Policy": page_policy(nonce)})


@router.post("/chat/api/messages")
async def send_message(request: Request, app: AppServices, dispatch: Dispatch, mailboxes: WebChat) -> Any:
    raw = await request.body()
    try:
        body = await request.json()
    except ValueError:
        return JSONResponse(error_body("the body is not JSON", "bad_request"), status_code=400)
    try:
        inbound = parse_chat_message(body, app.clock())
    except BadChatMessage as exc:
        return JSONResponse(error_body(str(exc), "invalid_message"), status_code=422)
    try:
        handled = await hand_over(dispatch, request.app.state.failures.record, inbound, raw)
    except Unavailable:
        return JSONResponse(error_body("temporarily unavailable", "unavailable"), status_code=503)
    if not handled:  # recorded for the operator; sending it again would fail the same way
        problem = "Sorry, the shop could not read that message. Please write it another way."
        return JSONResponse(error_body(problem, "unprocessable_message"), status_code=422)
    return {"messages": [codec.to_payload(m) for m in await mailboxes.take(inbound.key.user_id)]}


@router.get("/chat/api/messages")
async def fetch_messages(mailboxes: WebChat, session: str = Query(min_length=8, max_length=64)) -> Any:
    """Messages that arrived since the last fetch (order status changes, reminders)."""
    return {"messages": [codec.to_payload(m) for m in await mailboxes.take(session)]}
