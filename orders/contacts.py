"""What counts as a phone number or an email address, wherever a person types one (chat, page, API)."""

from __future__ import annotations

import re

from catalog import limits

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()./-]*$")


def valid_email(text: str) -> bool:
    return not text or (len(text) <= limits.EMAIL and bool(_EMAIL.match(text)))


def valid_phone(text: str) -> bool:
    digits = sum(c.isdigit() for c in text)
    return not text or (len(text) <= limits.PHONE and bool(_PHONE.match(text)) and 6 <= digits <= 15)
