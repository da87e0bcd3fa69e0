"""`/admin/payments`: every payment across orders (filters in the URL, CSV export), recording a payment an
order received, and voiding one recorded by mistake (managers and owners)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from bot.staff.roles import Area
from bot.staff.sessions import Session
from bot.web.dashboard.order_payments import RecordForm as CardRecordForm
from bot.web.dashboard.order_payments import manual_payment
from bot.web.dashboard.render import Notice, page
from bot.web.dashboard.session import changes, needs
from bot.web.deps import AppServices
from catalog.money import format_money, to_major
from orders.errors import OrderError
from orders.filters import MAX_PER_PAGE, OrderFilter, PaymentFilter
from orders.formats import csv_line, safe_cell
from orders.model import Order
from orders.payments.gateway import GatewayError
from orders.payments.ledger import METHOD_LABELS, ManualMethod, balance, record_status, share
from orders.status import OrderStatus, PaymentMethod, PaymentStatus

router = APIRouter(include_in_schema=False)
PaymentsStaff = Annotated[Session, Depends(needs(Area.PAYMENTS))]
ChangesPayments = Annotated[Session, Depends(changes(Area.PAYMENTS))]
PER_PAGE = 50
MAX_ID = 2**31 - 1  # payments.id and orders.number are 32-bit on PostgreSQL
LAST_DAY = date(9999, 12, 30)
STATUS_LABELS = {
    "succeeded": "Paid",
    "partially_refunded": "Partly refunded",
    "refunded": "Refunded",
    "voided": "Voided",
}
Status = Literal["", "succeeded", "partially_refunded", "refunded", "voided"]
Provider = Literal["", "manual", "stripe"]


def _day(text: str) -> date | None:
    """A date field as the browser sends it: empty when left blank; anything else unreadable is no filter."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        return None
    return day if day <= LAST_DAY else None


def _filters(
    status: Status = "",
    provider: Provider = "",
    date_from: Annotated[str, Query(max_length=10)] = "",
    date_to: Annotated[str, Query(max_length=10)] = "",
    page_number: Annotated[int, Query(alias="page", ge=1, le=1_000_000)] = 1,
) -> PaymentFilter:
    return PaymentFilter(status, provider, _day(date_from), _day(date_to), page_number, PER_PAGE)


Filters = Annotated[PaymentFilter, Depends(_filters)]


class RecordForm(CardRecordForm):
    """The record-a-payment form of the Payments tab: the order card's fields and the order's number."""

    number: str = ""


async def _payments_page(
    request: Request,
    app: AppServices,
    session: Session,
    f: PaymentFilter,
    *,
    notices: tuple[Notice, ...] = (),
    status: int = 200,
    form: RecordForm | None = None,
) -> HTMLResponse:
    found, total = await app.payments.listing(f)
    first = f.offset
    return page(
        request,
        session,
        "payments.html",
        title="Payments",
        rows=found,
        total=total,
        f=f,
        form=form or RecordForm(),
        first=first + 1 if found else 0,
        last=first + len(found),
        has_next=first + len(found) < total,
        query=_query(f),
        money=format_money,
        share=share,
        record_status=record_status,
        status_labels=STATUS_LABELS,
        method_labels=METHOD_LABELS,
        methods=list(ManualMethod),
        cash=await _cash_to_collect(app),
        stripe=await _stripe(request, app),
        notices=notices,
        status=status,
    )


async def _cash_to_collect(app: AppServices) -> list[tuple[Order, int]]:
    """Delivered cash-on-delivery orders not paid in full, with what each still owes (newest first)."""
    delivered = OrderFilter(statuses=(OrderStatus.DELIVERED,), per_page=MAX_PER_PAGE)
    found, _ = await app.orders.search(delivered)
    owing = [(o, balance(o.total, o.payments).due) for o in found if o.payment_method is PaymentMethod.COD]
    return [(o, due) for o, due in owing if due > 0 and o.payment_status is not PaymentStatus.PAID]


@dataclass(frozen=True, slots=True)
class StripeState:
    """What the page says about Stripe: configured or not, the account, and the webhook URL to paste."""

    configured: bool
    account: str = ""
    problem: str = ""
    webhook_url: str = ""


async def _stripe(request: Request, app: AppServices) -> StripeState:
    webhook_url = f"{app.settings.public_url.rstrip('/')}/webhooks/stripe"
    if app.gateway is None:
        return StripeState(False, webhook_url=webhook_url)
    # Asked once per process: the account of a key does not change while it runs.
    account: str | None = getattr(request.app.state, "stripe_account", None)
    if account is None:
        try:
            account = await app.gateway.account()
        except GatewayError as exc:
            return StripeState(True, problem=str(exc), webhook_url=webhook_url)
        request.app.state.stripe_account = account
    return StripeState(True, account=account, webhook_url=webhook_url)


