"""Exact conversion of typed prices to minor units, per currency exponent."""

from __future__ import annotations

from decimal import Decimal

import pytest

from catalog.money import MoneyError, currency_exponent, format_money, parse_major, to_major


@pytest.mark.parametrize(
    ("typed", "currency", "minor"),
    [
        ("12.00", "USD", 1200),
        ("12.5", "USD", 1250),
        ("0.10", "EUR", 10),
        ("1,234.56", "USD", 123456),
        ("1200", "JPY", 1200),
        ("1.250", "KWD", 1250),
        (12.3, "USD", 1230),
        (7, "INR", 700),
        ("19.99", "USD", 1999),  # the classic float trap: 19.99 * 100 = 1998.9999…
    ],
)
def test_major_units_convert_exactly(typed: str | float, currency: str, minor: int) -> None:
    assert parse_major(typed, currency) == minor


@pytest.mark.parametrize(
    ("typed", "currency", "problem"),
    [
        ("12.345", "USD", "more than 2 decimal places"),
        ("1200.5", "JPY", "more than 0 decimal places"),
        ("1.2345", "KWD", "more than 3 decimal places"),
        ("-1", "USD", "negative"),
        ("abc", "USD", "not a number"),
        ("NaN", "USD", "not a number"),
        (True, "USD", "not an amount"),
    ],
)
def test_inexact_or_bad_amounts_are_refused(typed: object, currency: str, problem: str) -> None:
    with pytest.raises(MoneyError, match=problem):
        parse_major(typed, currency)  # type: ignore[arg-type]


def test_exponents_follow_the_currency() -> None:
    assert [currency_exponent(c) for c in ("USD", "JPY", "KWD", "INR")] == [2, 0, 3, 2]


def test_minor_units_round_trip_to_major() -> None:
    assert to_major(1250, "USD") == Decimal("12.50")
    assert to_major(1250, "JPY") == Decimal("1250")
    assert to_major(1250, "KWD") == Decimal("1.250")


def test_money_is_formatted_in_the_readers_language() -> None:
    assert format_money(123456, "USD", "en") == "$1,234.56"
    assert format_money(1200, "JPY", "ja") == "￥1,200"
    assert format_money(123456750, "INR", "en_IN") == "₹12,34,567.50"
