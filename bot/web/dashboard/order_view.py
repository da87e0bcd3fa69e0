"""What the order page shows, worked out from an order: the summary, the delivery stepper, the reminder and
automation tags, and the links to the customer and the conversation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

from catalog.money import to_major
from orders.customers import key_of
from orders.model import Order
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


@dataclass(frozen=True, slots=True)
class Step:
    """One step of the delivery stepper: `done`, `skipped`, `current`, `todo` or `problem`."""

    label: str
    state: str


def stepper(order: Order) -> list[Step]:
    """New → Confirmed → Collected → In transit → Delivered, or the path up to a problem. A step before the
    current one is done only if the order's history passed through it; one it jumped over is skipped."""
    path = list(_PATH)
    if order.delivery.method == "pickup" or order.status is S.READY_FOR_PICKUP:
        path[3] = S.READY_FOR_PICKUP
    reached = {S.PENDING} | {S(e.data["to"]) for e in order.history if e.kind == "status_changed"}
    if order.status in _OFF_PATH:
        done = [s for s in path if s in reached]
        return [*(Step(s.label, "done") for s in done), Step(order.status.label, "problem")]
    current = path.index(order.status) if order.status in path else 0
    return [
        Step(s.label, _passed(s in reached) if i < current else "current" if i == current else "todo")
        for i, s in enumerate(path)
    ]


def _passed(reached: bool) -> str:
    return "done" if reached else "skipped"


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


def customer_href(order: Order) -> str:
    """The customer's page (one customer per lead; an order without one by its phone or email)."""
    return key_of(order).url


def conversation_href(order: Order) -> str | None:
    if order.lead is None:
        return None
    return "/admin/conversations/" + quote(order.lead.address, safe=":@+")


def major(minor: int, currency: str) -> str:
    """An amount as staff type it back (12.50), for a form field."""
    return str(to_major(minor, currency))
