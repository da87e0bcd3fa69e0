"""Payment routes: an order's payments (list, record, void, settle a partial payment), and every payment."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import AwareDatetime, Field, StrictInt, StrictStr

from bot.web.api.auth import require_token
from bot.web.api.orders import LAST_DAY, MAX_PAGE, Number
from bot.web.api.responses import OrderOut, OrderPaymentsOut, PaymentListOut, errors
from bot.web.api.schemas import MAX_INT, Storable, _Strict
from bot.web.deps import Orders, Payments
from orders.filters import MAX_PER_PAGE, PaymentFilter
from orders.formats import order_to_dict, payment_to_dict
from orders.payments.ledger import ManualMethod, balance, share
from orders.payments.manual import ManualPayment

router = APIRouter(
    prefix="/api/v1", tags=["payments"], dependencies=[Depends(require_token)], responses=errors(401)
)
PaymentId = Annotated[int, Path(ge=1, le=MAX_INT, description="the payment's id")]


class PaymentIn(_Strict):
    """`POST /api/v1/orders/{number}/payments`: a payment staff received (amount in minor units)."""

    amount: Annotated[StrictInt, Field(ge=1, le=MAX_INT)]
    method: ManualMethod
    reference: Annotated[StrictStr, Field(max_length=200), Storable] = ""
    paid_at: AwareDatetime | None = None
    comment: Annotated[StrictStr, Field(max_length=2000), Storable] = ""
    fee: Annotated[StrictInt, Field(ge=0, le=MAX_INT)] = 0


class SettleIn(_Strict):
    """`POST /api/v1/orders/{number}/payments/settle`: accept a partial payment as settled, or decline it."""

    decision: Literal["accept", "decline"]


@router.get("/orders/{number}/payments", response_model=OrderPaymentsOut, responses=errors(404, 422))
async def order_payments(orders: Orders, number: Number) -> dict[str, Any]:
    order = await orders.get(number)
    b = balance(order.total, order.payments)
    return {
        "number": order.number,
        "payment_status": order.payment_status.value,
        "currency": order.currency,
        "total": order.total,
        "amount_paid": b.paid,
        "amount_due": b.due,
        "items": [payment_to_dict(p) for p in order.payments],
    }


@router.post(
    "/orders/{number}/payments", status_code=201, response_model=OrderOut, responses=errors(404, 409, 422)
)
async def record_payment(payments: Payments, number: Number, body: PaymentIn) -> dict[str, Any]:
    manual = ManualPayment(
        body.amount, body.method.value, body.reference, body.paid_at, body.comment, body.fee
    )
    return order_to_dict(await payments.record(number, manual, "api"))


@router.post(
    "/orders/{number}/payments/{payment_id}/void",
    response_model=OrderOut,
    responses=errors(404, 409, 422),
)
async def void_payment(payments: Payments, number: Number, payment_id: PaymentId) -> dict[str, Any]:
    return order_to_dict(await payments.void(number, payment_id, "api"))


@router.post("/orders/{number}/payments/settle", response_model=OrderOut, responses=errors(404, 409, 422))
async def settle_payment(payments: Payments, number: Number, body: SettleIn) -> dict[str, Any]:
    return order_to_dict(await payments.settle(number, body.decision == "accept", "api"))


Status = Literal["succeeded", "partially_refunded", "refunded", "voided"]


@router.get("/payments", response_model=PaymentListOut, responses=errors(422))
async def list_payments(  # noqa: PLR0917 (FastAPI reads each query parameter from this signature)
    payments: Payments,
    status: Status | None = None,
    provider: Annotated[str | None, Query(max_length=32), Storable] = None,
    date_from: Annotated[date | None, Query(le=LAST_DAY)] = None,
    date_to: Annotated[date | None, Query(le=LAST_DAY)] = None,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 50,
) -> dict[str, Any]:
    f = PaymentFilter(status or "", provider or "", date_from, date_to, page, per_page)
    found, total = await payments.listing(f)
    items = [
        payment_to_dict(row.payment)
        | {
            "order_number": row.order_number,
            "order_total": row.order_total,
            "share": share(row.payment.amount, row.order_total),
            "customer_name": row.customer_name,
        }
        for row in found
    ]
    return {"items": items, "total": total, "page": page, "per_page": per_page}
