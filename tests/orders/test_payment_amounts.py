"""Stripe's amounts: the currency's Stripe exponent (not Babel's), exact both ways, refused when Stripe would
have to round; and what an order's payments add up to."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from orders.model import Customer, Delivery, Order, Payment
from orders.payments.amounts import UnpayableAmount, from_stripe, stripe_exponent, to_stripe
from orders.payments.ledger import badge, balance, record_status, share
from orders.status import OrderSource, OrderStatus, PaymentMethod, PaymentStatus


@pytest.mark.parametrize(
    ("minor", "currency", "stripe"),
    [
        (4990, "USD", 4990),  # $49.90
        (1200, "JPY", 1200),  # ¥1200: zero-decimal on both sides
        (12340, "KWD", 12340),  # 12.340 KWD: three decimals, the last one 0
        (500, "ISK", 50000),  # 500 kr: whole krónur, written with two decimals "00"
        (1500, "HUF", 150000),  # Ft 1500: Babel says 0 decimals, Stripe charges HUF with two
        (12000, "INR", 12000),
    ],
)
def test_an_order_total_in_stripes_exponent_and_back(minor: int, currency: str, stripe: int) -> None:
    assert to_stripe(minor, currency) == stripe
    assert from_stripe(stripe, currency) == minor


def test_exponents_from_stripes_own_table() -> None:
    assert [stripe_exponent(c) for c in ("JPY", "KRW", "KWD", "BHD", "USD", "ISK", "HUF", "TWD")] == [
        0,
        0,
        3,
        3,
        2,
        2,
        2,
        2,
    ]


def test_an_amount_stripe_would_round_is_refused() -> None:
    with pytest.raises(UnpayableAmount, match="multiples of 10"):
        to_stripe(12345, "KWD")  # 12.345 KWD: Stripe wants the last digit 0


def _paid(amount: int, refunded: int = 0, voided: bool = False) -> Payment:
    at = datetime(2026, 11, 1, tzinfo=UTC)
    return Payment(amount, "INR", "manual", "succeeded", refunded=refunded, voided_at=at if voided else None)


def test_balance_counts_live_payments_and_refunds_are_not_due_again() -> None:
    b = balance(28000, [_paid(14000), _paid(14000, refunded=4000), _paid(28000, voided=True)])
    assert (b.paid, b.due, b.refunded, b.gross) == (24000, 0, 4000, 28000)
    assert record_status(_paid(100, refunded=100)).value == "refunded"
    assert record_status(_paid(100, voided=True)).value == "voided"
    assert (share(7000, 28000), share(1, 3), share(5, 0)) == ("25%", "33.3%", "—")


def _order(status: PaymentStatus, method: PaymentMethod) -> Order:
    at = datetime(2026, 11, 1, tzinfo=UTC)
    return Order(
        id=1,
        number=1001,
        status=OrderStatus.PENDING,
        payment_status=status,
        payment_method=method,
        currency="INR",
        subtotal=12000,
        delivery_fee=0,
        discount=0,
        total=12000,
        customer=Customer("Asha"),
        lead=None,
        source=OrderSource.MANUAL,
        channel="",
        language="en",
        delivery=Delivery(),
        created_at=at,
        updated_at=at,
    )


@pytest.mark.parametrize(
    ("status", "method", "label"),
    [
        ("paid", "online", "Paid"),
        ("partially_paid", "manual", "Partial"),
        ("pending", "online", "Pending"),
        ("failed", "online", "Pending"),  # "Payment failed" is only a filter
        ("refunded", "online", "Refunded"),
        ("unpaid", "cod", "Cash on delivery"),
        ("unpaid", "manual", "No payment"),
    ],
)
def test_the_payment_badge_of_an_order(status: str, method: str, label: str) -> None:
    assert badge(_order(PaymentStatus(status), PaymentMethod(method)))[0] == label
