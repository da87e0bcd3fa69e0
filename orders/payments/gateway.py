"""What a payment provider does for an order: open a checkout for its total, and report what happened."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from orders.model import Order


@dataclass(frozen=True, slots=True)
class Checkout:
    """Where the shopper pays one order: a link, and the provider's reference for it."""

    url: str
    reference: str
    expires_at: datetime | None = None


class PaymentOutcome(StrEnum):
    """What a provider's event means for the order it names."""

    PAID = "paid"
    FAILED = "failed"  # declined, or the checkout expired: the order waits, the link can be renewed
    REFUNDED = "refunded"


@dataclass(frozen=True, slots=True)
class PaymentEvent:
    """One verified event from the provider, named by its own id so that a repeat changes nothing twice."""

    event_id: str
    order_number: int
    outcome: PaymentOutcome
    amount: int  # minor units of `currency`
    currency: str
    reference: str
    fee: int = 0
    net: int = 0


class PaymentGateway(Protocol):
    """A provider seen by the order services (the merchant's own Stripe account, first)."""

    @property
    def name(self) -> str: ...

    async def checkout(self, order: Order) -> Checkout:
        """The one checkout for this order's total; asking again for the same order gives the same one."""

    def event(self, body: bytes, signature: str | None) -> PaymentEvent | None:
        """The verified event in a webhook body (None for kinds that change nothing); raises ValueError for a
        missing, forged or stale signature."""
