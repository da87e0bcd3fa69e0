"""What an order's payments add up to: paid, due, and the payment status they put the order in (pure)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from orders.model import Order, Payment
from orders.status import PaymentMethod, PaymentStatus


class PaymentRecordStatus(StrEnum):
    """One payment record's own state."""

    SUCCEEDED = "succeeded"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    VOIDED = "voided"


class ManualMethod(StrEnum):
    """How staff say a payment they record was made."""

    CASH = "cash"
    BANK_TRANSFER = "bank_transfer"
    CARD_TERMINAL = "card_terminal"
    OTHER = "other"


METHOD_LABELS = {
    "cash": "Cash",
    "bank_transfer": "Bank transfer",
    "card_terminal": "Card terminal",
    "other": "Other",
    "stripe": "Stripe",
}

# Statuses an order has before any money counts; a void of its last payment puts it back in one of them.
_WAITING = frozenset({PaymentStatus.UNPAID, PaymentStatus.PENDING, PaymentStatus.FAILED})


@dataclass(frozen=True, slots=True)
class Balance:
    """Money received (net of refunds), still due, and refunded, in the order's minor units."""

    paid: int
    due: int
    refunded: int
    gross: int  # received before refunds


def balance(total: int, payments: Iterable[Payment]) -> Balance:
    live = [p for p in payments if p.counts]
    gross = sum(p.amount for p in live)
    refunded = sum(p.refunded for p in live)
    # Money refunded is not owed again: what is due is what was never paid.
    return Balance(paid=gross - refunded, due=max(total - gross, 0), refunded=refunded, gross=gross)


def record_status(payment: Payment) -> PaymentRecordStatus:
    if not payment.counts:
        return PaymentRecordStatus.VOIDED
    if payment.refunded >= payment.amount > 0:
        return PaymentRecordStatus.REFUNDED
    if payment.refunded > 0:
        return PaymentRecordStatus.PARTIALLY_REFUNDED
    return PaymentRecordStatus.SUCCEEDED


def payment_status(order: Order, payments: Iterable[Payment]) -> PaymentStatus:
    """The order's payment status from its payments; without any, what it was waiting in."""
    b = balance(order.total, payments)
    if b.gross == 0:
        if order.payment_status in _WAITING:
            return order.payment_status
        online = order.payment_method is PaymentMethod.ONLINE
        return PaymentStatus.PENDING if online else PaymentStatus.UNPAID
    if b.refunded >= b.gross:
        return PaymentStatus.REFUNDED
    if b.gross >= order.total:
        return PaymentStatus.PAID  # a partial refund is noted on the payment and in the history
    return PaymentStatus.PARTIALLY_PAID


def share(amount: int, total: int) -> str:
    """An amount as a percentage of the order total ("50%", "33.3%")."""
    if total <= 0:
        return "—"
    percent = amount * 100 / total
    return f"{percent:.0f}%" if percent == int(percent) else f"{percent:.1f}%"


def badge(order: Order) -> tuple[str, str]:
    """The order list's payment badge (F053) as (label, kind): "Payment failed" is a filter, not a badge."""
    status = order.payment_status
    if status is PaymentStatus.PAID:
        return "Paid", "paid"
    if status is PaymentStatus.PARTIALLY_PAID:
        return "Partial", "partial"
    if status is PaymentStatus.REFUNDED:
        return "Refunded", "refunded"
    if status in (PaymentStatus.PENDING, PaymentStatus.FAILED):
        return "Pending", "pending"
    if order.payment_method is PaymentMethod.COD:
        return "Cash on delivery", "cod"
    return "No payment", "none"
