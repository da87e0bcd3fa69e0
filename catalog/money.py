"""Money as integer minor units: exact conversion from prices typed in the store's number format, and Babel
formatting."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from functools import cache, lru_cache

from babel import Locale, UnknownLocaleError, localedata
from babel.core import get_global
from babel.numbers import (
    format_currency,
    get_currency_precision,
    get_decimal_symbol,
    get_group_symbol,
    get_territory_currencies,
    list_currencies,
)

_PLAIN = re.compile(r"\d+(\.\d+)?|\.\d+")  # how software writes numbers, whatever the locale
_SPACES = "\u0020\u00a0\u202f"  # French, Russian… group with a (narrow) no-break space; people type a space
_APOSTROPHES = "'’"  # Swiss German groups with either


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


@cache
def price_locale(language: str, currency: str) -> str:
    """The locale a store's typed prices are read in: its first language where its currency is used.

    es + EUR -> es_ES (12,50), es + MXN -> es_MX (12.50), en + INR -> en_IN (1,25,000.00). When the
    countries using the currency write numbers differently in that language (English in the euro area:
    Ireland 12.50, Germany 12,50), the language's own format decides.
    """
    try:
        base = Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return "en"
    if base.territory:
        return str(base)
    likely = str(get_global("likely_subtags").get(base.language, base.language)).split("_")[-1]
    in_use = (t for t in get_global("territory_currencies") if currency in get_territory_currencies(t))
    candidates = sorted(f"{base.language}_{t}" for t in in_use if localedata.exists(f"{base.language}_{t}"))
    if f"{base.language}_{likely}" in candidates:
        return f"{base.language}_{likely}"
    if candidates and len({_symbols(c) for c in candidates}) == 1:
        return candidates[0]
    return base.language


@cache
def _symbols(locale: str) -> tuple[str, str, int]:
    """The decimal sign, the thousands separator and the size of the groups above the first thousand."""
    grouping = Locale.parse(locale).decimal_formats[None].grouping
    return get_decimal_symbol(locale), get_group_symbol(locale), int(grouping[1])


def _grouped(digits: str, group: str, secondary: int) -> str | None:
    """The integer part of a typed number without its thousands separators, if they sit where they should:
    "1,250" and "1,25,000" (en_IN) are numbers, "12,50" and "1,2,3" are not."""
    separators = _SPACES if group in _SPACES else _APOSTROPHES if group in _APOSTROPHES else group
    parts = re.split(f"[{re.escape(separators)}]", digits)
    if not all(part.isdigit() for part in parts):
        return None
    if len(parts) > 1:
        middle = {len(part) for part in parts[1:-1]}
        if not (1 <= len(parts[0]) <= 3 and len(parts[-1]) == 3 and middle in (set(), {3}, {secondary})):
            return None
    return "".join(parts)


def _local_reading(text: str, locale: str) -> Decimal | None:
    decimal, group, secondary = _symbols(locale)
    whole, point, fraction = text.partition(decimal)
    if point and not fraction.isdigit():
        return None
    digits = _grouped(whole, group, secondary) if whole else ("0" if fraction else None)
    return None if digits is None else Decimal(f"{digits}.{fraction or 0}")


def _example(locale: str, exponent: int) -> str:
    decimal, group, _ = _symbols(locale)
    return f"1{group}234" + (f"{decimal}5{'0' * (exponent - 1)}" if exponent else "")


def _read_typed(text: str, currency: str, locale: str) -> Decimal:
    """A typed amount read both as the store writes numbers and as software does; an amount that reads as
    two different prices is refused, never guessed (1.250 in a German store in dinars: 1250 or 1,25?)."""
    body = text.lstrip("+-−").strip()
    readings = {reading for reading in (_local_reading(body, locale),) if reading is not None}
    if _PLAIN.fullmatch(body):
        readings.add(Decimal(body))
    exponent = currency_exponent(currency)
    exact = sorted({r for r in readings if r.scaleb(exponent) == r.scaleb(exponent).to_integral_value()})
    if not readings:
        raise MoneyError(f"{text} is not a number in this store's format (like {_example(locale, exponent)})")
    if not exact:
        raise MoneyError(f"{text} has more than {exponent} decimal places for {currency}")
    if len(exact) > 1:
        decimal = _symbols(locale)[0]
        options = " or ".join(f"{r.normalize():f}".replace(".", decimal) for r in exact)
        raise MoneyError(f"{text} is ambiguous ({options}?): write it without a thousands separator")
    return -exact[0] if text.startswith(("-", "−")) else exact[0]


def parse_major(value: str | int | float | Decimal, currency: str, locale: str = "en") -> int:
    """Convert a price typed in major units ("12.50", or "12,50" in a German store) to minor units (1250),
    refusing anything inexact or ambiguous. Numbers (from JSON or TOML) are taken as they are."""
    if isinstance(value, bool):
        raise MoneyError(f"{value!r} is not an amount")
    if isinstance(value, Decimal | int):
        amount = Decimal(value)
    elif isinstance(value, float):
        amount = Decimal(str(value))
    else:
        amount = _read_typed(str(value).strip(), currency, locale)
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


def converted(minor: int, currency: str, target: str, rate: Decimal) -> int:
    """`minor` at `rate` (target units per store unit) in the target's minor units: a quote, never charged."""
    exponent = currency_exponent(target)
    amount = (to_major(minor, currency) * rate).scaleb(exponent)
    return int(amount.to_integral_value(rounding=ROUND_HALF_UP))


@lru_cache(maxsize=8192)
def format_money(minor: int, currency: str, locale: str = "en") -> str:
    """Human formatting in the reader's language, with the currency's own exponent.

    Memoised: Babel takes ~30 µs a call, and a chat shows the same few prices over and over.
    """
    return str(format_currency(to_major(minor, currency), currency, locale=locale))
