"""An orders row (with its lines, history and payments) as the Order model."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from orders.db.order_children import child_from_json, no_children
from orders.model import Customer, Delivery, Lead, Order, OrderEvent, OrderLine, Payment
from orders.status import OrderSource, OrderStatus, PaymentMethod, PaymentStatus


def to_order(
    m: Mapping[Any, Any], lines: list[OrderLine], events: list[OrderEvent], paid: list[Payment]
) -> Order:
    lead = Lead(m["lead_channel"], m["lead_user_id"]) if m["lead_channel"] else None
    return Order(
        id=m["id"],
        number=m["number"],
        status=OrderStatus(m["status"]),
        payment_status=PaymentStatus(m["payment_status"]),
        payment_method=PaymentMethod(m["payment_method"]),
        currency=m["currency"],
        subtotal=m["subtotal"],
        delivery_fee=m["delivery_fee"],
        discount=m["discount"],
        total=m["total"],
        customer=Customer(m["customer_name"], m["customer_phone"], m["customer_email"]),
        lead=lead,
        source=OrderSource(m["source"]),
        channel=m["channel"],
        language=m["language"],
        delivery=Delivery(
            m["delivery_method"],
            m["delivery_address"],
            m["carrier"],
            m["tracking_number"],
            m["expected_delivery_date"],
        ),
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        lines=tuple(lines),
        fields=dict(m["fields"] or {}),
        note=m["note"],
        warehouse=m["warehouse"],
        assignee=m["assignee"],
        assignee_confirmed=bool(m["assignee_confirmed"]),
        history=tuple(events),
        payments=tuple(paid),
    )


def whole_order(rows: Sequence[Mapping[str, Any]]) -> Order | None:
    """The order of `children_as_json`'s rows (each the order's columns, a child's kind and JSON row)."""
    if not rows:
        return None
    found = no_children()
    for row in rows:
        if row["kind"] is not None:
            child_from_json(found, row["kind"], row["id"], row["row"])
    lines, events, paid = (children[rows[0]["id"]] for children in found)
    return to_order(rows[0], lines, events, paid)
