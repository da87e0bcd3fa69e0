"""What a payment provider does for an order: open a checkout for its total, and report what happened."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class GatewayError(Exception):
    """The provider refused or could not be reached; `transient` says whether trying again may work."""

    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


class BadSignature(ValueError):
    """A webhook whose signature is missing, forged or too old: it changes nothing."""


@dataclass(frozen=True, slots=True)
class CheckoutRequest:
    """One checkout for an order's total; the same request (same key) always gives the same session."""

    order_number: int
    amount: int  # our minor units of `currency`
    currency: str
    description: str  # the line item's name ("Order #1001")
    success_url: str
    cancel_url: str
    expires_at: datetime
    idempotency_key: str


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
    """One verified event from the provider, named by its own id so that a repeat changes nothing twice.

    `order_number` is None for a refund: it names the payment by `reference` instead."""

    event_id: str
    kind: str
    outcome: PaymentOutcome
    order_number: int | None
    amount: int  # our minor units of `currency`
    currency: str
    reference: str  # the provider's payment (a Stripe PaymentIntent)
    session_id: str = ""
    refunded: int = 0  # for a refund: the payment's refunded total so far
    fee: int = 0
    net: int = 0


@dataclass(frozen=True, slots=True)
class SessionState:
    """A checkout as the provider sees it now (for "I've paid" and for renewing an expired link)."""

    session_id: str
    open: bool
    paid: bool
    amount: int
    currency: str
    reference: str
    order_number: int | None


class PaymentGateway(Protocol):
    """A provider seen by the order services (the merchant's own Stripe account, first)."""

    @property
    def name(self) -> str: ...

    async def checkout(self, request: CheckoutRequest) -> Checkout:
        """The checkout for this request; asking again with the same key gives the same one."""

    async def session(self, session_id: str) -> SessionState:
        """The checkout's current state."""

    async def account(self) -> str:
        """The merchant's account id (shown as "Connected")."""

    async def aclose(self) -> None:
        """Close its connections."""

    def event(self, body: bytes, signature: str | None) -> PaymentEvent | None:
        """The verified event in a webhook body (None for kinds that change nothing); raises BadSignature
        for a missing, forged or stale signature and ValueError for a body that is no event."""
