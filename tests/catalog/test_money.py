"""Exact conversion of typed prices to minor units, per currency exponent."""

from __future__ import annotations

from decimal import Decimal

import pytest

from catalog.money import MoneyError, currency_exponent, format_money, parse_major, price_locale, to_major


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


@pytest.mark.parametrize(
    ("language", "currency", "locale"),
    [
        ("en", "USD", "en_US"),
        ("en", "INR", "en_IN"),
        ("hi", "INR", "hi_IN"),
        ("es", "EUR", "es_ES"),
        ("es", "MXN", "es_MX"),
        ("de", "EUR", "de_DE"),
        ("de", "CHF", "de_CH"),
        ("en", "EUR", "en"),  # Ireland writes 12.50, Germany (in English too) 12,50: the language decides
        ("pt-BR", "BRL", "pt_BR"),
    ],
)
def test_a_stores_prices_are_read_in_its_first_language_where_its_currency_is_used(
    language: str, currency: str, locale: str
) -> None:
    assert price_locale(language, currency) == locale


@pytest.mark.parametrize(
    ("typed", "currency", "locale", "minor"),
    [
        ("12,50", "EUR", "de_DE", 1250),
        ("1.234,50", "EUR", "de_DE", 123450),
        ("12.50", "EUR", "de_DE", 1250),  # how software writes it: the only way to read it
        ("1.234", "EUR", "de_DE", 123400),  # 1,234 € would have three decimals: not a euro price
        ("12,50", "EUR", "es_ES", 1250),
        ("1 234,50", "EUR", "fr_FR", 123450),  # a typed space for French's narrow no-break space
        ("1'234.50", "CHF", "de_CH", 123450),
        ("1,250", "USD", "en_US", 125000),  # an English store groups thousands with commas
        ("1,25,000", "INR", "en_IN", 12500000),
        ("12,34,567.50", "INR", "hi_IN", 123456750),
        ("12.50", "MXN", "es_MX", 1250),
    ],
)
def test_typed_prices_are_read_in_the_stores_number_format(
    typed: str, currency: str, locale: str, minor: int
) -> None:
    assert parse_major(typed, currency, locale) == minor


@pytest.mark.parametrize(
    ("typed", "currency", "locale", "problem"),
    [
        ("12,50", "USD", "en_US", "12,50 is not a number in this store's format (like 1,234.50)"),
        ("1,2,3", "USD", "en_US", "1,2,3 is not a number in this store's format (like 1,234.50)"),
        ("1.234,50", "INR", "en_IN", "is not a number in this store's format (like 1,234.50)"),
        ("12,345", "EUR", "de_DE", "more than 2 decimal places for EUR"),
        (
            "1.250",
            "EUR",
            "de_DE",
            "1.250 is ambiguous (1,25 or 1250?): write it without a thousands separator",
        ),
        ("1.250", "KWD", "de_DE", "1.250 is ambiguous (1,25 or 1250?)"),
        ("1,5", "JPY", "de_DE", "more than 0 decimal places for JPY"),
    ],
)
def test_a_price_that_reads_two_ways_or_none_is_refused(
    typed: str, currency: str, locale: str, problem: str
) -> None:
    with pytest.raises(MoneyError) as caught:
        parse_major(typed, currency, locale)
    assert problem in str(caught.value)


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