def _query(f: PaymentFilter) -> str:
    """The filters as a query string (for the export link and the pages)."""
    parts = {"status": f.status, "provider": f.provider, "date_from": f.date_from, "date_to": f.date_to}
    return "&".join(f"{k}={v}" for k, v in parts.items() if v)


@router.get("/admin/payments", response_class=HTMLResponse)
async def payments_page(
    request: Request, app: AppServices, session: PaymentsStaff, f: Filters
) -> HTMLResponse:
    return await _payments_page(request, app, session, f)


@router.get("/admin/payments/export.csv")
async def export_payments(app: AppServices, session: PaymentsStaff, f: Filters) -> StreamingResponse:
    header = ["payment", "order", "date", "customer", "method", "provider", "reference", "status"]
    header += ["currency", "amount", "share", "fee", "net", "refunded", "comment"]

    async def lines() -> AsyncIterator[str]:
        yield csv_line(header)
        number = 1
        while True:
            rows, total = await app.payments.listing(
                PaymentFilter(f.status, f.provider, f.date_from, f.date_to, number, 500)
            )
            for row in rows:
                p = row.payment
                major = [str(to_major(v, p.currency)) for v in (p.amount, p.fee, p.net, p.refunded)]
                cells = [
                    str(p.id),
                    str(row.order_number),
                    (p.paid_at or p.created_at or datetime.now(UTC)).isoformat(),
                ]
                cells += [safe_cell(row.customer_name), p.method, p.provider, safe_cell(p.reference)]
                cells += [record_status(p).value, p.currency, major[0], share(p.amount, row.order_total)]
                cells += [*major[1:], safe_cell(p.comment)]
                yield csv_line(cells)
            if number * 500 >= total:
                break
            number += 1

    headers = {"Content-Disposition": 'attachment; filename="payments.csv"'}
    return StreamingResponse(lines(), media_type="text/csv; charset=utf-8", headers=headers)


@router.post("/admin/payments", response_model=None)
async def record_payment(
    request: Request, app: AppServices, session: ChangesPayments, form: Annotated[RecordForm, Form()]
) -> Response:
    number = form.number.strip().lstrip("#")
    try:
        if not (number.isascii() and number.isdigit() and len(number) <= 10):
            raise ValueError("Order: type the order number, like 1001")
        order = await app.orders.get(int(number))
        manual = manual_payment(form, order.currency)
        order = await app.payments.record(order.number, manual, session.member.email)
    except (ValueError, OrderError) as exc:
        notice = Notice("error", f"Not recorded: {exc}")
        f = PaymentFilter(per_page=PER_PAGE)
        return await _payments_page(request, app, session, f, notices=(notice,), status=422, form=form)
    due = format_money(balance(order.total, order.payments).due, order.currency)
    state = order.payment_status.value.replace("_", " ")
    text = f"Recorded on order #{order.number}. Payment: {state}; due {due}."
    f = PaymentFilter(per_page=PER_PAGE)
    return await _payments_page(request, app, session, f, notices=(Notice("ok", text),))


@router.post("/admin/payments/cash/{number}", response_model=None)
async def collect_cash(
    request: Request,
    app: AppServices,
    session: ChangesPayments,
    number: Annotated[int, Path(ge=1, le=MAX_ID)],
) -> Response:
    try:
        order = await app.payments.collect_cash(number, session.member.email)
    except OrderError as exc:
        notice = Notice("error", f"Not recorded: {exc}")
        f = PaymentFilter(per_page=PER_PAGE)
        return await _payments_page(request, app, session, f, notices=(notice,), status=422)
    text = f"Cash recorded on order #{order.number}: paid in full."
    f = PaymentFilter(per_page=PER_PAGE)
    return await _payments_page(request, app, session, f, notices=(Notice("ok", text),))


@router.post("/admin/payments/{payment_id}/void", response_model=None)
async def void_payment(
    request: Request,
    app: AppServices,
    session: ChangesPayments,
    payment_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    number: Annotated[int, Form(ge=1, le=MAX_ID)],
) -> Response:
    try:
        await app.payments.void(number, payment_id, session.member.email)
    except OrderError as exc:
        notice = Notice("error", f"Not voided: {exc}")
        f = PaymentFilter(per_page=PER_PAGE)
        return await _payments_page(request, app, session, f, notices=(notice,), status=422)
    return RedirectResponse("/admin/payments", status_code=303)
