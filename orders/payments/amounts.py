"""Stripe's own exponent per currency (not Babel's: ISK, HUF differ), and exact conversions to and from it."""

from __future__ import annotations

from catalog.money import currency_exponent

# stripe.com/docs/currencies: amounts in whole units for these.
_ZERO_DECIMAL = frozenset(
    [
        "BIF",
        "CLP",
        "DJF",
        "GNF",
        "JPY",
        "KMF",
        "KRW",
        "MGA",
        "PYG",
        "RWF",
        "UGX",
        "VND",
        "VUV",
        "XAF",
        "XOF",
        "XPF",
    ]
)
# Three decimals, and Stripe wants the last digit 0 (a multiple of 10).
_THREE_DECIMAL = frozenset(["BHD", "JOD", "KWD", "OMR", "TND"])
# ISK is charged in whole krónur but, for backwards compatibility, written with two decimals "00".
# HUF and TWD take two-decimal amounts for charges (their whole-unit rule is for payouts only).
_TWO_DECIMAL_WHOLE = frozenset({"ISK"})


class UnpayableAmount(ValueError):
    """An amount Stripe cannot charge exactly in this currency (it would have to be rounded)."""


def stripe_exponent(currency: str) -> int:
    code = currency.upper()
    if code in _ZERO_DECIMAL:
        return 0
    if code in _THREE_DECIMAL:
        return 3
    return 2


def _step(currency: str) -> int:
    """The multiple every Stripe amount in this currency must be."""
    code = currency.upper()
    if code in _THREE_DECIMAL:
        return 10
    if code in _TWO_DECIMAL_WHOLE:
        return 100
    return 1


def to_stripe(minor: int, currency: str) -> int:
    """Our minor units (the currency's ISO exponent) as Stripe's `unit_amount`; never rounded."""
    shift = stripe_exponent(currency) - currency_exponent(currency.upper())
    if shift >= 0:
        amount = minor * 10**shift
    else:
        amount, rest = divmod(minor, 10**-shift)
        if rest:
            raise UnpayableAmount(f"{minor} minor units of {currency} cannot be charged by Stripe exactly")
    amount = int(amount)
    if amount % _step(currency):
        raise UnpayableAmount(f"Stripe charges {currency} only in multiples of {_step(currency)}")
    return amount


def from_stripe(amount: int, currency: str) -> int:
    """A Stripe amount back in our minor units (Stripe's amounts are always exact in ours)."""
    shift = stripe_exponent(currency) - currency_exponent(currency.upper())
    return int(amount * 10**-shift if shift < 0 else amount // 10**shift)
