"""An order written out: as JSON (the REST API, merchant webhooks), as a CSV row, and as text for staff
(the admin chat and the CLI)."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import Any

from catalog.money import format_money, to_major
from orders.model import Order, OrderEvent, OrderLine, Payment
from orders.payments.ledger import balance, record_status


def _line_dict(line: OrderLine) -> dict[str, Any]:
    return {
        "name": line.name,
        "sku": line.sku,
        "product_id": line.product_id,
        "quantity": line.quantity,
        "unit_price": line.unit_price,
        "total": line.total,
        "fields": line.fields,
    }


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def payment_to_dict(p: Payment) -> dict[str, Any]:
    """One payment as the REST API publishes it (money in minor units of its currency)."""
    return {
        "id": p.id,
        "amount": p.amount,
        "currency": p.currency,
        "method": p.method,
        "provider": p.provider,
        "reference": p.reference,
        "status": record_status(p).value,
        "fee": p.fee,
        "net": p.net,
        "refunded": p.refunded,
        "comment": p.comment,
        "paid_at": _when(p.paid_at),
        "created_at": _when(p.created_at),
        "recorded_by": p.actor,
        "voided_at": _when(p.voided_at),
        "voided_by": p.voided_by,
    }


def _event_dict(e: OrderEvent) -> dict[str, Any]:
    return {"kind": e.kind, "actor": e.actor, "at": e.at.isoformat(), "data": e.data}


def _parties_dict(order: Order) -> dict[str, Any]:
    d, c = order.delivery, order.customer
    return {
        "customer": {"name": c.name, "phone": c.phone, "email": c.email},
        "lead": {"channel": order.lead.channel, "user_id": order.lead.user_id} if order.lead else None,
        "delivery": {
            "method": d.method,
            "address": d.address,
            "carrier": d.carrier,
            "tracking_number": d.tracking_number,
            "expected_date": d.expected_date.isoformat() if d.expected_date else None,
        },
    }


def order_to_dict(order: Order) -> dict[str, Any]:
    """The Order JSON the REST API and merchant webhooks publish (money in minor units)."""
    paid = balance(order.total, order.payments)
    return {
        "id": order.id,
        "number": order.number,
        "status": order.status.value,
        "status_label": order.status.label,
        "payment_status": order.payment_status.value,
        "payment_method": order.payment_method.value,
        "currency": order.currency,
        "subtotal": order.subtotal,
        "delivery_fee": order.delivery_fee,
        "discount": order.discount,
        "total": order.total,
        "items": [_line_dict(line) for line in order.lines],
        **_parties_dict(order),
        "channel": order.channel,
        "source": order.source.value,
        "language": order.language,
        "fields": order.fields,
        "warehouse": order.warehouse,
        "note": order.note,
        "assignee": order.assignee,
        "assignee_confirmed": order.assignee_confirmed,
        "payments": [payment_to_dict(p) for p in order.payments],
        "amount_paid": paid.paid,
        "amount_due": paid.due,
        "created_at": order.created_at.isoformat(),
        "updated_at": order.updated_at.isoformat(),
        "history": [_event_dict(e) for e in order.history],
    }


# --- CSV ------------------------------------------------------------------------------------------------

CSV_HEADER = [
    "number",
    "created_at",
    "status",
    "payment_status",
    "payment_method",
    "currency",
    "subtotal",
    "delivery_fee",
    "total",
    "customer_name",
    "customer_phone",
    "customer_email",
    "channel",
    "source",
    "delivery_method",
    "delivery_address",
    "carrier",
    "tracking_number",
    "items",
    "note",
]
# What starts a formula (OWASP's CSV injection list), with the full-width forms some spreadsheets read as
# the same operators, and NUL, which some readers drop before looking at what follows.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\x00", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# Invisible characters a cell may hide a formula behind: bidi marks, embeddings, overrides and isolates,
# zero-width characters and the byte-order mark.
_INVISIBLE = (
    "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2066\u2067\u2068\u2069\ufeff"
)


def safe_cell(value: object) -> str:
    """Prefix text a spreadsheet would treat as a formula with a quote (OWASP's CSV injection advice)."""
    text = "" if value is None else str(value)
    return "'" + text if text.lstrip(_INVISIBLE).startswith(_FORMULA_START) else text


def csv_row(order: Order) -> list[str]:
    """One order as CSV cells: money in major units, free text defused."""
    money = [str(to_major(v, order.currency)) for v in (order.subtotal, order.delivery_fee, order.total)]
    items = "; ".join(f"{line.quantity} x {line.name} ({line.sku})" for line in order.lines)
    d = order.delivery
    text = [
        order.customer.name,
        order.customer.phone,
        order.customer.email,
        order.channel,
        order.source.value,
        d.method,
        d.address,
        d.carrier,
        d.tracking_number,
        items,
        order.note,
    ]
    fixed = [
        str(order.number),
        order.created_at.isoformat(),
        order.status.value,
        order.payment_status.value,
        order.payment_method.value,
        order.currency,
    ]
    return fixed + money + [safe_cell(v) for v in text]


def csv_line(cells: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(cells)
    return buffer.getvalue()


# --- text for staff ---------------------------------------------------------------------------------------


def _money(order: Order, amount: int) -> str:
    return format_money(amount, order.currency, "en")


def _who(order: Order) -> str:
    return order.customer.name or order.customer.phone or (order.lead.address if order.lead else "—")


def short_line(order: Order) -> str:
    """`#1001 Confirmed · ₹120.00 · Asha`: a list in a chat message."""
    return f"#{order.number} {order.status.label} · {_money(order, order.total)} · {_who(order)}"


def table_line(order: Order) -> str:
    """A row of a terminal listing: number, date, status, payment, total, channel, customer."""
    created = order.created_at.strftime("%Y-%m-%d %H:%M")
    return (
        f"#{order.number:<6} {created}  {order.status.label:<16} {order.payment_status.value:<8} "
        f"{_money(order, order.total):>14}  {order.channel or order.source.value:<9} {_who(order)}"
    )


def _header(order: Order) -> list[str]:
    d = order.delivery
    lines = [
        f"Order #{order.number} — {order.status.label} ({order.status.value}), "
        f"payment {order.payment_status.value} ({order.payment_method.value})",
        f"Created {order.created_at.isoformat()} via {order.source.value}/{order.channel or '-'}",
        f"Customer: {order.customer.name or '—'}  {order.customer.phone}  {order.customer.email}".rstrip(),
        f"Delivery: {d.method or '—'} {d.address}".rstrip(),
    ]
    if d.tracking_number or d.carrier:
        lines.append(f"Tracking: {d.carrier} {d.tracking_number}".strip())
    return lines


def _items(order: Order) -> list[str]:
    lines = ["Items:"]
    for line in order.lines:
        extra = ", ".join(f"{k}: {v}" for k, v in line.fields.items())
        lines.append(
            f"  {line.quantity} × {line.name} ({line.sku}) @ {_money(order, line.unit_price)}"
            f" = {_money(order, line.total)}" + (f" [{extra}]" if extra else "")
        )
    subtotal, fee = _money(order, order.subtotal), _money(order, order.delivery_fee)
    lines.append(f"Subtotal {subtotal}, delivery {fee}, total {_money(order, order.total)}")
    return lines


def details(order: Order, *, history: bool = True) -> str:
    """Everything staff need about one order, line by line; with its history for the terminal."""
    lines = _header(order) + _items(order)
    if history:
        lines.append("History:")
        lines += [
            f"  {e.at.strftime('%Y-%m-%d %H:%M:%S')} {e.kind} by {e.actor} {json.dumps(e.data)}"
            for e in order.history
        ]
    return "\n".join(lines)
