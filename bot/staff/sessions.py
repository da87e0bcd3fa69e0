"""Signing in: passwords checked with failed attempts throttled per account and per address; sessions kept in
the database (every process sees them), each with its CSRF token."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, select, update

from bot.staff.accounts import StaffError, StaffMember, normalised_email, token_hash
from bot.staff.passwords import DUMMY_HASH, verify_password
from bot.staff.roles import Role
from bot.staff.tables import sign_in_failures, staff, staff_sessions
from orders.db.engine import Database

WINDOW = timedelta(minutes=15)
ACCOUNT_LIMIT = 5  # wrong passwords for one account within the window
ADDRESS_LIMIT = 20  # from one address, whatever the accounts tried
LIFETIME = timedelta(hours=12)  # of a session left unused


class SignInRefused(Exception):
    """Wrong email or password, or too many failures lately; the message is safe to show."""

    def __init__(self, message: str, *, retry_after: timedelta | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class Session:
    """A signed-in staff member, and the token every form they send must carry."""

    member: StaffMember
    csrf: str


class SignIns:
    """Sign in, find the session of a cookie, sign out."""

    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._clock = clock

    async def sign_in(self, email: str, password: str, address: str) -> tuple[str, Session]:
        """A new session's cookie token and the session, or SignInRefused."""
        try:
            account = normalised_email(email)
        except StaffError:
            account = email.strip().lower()[:200]
        keys = (f"account:{account}", f"address:{address[:200]}")
        now = self._clock()
        waiting = await self._db.read(lambda conn: _throttled(conn, keys, now))
        if waiting is not None:
            minutes = max(int(waiting.total_seconds() // 60) + 1, 1)
            raise SignInRefused(f"Too many failed sign-ins. Try again in {minutes} min.", retry_after=waiting)
        row = await self._db.read(
            lambda conn: conn.execute(select(staff).where(staff.c.email == account)).first()
        )
        stored = row._mapping["password_hash"] if row else DUMMY_HASH
        if not await verify_password(stored, password) or row is None:
            await self._db.write(lambda conn: _count_failure(conn, keys, now))
            raise SignInRefused("Wrong email or password.")
        member = StaffMember(row.id, row.email, Role(row.role), row.created_at)
        return await self._db.write(lambda conn: _open(conn, member, keys[0], now))

    async def session(self, token: str) -> Session | None:
        """The session of a cookie, kept alive while used; None when it is unknown or has ended."""
        now = self._clock()
        joined = (
            select(staff, staff_sessions.c.csrf_token, staff_sessions.c.expires_at)
            .join(staff_sessions, staff_sessions.c.staff_id == staff.c.id)
            .where(staff_sessions.c.token_hash == token_hash(token), staff_sessions.c.expires_at > now)
        )
        row = await self._db.read(lambda conn: conn.execute(joined).first())
        if row is None:
            return None
        if row.expires_at - now < LIFETIME / 2:  # extended now and then, not written on every page
            extended = update(staff_sessions).where(staff_sessions.c.token_hash == token_hash(token))
            await self._db.write(lambda conn: conn.execute(extended.values(expires_at=now + LIFETIME)))
        member = StaffMember(row.id, row.email, Role(row.role), row.created_at)
        return Session(member, row.csrf_token)

    async def sign_out(self, token: str) -> None:
        gone = delete(staff_sessions).where(staff_sessions.c.token_hash == token_hash(token))
        await self._db.write(lambda conn: conn.execute(gone))


def _throttled(conn: Connection, keys: tuple[str, str], now: datetime) -> timedelta | None:
    """How long sign-ins for this account or from this address must wait, or None."""
    rows = conn.execute(select(sign_in_failures).where(sign_in_failures.c.key.in_(keys))).all()
    for key, failures, window_start in rows:
        limit = ACCOUNT_LIMIT if key.startswith("account:") else ADDRESS_LIMIT
        if failures >= limit and now - window_start < WINDOW:
            waiting: timedelta = window_start + WINDOW - now
            return waiting
    return None


def _count_failure(conn: Connection, keys: tuple[str, str], now: datetime) -> None:
    """One more failure for each key; a window that has passed starts again at one."""
    query = select(sign_in_failures).where(sign_in_failures.c.key.in_(keys)).with_for_update()
    current = {row.key: row for row in conn.execute(query)}
    for key in keys:
        row = current.get(key)
        if row is None:
            conn.execute(sign_in_failures.insert().values(key=key, failures=1, window_start=now))
        elif now - row.window_start >= WINDOW:
            fresh = update(sign_in_failures).where(sign_in_failures.c.key == key)
            conn.execute(fresh.values(failures=1, window_start=now))
        else:
            more = update(sign_in_failures).where(sign_in_failures.c.key == key)
            conn.execute(more.values(failures=sign_in_failures.c.failures + 1))


def _open(conn: Connection, member: StaffMember, account_key: str, now: datetime) -> tuple[str, Session]:
    conn.execute(delete(sign_in_failures).where(sign_in_failures.c.key == account_key))
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    values = {"token_hash": token_hash(token), "staff_id": member.id, "csrf_token": csrf}
    conn.execute(staff_sessions.insert().values(values | {"created_at": now, "expires_at": now + LIFETIME}))
    return token, Session(member, csrf)
