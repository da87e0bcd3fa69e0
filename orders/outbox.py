"""The transactional outbox's records: side effects written with the change that causes them, sent after
commit (the table and its repository are in `orders.db.outbox`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any


class OutboxKind(StrEnum):
    """Who a message is for; each kind has its sender."""

    CUSTOMER_MESSAGE = "customer_message"
    ADMIN_MESSAGE = "admin_message"
    MERCHANT_WEBHOOK = "merchant_webhook"
    PAYMENT_CHECKOUT = "payment_checkout"  # create an order's checkout with the provider, then send its link
    PAYMENT_CHECK = "payment_check"  # ask the provider whether the shopper who says "I've paid" has

    @property
    def channel_name(self) -> str:
        """The outbox channel of provider calls: they fail and recover together, apart from chats."""
        return PAYMENTS if self in (OutboxKind.PAYMENT_CHECKOUT, OutboxKind.PAYMENT_CHECK) else ""


class OutboxStatus(StrEnum):
    """A row is pending until sent, or dead once it cannot be."""

    PENDING = "pending"
    SENT = "sent"
    DEAD = "dead"


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """A side effect to perform after commit; `dedupe_key` makes writing it twice harmless."""

    kind: OutboxKind
    recipient: str
    payload: dict[str, Any]
    dedupe_key: str
    order_id: int | None = None
    delay: timedelta = field(default=timedelta(0))

    @property
    def channel(self) -> str:
        """The sender that delivers it: a chat message's lead channel (`telegram:42`), or `merchant`."""
        return channel_of(self.kind, self.recipient)


MERCHANT = "merchant"
PAYMENTS = "payments"


def channel_of(kind: OutboxKind, recipient: str) -> str:
    return MERCHANT if kind is OutboxKind.MERCHANT_WEBHOOK else recipient.partition(":")[0]


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """A written outbox message, leased to whoever is about to send it."""

    id: int
    kind: OutboxKind
    recipient: str
    payload: dict[str, Any]
    dedupe_key: str
    order_id: int | None
    attempts: int
    created_at: datetime
    channel: str
