"""Money as integer minor units: exact conversion from typed decimals, and Babel formatting."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache

from babel.numbers import format_currency, get_currency_precision, list_currencies


class MoneyError(ValueError):
    """A typed amount that cannot be stored exactly in the currency's minor unit."""


@cache
def _known_currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def is_known_currency(code: str) -> bool:
    return code in _known_currencies()


@cache
def currency_exponent(code: str) -> int:
    """Digits after the decimal point: USD 2, JPY 0, KWD 3."""
    return int(get_currency_precision(code))


def parse_major(value: str | int | float | Decimal, currency: str) -> int:
    """Convert a price typed in major units ("12.50") to minor units (1250), refusing anything inexact."""
    if isinstance(value, bool):
        raise MoneyError(f"{value!r} is not an amount")
    text = str(value).strip().replace(",", "") if not isinstance(value, Decimal) else value
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise MoneyError(f"{value!r} is not a number") from None
    if not amount.is_finite():
        raise MoneyError(f"{value!r} is not a number")
    if amount < 0:
        raise MoneyError(f"{value} is negative")
    exponent = currency_exponent(currency)
    minor = amount.scaleb(exponent)
    if minor != minor.to_integral_value():
        raise MoneyError(f"{value} has more than {exponent} decimal places for {currency}")
    return int(minor)


def to_major(minor: int, currency: str) -> Decimal:
    """The exact major-unit amount: 1250 USD -> Decimal('12.50'), 1250 JPY -> Decimal('1250')."""
    exponent = currency_exponent(currency)
    return Decimal(minor).scaleb(-exponent).quantize(Decimal(1).scaleb(-exponent))


@lru_cache(maxsize=8192)
def format_money(minor: int, currency: str, locale: str = "en") -> str:
    """Human formatting in the reader's language, with the currency's own exponent.

    Memoised: Babel takes ~30 µs a call, and a chat shows the same few prices over and over.
    """
    return str(format_currency(to_major(minor, currency), currency, locale=locale))
