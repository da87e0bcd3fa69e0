"""An order's history in words: a label and a short sentence for every kind of event."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from catalog.money import format_money
from orders.model import Order, OrderEvent
from orders.payments.ledger import METHOD_LABELS
from orders.status import OrderStatus

EVENT_LABELS = {
    "created": "Order created",
    "status_changed": "Status changed",
    "edited": "Order edited",
    "lines_changed": "Products changed",
    "sales_manager_assigned": "Sales manager assigned",
    "sales_manager_confirmed": "Sale checked",
    "note_added": "Note added",
    "payment_received": "Payment received",
    "payment_failed": "Payment failed",
    "payment_refunded": "Payment refunded",
    "payment_voided": "Payment voided",
    "partial_payment_accepted": "Partial payment accepted",
    "partial_payment_declined": "Partial payment declined",
    "payment_link_created": "Payment link created",
    "payment_link_renewed": "Payment link renewed",
    "notification_sent": "Message sent",
    "notification_failed": "Message not sent",
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
# What a provider's event meant for the shopper's payment.
_FAILURES = {
    "checkout.session.expired": "the checkout expired before the shopper paid",
    "checkout.session.async_payment_failed": "the bank declined the payment",
}
# The messages chatcart sends, by template, as staff would name them.
_MESSAGES = {
    "admin_new_order": "new-order alert",
    "admin_payment_received": "payment alert",
    "cod_reminder": "cash-on-delivery reminder",
    "payment_link": "payment link",
    "pay_button": "payment link",
    "payment_not_yet": "payment not received yet",
    "payment_received": "payment receipt",
}
_STATUSES = {s.value: s for s in OrderStatus}
_READERS = {"customer": "the shopper", "admin": "the admin chat"}


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One line of the order's history, in words."""

    title: str
    detail: str
    actor: str
    at: str


def history(order: Order) -> list[HistoryEntry]:
    """Every event, newest first."""
    return [
        HistoryEntry(
            EVENT_LABELS.get(e.kind, e.kind.replace("_", " ").capitalize()),
            sentence(order, e),
            e.actor,
            e.at.strftime("%Y-%m-%d %H:%M"),
        )
        for e in reversed(order.history)
    ]


def sentence(order: Order, event: OrderEvent) -> str:
    """What happened, in a few words; an event of a kind this page does not know lists its data."""
    words = _SENTENCES.get(event.kind)
    if words is not None:
        return words(order, event.data)
    return ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in event.data.items())


Data = dict[str, object]


def _money(order: Order, amount: object) -> str:
    return format_money(amount, order.currency) if isinstance(amount, int) else ""


def _status(order: Order, data: Data) -> str:
    moved = f"{OrderStatus(str(data['from'])).label} → {OrderStatus(str(data['to'])).label}"
    extra = [
        f"{k.replace('_', ' ')}: {data[k]}" for k in ("tracking_number", "carrier", "reason") if data.get(k)
    ]
    return "; ".join([moved, *extra])


def _created(order: Order, data: Data) -> str:
    return f"from {data.get('source', '')}" + (" (draft)" if data.get("draft") else "")


def _changes(order: Order, data: Data) -> str:
    changes = data.get("changes")
    if isinstance(changes, list):
        return "; ".join(str(c) for c in changes)
    if isinstance(changes, dict):
        parts = []
        for name, pair in changes.items():
            old, new = pair if isinstance(pair, list) and len(pair) == 2 else ("", pair)
            parts.append(f"{FIELD_LABELS.get(str(name), str(name))}: {old or '—'} → {new or '—'}")
        return "; ".join(parts)
    return ""


def _received(order: Order, data: Data) -> str:
    method = str(data.get("method") or "")
    return f"{_money(order, data.get('amount'))} ({METHOD_LABELS.get(method, method or 'unknown method')})"


def _failed(order: Order, data: Data) -> str:
    return _FAILURES.get(str(data.get("event", "")), "the online payment did not go through")


def _refunded(order: Order, data: Data) -> str:
    return f"{_money(order, data.get('refunded'))} of {_money(order, data.get('amount'))} given back"


def _voided(order: Order, data: Data) -> str:
    payment = next((p for p in order.payments if p.id == data.get("payment_id")), None)
    if payment is None:
        return "a payment recorded by mistake no longer counts"
    method = METHOD_LABELS.get(payment.method, payment.method)
    return f"{format_money(payment.amount, payment.currency)} ({method}) no longer counts"


def _settled(accepted: bool) -> Callable[[Order, Data], str]:
    def words(order: Order, data: Data) -> str:
        due = _money(order, data.get("due"))
        return f"{due} left unpaid, order settled" if accepted else f"{due} still due, order not settled"

    return words


def _link(order: Order, data: Data) -> str:
    return f"checkout attempt {data.get('attempt', 1)}"


def _message(failed: bool) -> Callable[[Order, Data], str]:
    def words(order: Order, data: Data) -> str:
        template = str(data.get("template") or "")
        status = _STATUSES.get(template.removeprefix("status_")) if template.startswith("status_") else None
        if status is not None:
            what = f"“{status.label}” notice"
        else:
            what = _MESSAGES.get(template, "chat reply" if not template else template.replace("_", " "))
        said = f"{what} to {_READERS.get(str(data.get('to')), 'the chat')}"
        return f"{said}: {data.get('error')}" if failed and data.get("error") else said

    return words


_SENTENCES: dict[str, Callable[[Order, Data], str]] = {
    "created": _created,
    "status_changed": _status,
    "edited": _changes,
    "lines_changed": _changes,
    "sales_manager_assigned": lambda order, data: str(data.get("to") or ""),
    "sales_manager_confirmed": lambda order, data: str(data.get("sales_manager") or ""),
    "payment_received": _received,
    "payment_failed": _failed,
    "payment_refunded": _refunded,
    "payment_voided": _voided,
    "partial_payment_accepted": _settled(accepted=True),
    "partial_payment_declined": _settled(accepted=False),
    "payment_link_created": _link,
    "payment_link_renewed": _link,
    "notification_sent": _message(failed=False),
    "notification_failed": _message(failed=True),
}
