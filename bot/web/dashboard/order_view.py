"""What the order page shows, worked out from an order: the summary, the delivery stepper, the reminder and
automation tags, the history in words, and the links to the customer and the conversation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

from catalog.money import to_major
from orders.model import Order, OrderEvent
from orders.status import ALLOWED_TRANSITIONS, GROUP_MEMBERS, OrderStatus, PaymentMethod, PaymentStatus

S = OrderStatus
GROUP_OF = {status: group for group, members in GROUP_MEMBERS.items() for status in members}
# The happy path of a parcel; a pickup order waits at the shop instead of travelling.
_PATH = (S.PENDING, S.CONFIRMED, S.COLLECTED, S.SHIPPED, S.DELIVERED)
_OFF_PATH = frozenset({S.NOT_PICKED_UP, S.RETURNED, S.CANCELLED})
PAYMENT_LABELS = {
    PaymentStatus.UNPAID: "No payment",
    PaymentStatus.PENDING: "Pending",
    PaymentStatus.PAID: "Fully paid",
    PaymentStatus.PARTIALLY_PAID: "Partial",
    PaymentStatus.FAILED: "Failed",
    PaymentStatus.REFUNDED: "Refunded",
}
EVENT_LABELS = {
    "created": "Order created",
    "status_changed": "Status changed",
    "edited": "Order edited",
    "lines_changed": "Products changed",
    "sales_manager_assigned": "Sales manager assigned",
    "sales_manager_confirmed": "Sale checked",
    "note_added": "Note added",
}
FIELD_LABELS = {
    "customer_name": "name",
    "customer_phone": "phone",
    "customer_email": "email",
    "delivery_method": "delivery method",
    "delivery_address": "address",
    "carrier": "delivery service",
    "tracking_number": "tracking number",
    "expected_delivery_date": "expected delivery",
    "warehouse": "warehouse",
    "note": "internal note",
    "discount": "discount",
    "delivery_fee": "delivery fee",
    "subtotal": "subtotal",
    "total": "total",
}


@dataclass(frozen=True, slots=True)
class Step:
    """One step of the delivery stepper: `done`, `current`, `todo` or `problem`."""

    label: str
    state: str


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One line of the order's history, in words."""

    title: str
    detail: str
    actor: str
    at: str


def stepper(order: Order) -> list[Step]:
    """New → Confirmed → Collected → In transit → Delivered, or the path up to a problem."""
    path = list(_PATH)
    if order.delivery.method == "pickup" or order.status is S.READY_FOR_PICKUP:
        path[3] = S.READY_FOR_PICKUP
    reached = {S.PENDING} | {S(e.data["to"]) for e in order.history if e.kind == "status_changed"}
    if order.status in _OFF_PATH:
        done = [s for s in path if s in reached]
        return [*(Step(s.label, "done") for s in done), Step(order.status.label, "problem")]
    current = path.index(order.status) if order.status in path else 0
    return [
        Step(s.label, "done" if i < current else "current" if i == current else "todo")
        for i, s in enumerate(path)
    ]


def next_statuses(order: Order) -> list[OrderStatus]:
    """Where the order may go from here, in the table's own order of statuses."""
    allowed = ALLOWED_TRANSITIONS[order.status]
    return [s for s in OrderStatus if s in allowed]


def can_cancel(order: Order) -> bool:
    return S.CANCELLED in ALLOWED_TRANSITIONS[order.status]


def payment_label(order: Order) -> str:
    if order.payment_status is PaymentStatus.UNPAID and order.payment_method is PaymentMethod.COD:
        return "Cash on delivery"
    return PAYMENT_LABELS[order.payment_status]


def tags(order: Order, today: date) -> list[tuple[str, str]]:
    """Reminder and automation tags (display only): (label, what it watches)."""
    found: list[tuple[str, str]] = []
    expected = order.delivery.expected_date
    if expected is not None and expected <= today and order.status in (S.SHIPPED, S.READY_FOR_PICKUP):
        found.append(("Remind today", f"expected on {expected.isoformat()}, not delivered yet"))
    if order.status is S.SHIPPED:
        found.append(("Delivery control", "check tracking status until delivered"))
    if order.status is S.PENDING and order.payment_method is PaymentMethod.COD and order.lead is not None:
        found.append(("Payment control", "the shopper is reminded to confirm cash on delivery"))
    if order.payment_status in (PaymentStatus.PENDING, PaymentStatus.PARTIALLY_PAID, PaymentStatus.FAILED):
        found.append(("Payment control", "payment not complete"))
    return found


def _change_text(data: dict[str, object]) -> str:
    changes = data.get("changes")
    if isinstance(changes, list):
        return "; ".join(str(c) for c in changes)
    if isinstance(changes, dict):
        parts = []
        for name, pair in changes.items():
            old, new = pair if isinstance(pair, list) and len(pair) == 2 else ("", pair)
            label = FIELD_LABELS.get(str(name), str(name))
            parts.append(f"{label}: {old or '—'} → {new or '—'}")
        return "; ".join(parts)
    return ""


def _detail(event: OrderEvent) -> str:
    data = event.data
    if event.kind == "status_changed":
        moved = f"{S(data['from']).label} → {S(data['to']).label}"
        extra = [
            f"{k.replace('_', ' ')}: {data[k]}"
            for k in ("tracking_number", "carrier", "reason")
            if data.get(k)
        ]
        return "; ".join([moved, *extra])
    if event.kind == "created":
        return f"from {data.get('source', '')}" + (" (draft)" if data.get("draft") else "")
    if event.kind in ("sales_manager_assigned", "sales_manager_confirmed"):
        return str(data.get("to") or data.get("sales_manager") or "")
    if event.kind in ("edited", "lines_changed"):
        return _change_text(data)
    return ", ".join(f"{k}: {v}" for k, v in data.items())


def history(order: Order) -> list[HistoryEntry]:
    """Every event, newest first."""
    return [
        HistoryEntry(
            EVENT_LABELS.get(e.kind, e.kind.replace("_", " ").capitalize()),
            _detail(e),
            e.actor,
            e.at.strftime("%Y-%m-%d %H:%M"),
        )
        for e in reversed(order.history)
    ]


def customer_href(order: Order) -> str | None:
    """The customer's page: one customer per lead (channel and user id); none for an order without one."""
    if order.lead is None:
        return None
    return f"/admin/customers/{quote(order.lead.channel, safe='')}:{quote(order.lead.user_id, safe='')}"


def conversation_href(order: Order) -> str | None:
    if order.lead is None:
        return None
    return f"/admin/conversations?lead={quote(order.lead.address, safe='')}"


def major(minor: int, currency: str) -> str:
    """An amount as staff type it back (12.50), for a form field."""
    return str(to_major(minor, currency))
