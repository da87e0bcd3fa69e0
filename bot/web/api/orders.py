"""Order routes: list with filters, get, create (idempotent), change status, CSV export."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse

from bot.web.api.auth import require_token
from bot.web.api.responses import OrderListOut, OrderOut, Responses, errors
from bot.web.api.schemas import MAX_INT, OrderIn, StatusIn, Storable
from bot.web.deps import Orders
from orders.commands import ChangeStatus, LineRequest, PlaceOrder
from orders.filters import MAX_PER_PAGE, OrderFilter
from orders.formats import CSV_HEADER, csv_line, csv_row, order_to_dict
from orders.model import Customer
from orders.status import OrderSource, OrderStatus, PaymentMethod, PaymentStatus, StatusGroup

router = APIRouter(
    prefix="/api/v1", tags=["orders"], dependencies=[Depends(require_token)], responses=errors(401)
)

# Pages past the last of the 2^31 orders a table holds are refused, not handed to SQL as a huge OFFSET.
MAX_PAGE = MAX_INT // MAX_PER_PAGE
LAST_DAY = date(9999, 12, 30)  # date_to's end of day must still be a date
Number = Annotated[int, Path(ge=1, le=MAX_INT, description="the order number")]


def _statuses(raw: str | None) -> tuple[OrderStatus, ...]:
    """Parse `status=a,b`; an unknown value is a 422 naming the allowed ones, never a 500."""
    parts = [p.strip() for p in (raw or "").split(",") if p.strip()]
    try:
        return tuple(OrderStatus(p) for p in parts)
    except ValueError:
        allowed = ", ".join(s.value for s in OrderStatus)
        problem = {
            "loc": ("query", "status"),
            "msg": f"unknown status; one of: {allowed}",
            "type": "value_error",
        }
        raise RequestValidationError([problem]) from None


def _filters(  # noqa: PLR0917 (FastAPI reads each query parameter from this signature)
    status: Annotated[str | None, Query(description="one status or a comma-separated list")] = None,
    group: StatusGroup | None = None,
    q: Annotated[
        str, Query(max_length=200, description="order number, customer, phone or tracking"), Storable
    ] = "",
    channel: Annotated[str | None, Query(max_length=32), Storable] = None,
    payment_status: PaymentStatus | None = None,
    date_from: Annotated[date | None, Query(le=LAST_DAY)] = None,
    date_to: Annotated[date | None, Query(le=LAST_DAY)] = None,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 25,
    carrier: Annotated[str | None, Query(max_length=100, description="delivery service"), Storable] = None,
    warehouse: Annotated[str | None, Query(max_length=100), Storable] = None,
    tracking: Annotated[
        str | None, Query(max_length=100, description="exact tracking number"), Storable
    ] = None,
) -> OrderFilter:
    return OrderFilter(
        _statuses(status),
        group,
        channel or None,
        payment_status,
        q,
        date_from,
        date_to,
        page,
        per_page,
        carrier=carrier or None,
        warehouse=warehouse or None,
        tracking=tracking or None,
    )


Filters = Annotated[OrderFilter, Depends(_filters)]


@router.get("/orders", response_model=OrderListOut, responses=errors(422))
async def list_orders(orders: Orders, filters: Filters) -> dict[str, Any]:
    found, total = await orders.search(filters)
    return {
        "items": [order_to_dict(o) for o in found],
        "total": total,
        "page": filters.page,
        "per_page": filters.per_page,
    }


_CSV: Responses = {200: {"content": {"text/csv": {}}, "description": "one row per order, the header first"}}


@router.get("/orders/export.csv", response_class=StreamingResponse, responses=_CSV | errors(422))
async def export_orders(orders: Orders, filters: Filters) -> StreamingResponse:
    batches = await orders.export(filters)

    async def lines() -> AsyncIterator[str]:
        yield csv_line(CSV_HEADER)
        for batch in batches:
            for order in batch:
                yield csv_line(csv_row(order))

    headers = {"Content-Disposition": 'attachment; filename="orders.csv"'}
    return StreamingResponse(lines(), media_type="text/csv; charset=utf-8", headers=headers)


@router.get("/orders/{number}", response_model=OrderOut, responses=errors(404, 422))
async def get_order(orders: Orders, number: Number) -> dict[str, Any]:
    return order_to_dict(await orders.get(number))


def _place_command(body: OrderIn) -> PlaceOrder:
    return PlaceOrder(
        lines=tuple(LineRequest(i.quantity, i.sku, i.product_id, dict(i.fields)) for i in body.items),
        customer=Customer(body.customer.name, body.customer.phone, body.customer.email),
        source=OrderSource.WEBSITE,
        channel="website",
        delivery_method=body.delivery.method,
        delivery_address=body.delivery.address,
        payment_method=PaymentMethod(body.payment_method),
        fields=dict(body.fields),
        note=body.note,
        actor="api",
    )


_REPLAYED: Responses = {
    200: {"model": OrderOut, "description": "the order an earlier request with this key placed"}
}


@router.post("/orders", status_code=201, response_model=OrderOut, responses=_REPLAYED | errors(409, 422))
async def create_order(
    orders: Orders,
    body: OrderIn,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=200), Storable] = None,
) -> JSONResponse:
    idempotency = None
    if idempotency_key:
        canonical = json.dumps(body.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        idempotency = (idempotency_key, hashlib.sha256(canonical.encode()).hexdigest())
    placement = await orders.place(_place_command(body), idempotency)
    status = 201 if placement.created else 200
    return JSONResponse(
        order_to_dict(placement.order),
        status_code=status,
        headers={"Location": f"/api/v1/orders/{placement.order.number}"},
    )


@router.post("/orders/{number}/status", response_model=OrderOut, responses=errors(404, 409, 422))
async def change_status(orders: Orders, number: Number, body: StatusIn) -> dict[str, Any]:
    command = ChangeStatus(number, body.status, "api", body.tracking_number, body.carrier, body.reason)
    return order_to_dict(await orders.change_status(command))
