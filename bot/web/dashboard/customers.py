"""`/admin/customers` and `/admin/customers/{id}`: one customer per lead, their figures and their orders."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from bot.web.dashboard.render import page
from bot.web.dashboard.session import OrdersStaff
from bot.web.deps import Listing
from catalog.money import format_money
from orders.customers import CustomerKey
from orders.listing import GROUP_OF, payment_badge

router = APIRouter(include_in_schema=False)
PER_PAGE = 25
MAX_PAGE = 100_000


def _page_number(raw: str) -> int:
    return int(raw) if raw.isdecimal() and len(raw) < 7 and 0 < int(raw) <= MAX_PAGE else 1


@router.get("/admin/customers", response_class=HTMLResponse)
async def customers_page(
    request: Request,
    session: OrdersStaff,
    listing: Listing,
    q: Annotated[str, Query(max_length=200)] = "",
    page_raw: Annotated[str, Query(alias="page", max_length=10)] = "",
) -> HTMLResponse:
    number = _page_number(page_raw)
    query = q.strip().replace("\x00", "")
    found, total = await listing.customers(query, number, PER_PAGE)
    first = (number - 1) * PER_PAGE
    return page(
        request,
        session,
        "customers.html",
        title="Customers",
        customers=found,
        total=total,
        q=query,
        vip=listing.vip,
        page_number=number,
        first=first + 1 if found else 0,
        last=first + len(found),
        has_next=first + len(found) < total,
        money=format_money,
    )


@router.get("/admin/customers/{customer_id:path}", response_class=HTMLResponse)
async def customer_page(
    request: Request,
    session: OrdersStaff,
    listing: Listing,
    customer_id: str,
    page_raw: Annotated[str, Query(alias="page", max_length=10)] = "",
) -> HTMLResponse:
    key = CustomerKey.parse(customer_id) if len(customer_id) <= 400 else None
    number = _page_number(page_raw)
    found = await listing.customer(key, number, PER_PAGE) if key else None
    if found is None:
        text = "No customer has this id. Customers appear here once they have placed an order."
        return page(request, session, "message.html", title="No such customer", text=text, status=404)
    first = (number - 1) * PER_PAGE
    return page(
        request,
        session,
        "customer.html",
        title=found.customer.name or found.customer.phone or "Customer",
        found=found,
        customer=found.customer,
        markers=found.customer.markers(listing.vip),
        page_number=number,
        first=first + 1 if found.orders else 0,
        last=first + len(found.orders),
        has_next=first + len(found.orders) < found.total,
        money=format_money,
        group_of=GROUP_OF,
        payment_badge=payment_badge,
    )
