"""Inbound messages that failed for good: told apart from passing outages, and recorded for an operator.

A webhook answers 503 only when a retry can succeed (the database or Redis was briefly unavailable): the
provider redelivers and the claim makes that safe. Anything else (a bug, a value the database refuses)
would fail the same way on every redelivery and hold back the shopper's later messages, so it is
acknowledged and kept in `failed_updates` instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from redis import exceptions as redis_errors
from sqlalchemy import Column, Connection, Integer, String, Table, Text, UniqueConstraint, select
from sqlalchemy import exc as sa_errors

from bot.conversations.base import StaleConversation
from catalog.db.schema import UtcDateTime, insert_ignoring, metadata
from orders.db.engine import Database

failed_updates = Table(
    "failed_updates",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("provider", String(32), nullable=False),
    Column("external_id", String(200), nullable=False),
    Column("error", Text, nullable=False),
    Column("payload", Text, nullable=False),
    Column("failed_at", UtcDateTime, nullable=False, index=True),
    UniqueConstraint("provider", "external_id"),
)

PAYLOAD_EXCERPT = 4000
# PostgreSQL SQLSTATE classes a retry can get past: connection exceptions, insufficient resources,
# operator intervention (shutdown, "starting up"), and transaction rollbacks (serialization, deadlock).
_TRANSIENT_SQLSTATE = ("08", "53", "57", "40", "55P03")
_TRANSIENT = (
    OSError,  # refused or reset connections and timeouts (TimeoutError is an OSError)
    sa_errors.DisconnectionError,
    sa_errors.TimeoutError,  # no pooled connection came free
    redis_errors.ConnectionError,
    redis_errors.TimeoutError,
    redis_errors.LockError,  # another worker held the conversation's lock for too long
    StaleConversation,  # other workers kept saving the conversation meanwhile
)
# PEP 249 class names: sqlite3's and the asyncpg adapter's errors, raw from statements run on the driver.
_TRANSIENT_DRIVER_ERRORS = frozenset({"OperationalError", "InterfaceError"})


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The error and what it wraps (SQLAlchemy's `orig`, `raise … from`); not `__context__`, which may be
    an unrelated error that was being handled at the time."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        orig = getattr(current, "orig", None)
        current = orig if isinstance(orig, BaseException) else current.__cause__


def _bad_value(exc: BaseException) -> bool:
    """A value no column holds: asyncpg's client-side DataError is an InterfaceError *and* a ValueError,
    so this is asked before the class names that would call it an outage."""
    return any(isinstance(e, ValueError | TypeError | ArithmeticError) for e in _chain(exc))


def _sqlstate(exc: BaseException) -> str | None:
    return next((str(s) for e in _chain(exc) if (s := getattr(e, "sqlstate", None))), None)


def is_transient(exc: BaseException) -> bool:
    """Whether the same message may well succeed when delivered again: a dependency was unavailable."""
    if isinstance(exc, sa_errors.DBAPIError) and exc.connection_invalidated:
        return True
    if _bad_value(exc):
        return False
    state = _sqlstate(exc)
    if state is not None:
        return state.startswith(_TRANSIENT_SQLSTATE)
    return any(
        isinstance(e, _TRANSIENT) or _TRANSIENT_DRIVER_ERRORS & {c.__name__ for c in type(e).__mro__}
        for e in _chain(exc)
    )


def refused_value(exc: BaseException) -> bool:
    """Whether the database refused a value (out of a column's range, too long, NUL), not a failure of its
    own: SQLSTATE class 22, or a value the driver could not even send."""
    if is_transient(exc):
        return False
    state = _sqlstate(exc)
    return (state or "").startswith("22") or _bad_value(exc)


# Handed to frameworks that pick an error handler by class (the REST API): these may carry a refused value.
DATABASE_ERRORS: tuple[type[Exception], ...] = (sa_errors.DBAPIError, OverflowError)


def _printable(text: str, limit: int) -> str:
    """What can be stored in any text column: NUL shown as \\x00, lone surrogates replaced, clipped."""
    cleaned = text.replace("\x00", "\\x00").encode("utf-8", "replace").decode("utf-8")
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


@dataclass(frozen=True, slots=True)
class FailedUpdate:
    """One recorded failure: which provider message, why, and the start of what the provider sent."""

    provider: str
    external_id: str
    error: str
    payload: str
    failed_at: datetime


class FailedUpdates:
    """The `failed_updates` table: each failed provider message once, in a transaction of its own."""

    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._clock = clock

    async def record(self, provider: str, external_id: str, error: BaseException, payload: bytes) -> None:
        """Keep the failure (a repeat of the same message is kept once); raises if the database is down."""
        row = {
            "provider": _printable(provider, 32),
            "external_id": _printable(external_id, 200),
            "error": _printable(f"{type(error).__name__}: {error}", PAYLOAD_EXCERPT),
            "payload": _printable(payload.decode("utf-8", "replace"), PAYLOAD_EXCERPT),
            "failed_at": self._clock(),
        }
        statement = insert_ignoring(self._db.engine.dialect, failed_updates, ["provider", "external_id"])
        await self._db.write(lambda conn: conn.execute(statement, row))

    async def latest(self, limit: int = 50) -> list[FailedUpdate]:
        """The most recent failures first."""

        def work(conn: Connection) -> list[FailedUpdate]:
            query = select(failed_updates).order_by(failed_updates.c.id.desc()).limit(limit)
            return [
                FailedUpdate(r.provider, r.external_id, r.error, r.payload, r.failed_at)
                for r in conn.execute(query)
            ]

        return await self._db.read(work)
