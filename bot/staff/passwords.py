"""Passwords hashed with Argon2id (argon2-cffi), off the event loop: a hash takes ~0.1 s, on purpose."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
_HASHER = PasswordHasher()


class WeakPassword(ValueError):
    """A password too easy to guess; the message says what is needed."""


def check_strength(password: str, email: str) -> None:
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"a password needs at least {MIN_LENGTH} characters")
    if password.strip().lower() == email.strip().lower() or len(set(password)) < 4:
        raise WeakPassword("that password is too easy to guess")


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_HASHER.hash, password)


async def verify_password(stored: str, password: str) -> bool:
    def verify() -> bool:
        try:
            return _HASHER.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(verify)


# Checked against when the account does not exist, so that a wrong email costs as long as a wrong password
# (the time taken must not tell which accounts exist).
DUMMY_HASH = _HASHER.hash("not the password of anyone")
