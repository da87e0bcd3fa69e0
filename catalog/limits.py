"""What the database columns hold: every input is checked against these before it reaches them, so that
SQLite (which would keep anything) and PostgreSQL (which refuses) answer alike, with a reason."""

from __future__ import annotations

MAX_INT = 2**31 - 1  # order numbers, ids, prices, stock, quantities, totals: INTEGER on PostgreSQL

SKU = 64
PRODUCT_NAME = 200
CATEGORY = 100
CUSTOMER_NAME = 200
PHONE = 64
EMAIL = 200
TRACKING_NUMBER = 100
CARRIER = 100
WAREHOUSE = 100


def storable_text(value: str) -> str | None:
    """Why no column can keep this text (a NUL, a lone surrogate), or None when it can."""
    if "\x00" in value:
        return "must not contain NUL characters"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "must be valid Unicode text"
    return None
