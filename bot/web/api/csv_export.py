"""Orders as CSV rows that a spreadsheet opens without running anything (formula injection is defused)."""

from __future__ import annotations

import csv
import io

from catalog.money import to_major
from orders.model import Order

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
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value: object) -> str:
    """Prefix text a spreadsheet would treat as a formula with a quote (OWASP's CSV injection advice)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def order_row(order: Order) -> list[str]:
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
