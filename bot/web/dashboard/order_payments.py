"""The order page's Payments card: the order's payments and balance, its pay link (copy, send again), and
staff's payment actions (record, void, accept or decline a partial payment) for managers and owners."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel

from bot.staff.roles import Area, may
from bot.staff.sessions import Session
from bot.web.dashboard.session import changes
from bot.web.deps import AppServices
from catalog.money import MoneyError, parse_major
from orders.errors import OrderError
from orders.model import Order, Payment
from orders.payments.ledger import METHOD_LABELS, Balance, ManualMethod, balance, record_status, share
from orders.payments.manual import ManualPayment
from orders.status import PaymentStatus

router = APIRouter(include_in_schema=False)
ChangesPayments = Annotated[Session, Depends(changes(Area.PAYMENTS))]
MAX_ID = 2**31 - 1
Number = Annotated[int, Path(ge=1, le=MAX_ID)]
DONE = {
    "recorded": "Payment recorded.",
    "voided": "Payment voided; it stays in the list.",
    "accepted": "The partial payment is accepted: the order counts as paid.",
    "declined": "The partial payment is declined.",
    "sent": "The pay link was sent to the customer again.",
}


@dataclass(frozen=True, slots=True)
class PaymentsCard:
    """What the card shows, and what the signed-in member may do in it."""

    payments: tuple[Payment, ...]
    balance: Balance
    link_url: str | None
    may_pay: bool
    partial: bool
    done: str
    problem: str
    methods: tuple[ManualMethod, ...] = tuple(ManualMethod)

    @staticmethod
    def label(payment: Payment) -> str:
        return METHOD_LABELS.get(payment.method, payment.method)

    @staticmethod
    def method_label(method: str) -> str:
        return METHOD_LABELS.get(method, method)

    @staticmethod
    def state(payment: Payment) -> str:
        return record_status(payment).value

    def share(self, payment: Payment, total: int) -> str:
        return share(payment.amount, total)


async def card(request: Request, app: AppServices, session: Session, order: Order) -> PaymentsCard:
    link = await app.pay_links.url_of(order.id) if app.pay_links is not None else None
    done = request.query_params.get("payment", "")
    return PaymentsCard(
        payments=order.payments,
        balance=balance(order.total, order.payments),
        link_url=link,
        may_pay=may(session.member.role, Area.PAYMENTS),
        partial=order.payment_status is PaymentStatus.PARTIALLY_PAID,
        done=DONE.get(done, ""),
        problem=request.query_params.get("payment_error", "")[:300],
    )


def _back(number: int, done: str = "", problem: str = "") -> RedirectResponse:
    query = f"payment={done}" if done else f"payment_error={quote(problem[:300])}"
    return RedirectResponse(f"/admin/orders/{number}?{query}#payments", status_code=303)


class RecordForm(BaseModel):
    """The card's record-a-payment fields; the amount as people type it ("140.00")."""

    amount: str = ""
    method: str = ManualMethod.CASH.value
    reference: str = ""
    paid_on: str = ""
    comment: str = ""


def manual_payment(form: RecordForm, currency: str) -> ManualPayment:
    """The form as a payment; a mistyped value raises ValueError with words for the page."""
    try:
        amount = parse_major(form.amount.strip(), currency)
    except MoneyError as exc:
        raise ValueError(f"Amount: {exc}") from None
    paid_at = None
    if form.paid_on.strip():
        try:
            paid_at = datetime.combine(date.fromisoformat(form.paid_on.strip()), time(12, 0, tzinfo=UTC))
        except ValueError:
            raise ValueError("Date: use a date like 2026-11-30") from None
    return ManualPayment(amount, form.method, form.reference, paid_at, form.comment)


@router.post("/admin/orders/{number}/payments")
async def record(
    app: AppServices, session: ChangesPayments, number: Number, form: Annotated[RecordForm, Form()]
) -> RedirectResponse:
    try:
        order = await app.orders.get(number)
        await app.payments.record(number, manual_payment(form, order.currency), session.member.email)
    except (ValueError, OrderError) as exc:
        return _back(number, problem=f"Not recorded: {exc}")
    return _back(number, "recorded")


@router.post("/admin/orders/{number}/payments/{payment_id}/void")
async def void(
    app: AppServices, session: ChangesPayments, number: Number, payment_id: Number
) -> RedirectResponse:
    try:
        await app.payments.void(number, payment_id, session.member.email)
    except OrderError as exc:
        return _back(number, problem=f"Not voided: {exc}")
    return _back(number, "voided")


@router.post("/admin/orders/{number}/payments/settle")
async def settle(
    app: AppServices,
    session: ChangesPayments,
    number: Number,
    decision: Annotated[Literal["accept", "decline"], Form()],
) -> RedirectResponse:
    try:
        await app.payments.settle(number, decision == "accept", session.member.email)
    except OrderError as exc:
        return _back(number, problem=f"Not done: {exc}")
    return _back(number, "accepted" if decision == "accept" else "declined")


@router.post("/admin/orders/{number}/payments/link")
async def send_link(app: AppServices, session: ChangesPayments, number: Number) -> RedirectResponse:
    try:
        order = await app.orders.get(number)
    except OrderError as exc:
        return _back(number, problem=str(exc))
    sent = app.pay_links is not None and await app.pay_links.resend(order.id)
    return _back(number, "sent") if sent else _back(number, problem="Nothing to pay, or no chat to send to.")
