"""An online order's pay link, opened in the placing transaction: its token and the checkout to create."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import Connection

from orders.db.outbox import OutboxRepository
from orders.db.payments import PaymentRepository
from orders.model import Order
from orders.outbox import OutboxKind, OutboxMessage

# Stripe takes 30 minutes to 24 hours; a little under a day leaves room for the outbox's retries.
CHECKOUT_LIFETIME = timedelta(hours=23)
# A session created later than this before its planned expiry is planned anew (Stripe wants 30 min ahead).
MIN_AHEAD = timedelta(minutes=35)


def checkout_message(order_id: int, attempt: int) -> OutboxMessage:
    """Create the provider's checkout after commit (retried like any send), then tell the shopper."""
    return OutboxMessage(
        kind=OutboxKind.PAYMENT_CHECKOUT,
        recipient=f"{OutboxKind.PAYMENT_CHECKOUT.channel_name}:{order_id}",
        payload={"order_id": order_id, "attempt": attempt},
        dedupe_key=f"order:{order_id}:checkout:{attempt}",
        order_id=order_id,
    )


def check_message(order_id: int, now: datetime) -> OutboxMessage:
    """Ask the provider whether the order is paid (after commit), and tell the shopper what it says."""
    return OutboxMessage(
        kind=OutboxKind.PAYMENT_CHECK,
        recipient=f"{OutboxKind.PAYMENT_CHECK.channel_name}:{order_id}",
        payload={"order_id": order_id},
        dedupe_key=f"order:{order_id}:check:{now.isoformat()}",
        order_id=order_id,
    )


def open_pay_link(conn: Connection, order: Order, provider: str, now: datetime) -> None:
    """The order's pay link and its first checkout, in the placing transaction (gone if it rolls back)."""
    payments = PaymentRepository(conn)
    payments.create_pay_link(order.id, secrets.token_urlsafe(24), provider, now, now + CHECKOUT_LIFETIME)
    OutboxRepository(conn).add([checkout_message(order.id, 1)], now)
