"""`/admin/orders`: the orders list (the dashboard's landing page) with its stat cards, tabs, search,
filters in the URL and pages; `/admin/live/orders` tells an open list which orders arrived since."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse

from bot.web.dashboard import list_query
from bot.web.dashboard.render import Notice, page
from bot.web.dashboard.session import OrdersStaff
from bot.web.deps import Listing
from catalog.limits import MAX_INT
from catalog.money import format_money
from orders.listing import CARD_LABELS
from orders.status import OrderStatus, PaymentStatus

router = APIRouter(include_in_schema=False)
CHANNELS = ("telegram", "whatsapp", "messenger", "instagram", "web", "website", "console")


@router.get("/admin/orders", response_class=HTMLResponse)
async def orders_list(request: Request, session: OrdersStaff, listing: Listing) -> HTMLResponse:
    query = list_query.parse(request.query_params)
    found = await listing.orders_page(query.filter)
    choices = await listing.choices()
    f = query.filter
    shown = len(found.rows)
    return page(
        request,
        session,
        "orders_list.html",
        title="Orders",
        notices=tuple(Notice("error", p) for p in query.problems),
        query=query,
        params={name: query.params.get(name, "") for name in list_query.KEPT},
        found=found,
        first=f.offset + 1 if shown else 0,
        last=f.offset + shown,
        has_next=f.offset + shown < found.total,
        page_sizes=list_query.PAGE_SIZES,
        statuses=list(OrderStatus),
        payment_statuses=list(PaymentStatus),
        channels=CHANNELS,
        carriers=choices.carriers,
        warehouses=choices.warehouses,
        group_labels=CARD_LABELS,
        money=format_money,
    )


@router.get("/admin/live/orders")
async def orders_live(
    _session: OrdersStaff,
    listing: Listing,
    after: Annotated[int, Query(ge=0, le=MAX_INT)] = 0,
) -> JSONResponse:
    """The numbers of orders placed after order `after` (the page then fetches itself again)."""
    return JSONResponse({"new": await listing.placed_since(after)}, headers={"Cache-Control": "no-store"})
