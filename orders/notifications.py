"""Which messages an order event causes, and to whom: customer, admin chats, merchant webhook."""

from __future__ import annotations

from dataclasses import dataclass

from catalog.money import format_money
from orders.formats import order_to_dict
from orders.model import Order, Payment
from orders.outbox import OutboxKind, OutboxMessage
from orders.payments.ledger import METHOD_LABELS, balance
from orders.status import OrderStatus, PaymentStatus

NO_CHAT_RECIPIENT = ""


@dataclass(frozen=True, slots=True)
class NotificationTargets:
    """Where staff hear about orders, decided by configuration in the composition root."""

    admin_recipients: tuple[str, ...] = ()  # "<channel>:<chat id>"
    merchant_webhook: bool = False


def _items_text(order: Order) -> str:
    return "\n".join(f"{line.quantity} × {line.name}" for line in order.lines)


def _common_params(order: Order) -> dict[str, object]:
    return {
        "number": order.number,
        "total": order.total,
        "currency": order.currency,
        "customer_name": order.customer.name,
        "items": _items_text(order),
    }


def _webhook(order: Order, event_type: str, event_key: str) -> OutboxMessage:
    event_id = f"evt_{order.id}_{event_key}"
    return OutboxMessage(
        kind=OutboxKind.MERCHANT_WEBHOOK,
        recipient=f"merchant:{order.id}",  # one order's events arrive in order; other orders' do not wait
        payload={"id": event_id, "type": event_type, "data": order_to_dict(order)},
        dedupe_key=f"webhook:{event_id}",
        order_id=order.id,
    )


def on_order_placed(order: Order, targets: NotificationTargets) -> list[OutboxMessage]:
    """Tell every admin chat and the merchant's server about a new order."""
    params = _common_params(order) | {
        "channel": order.channel or order.source.value,
        "phone": order.customer.phone,
        "total_text": format_money(order.total, order.currency, "en"),
    }
    messages = [
        OutboxMessage(
            kind=OutboxKind.ADMIN_MESSAGE,
            recipient=recipient,
            payload={"template": "admin_new_order", "language": "en", "params": params},
            dedupe_key=f"order:{order.id}:placed:admin:{recipient}",
            order_id=order.id,
        )
        for recipient in targets.admin_recipients
    ]
    if targets.merchant_webhook:
        messages.append(_webhook(order, "order.created", "created"))
    return messages


def on_payment(order: Order, targets: NotificationTargets, payment_id: int) -> list[OutboxMessage]:
    """The merchant's server hears of money received, with the order as it now stands."""
    return (
        [_webhook(order, "order.payment_received", f"payment{payment_id}")]
        if targets.merchant_webhook
        else []
    )


def on_status_changed(
    order: Order, previous: OrderStatus, targets: NotificationTargets, *, sequence: int
) -> list[OutboxMessage]:
    """The shopper hears of every status change in their language; the merchant's server too.

    `sequence` tells apart repeated visits to the same status (shipped, not picked up, shipped again).
    """
    params = _common_params(order) | {
        "status": order.status.value,
        "previous_status": previous.value,
        "tracking_number": order.delivery.tracking_number,
        "carrier": order.delivery.carrier,
    }
    key = f"status{sequence}-{order.status.value}"
    messages = [
        OutboxMessage(
            kind=OutboxKind.CUSTOMER_MESSAGE,
            recipient=order.lead.address if order.lead else NO_CHAT_RECIPIENT,
            payload={
                "template": f"status_{order.status.value}",
                "language": order.language,
                "params": params,
            },
            dedupe_key=f"order:{order.id}:{key}:customer",
            order_id=order.id,
        )
    ]
    if targets.merchant_webhook:
        messages.append(_webhook(order, "order.status_changed", key))
    return messages


def on_payment_received(order: Order, payment: Payment, targets: NotificationTargets) -> list[OutboxMessage]:
    """The shopper (on their chat) and the admin chats hear that money arrived."""
    b = balance(order.total, order.payments)
    params: dict[str, object] = {
        "number": order.number,
        "amount": payment.amount,
        "currency": order.currency,
        "due": b.due,
        "paid_in_full": order.payment_status is PaymentStatus.PAID,
        "amount_text": format_money(payment.amount, order.currency, "en"),
        "due_text": format_money(b.due, order.currency, "en"),
        "method": METHOD_LABELS.get(payment.method, payment.method),
        "customer_name": order.customer.name,
    }
    key = f"order:{order.id}:payment:{payment.id}"
    messages = [
        OutboxMessage(
            OutboxKind.ADMIN_MESSAGE,
            recipient,
            {"template": "admin_payment_received", "language": "en", "params": params},
            f"{key}:admin:{recipient}",
            order.id,
        )
        for recipient in targets.admin_recipients
    ]
    if order.lead is not None:
        payload = {"template": "payment_received", "language": order.language, "params": params}
        messages.append(
            OutboxMessage(
                OutboxKind.CUSTOMER_MESSAGE, order.lead.address, payload, f"{key}:customer", order.id
            )
        )
    return messages
