"""`/admin/orders`: the orders list, newest first, with search and pages (the dashboard's landing page)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from bot.web.dashboard.render import page
from bot.web.dashboard.session import OrdersStaff
from bot.web.deps import Orders
from catalog.money import format_money
from orders.filters import OrderFilter
from orders.status import GROUP_MEMBERS

router = APIRouter(include_in_schema=False)
GROUP_OF = {status: group for group, members in GROUP_MEMBERS.items() for status in members}


@router.get("/admin/orders", response_class=HTMLResponse)
async def orders_list(
    request: Request,
    session: OrdersStaff,
    orders: Orders,
    q: Annotated[str, Query(max_length=200)] = "",
    page_number: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    found, total = await orders.search(OrderFilter(query=q, page=page_number, per_page=25))
    first = (page_number - 1) * 25
    return page(
        request,
        session,
        "orders_list.html",
        title="Orders",
        orders=found,
        total=total,
        q=q,
        page_number=page_number,
        first=first + 1 if found else 0,
        last=first + len(found),
        has_next=first + len(found) < total,
        money=format_money,
        group_of=GROUP_OF,
    )
