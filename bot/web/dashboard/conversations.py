"""`/admin/conversations`: shoppers' conversations (newest activity first, by channel, by name or phone) and
`/admin/conversations/{channel}:{user id}`: one conversation, its cart, its orders and the messages sent."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from bot.inbox.service import conversation_url
from bot.web.dashboard.render import page
from bot.web.dashboard.session import OrdersStaff
from bot.web.deps import Inboxes

router = APIRouter(include_in_schema=False)
PER_PAGE = 25
MAX_PAGE = 100_000
MAX_ID = 200  # a channel name and a user id fit in 32 + 128 characters


def _page_number(raw: str) -> int:
    return int(raw) if raw.isdecimal() and len(raw) < 7 and 0 < int(raw) <= MAX_PAGE else 1


def _key(address: str) -> tuple[str, str] | None:
    channel, colon, user_id = address.partition(":")
    return (channel, user_id) if colon and channel and user_id and len(address) <= MAX_ID else None


@router.get("/admin/conversations", response_class=HTMLResponse, response_model=None)
async def conversations_page(
    request: Request,
    session: OrdersStaff,
    inbox: Inboxes,
    *,
    q: Annotated[str, Query(max_length=200)] = "",
    channel: Annotated[str, Query(max_length=32)] = "",
    lead: Annotated[str, Query(max_length=MAX_ID)] = "",
    page_raw: Annotated[str, Query(alias="page", max_length=10)] = "",
) -> HTMLResponse | RedirectResponse:
    key = _key(lead)
    if key is not None:  # the order page's Conversation card
        return RedirectResponse(conversation_url(*key), status_code=303)
    number = _page_number(page_raw)
    query = q.strip().replace("\x00", "")
    rows, total = await inbox.page(channel, query, number, PER_PAGE)
    first = (number - 1) * PER_PAGE
    return page(
        request,
        session,
        "conversations.html",
        title="Conversations",
        rows=rows,
        total=total,
        q=query,
        channel=channel,
        channels=await inbox.channels(),
        page_number=number,
        first=first + 1 if rows else 0,
        last=first + len(rows),
        has_next=first + len(rows) < total,
    )


@router.get("/admin/conversations/{address:path}", response_class=HTMLResponse)
async def conversation_page(
    request: Request, session: OrdersStaff, inbox: Inboxes, address: str
) -> HTMLResponse:
    key = _key(address)
    found = await inbox.one(*key) if key else None
    if found is None:
        text = "No conversation has this id. Conversations appear here once a shopper writes to the shop."
        return page(request, session, "message.html", title="No such conversation", text=text, status=404)
    row = found.row
    return page(
        request,
        session,
        "conversation.html",
        title=row.name or row.phone or f"{row.channel} {row.user_id}",
        found=found,
        row=row,
    )
