"""What /readyz and /metrics report about a running chatcart: the database, Redis and the outbox."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import Connection

from bot.setup.wiring import Services
from orders.db.outbox_stats import STATUS_NAMES, OutboxBacklog, outbox_backlog, outbox_counts

__all__ = ["STATUS_NAMES", "OutboxSnapshot", "Readiness", "outbox_snapshot", "readiness"]

T = TypeVar("T")
log = logging.getLogger(__name__)

# A probe that hangs is as bad as one that fails: the load balancer times out without knowing why.
CHECK_TIMEOUT_SECONDS = 5.0
NOT_CONFIGURED = "not configured"


@dataclass(frozen=True, slots=True)
class Readiness:
    """Each dependency's state ("ok", "not configured" or "unavailable: <error>") and the outbox backlog."""

    checks: dict[str, str]
    backlog: OutboxBacklog | None
    oldest_pending_seconds: float | None

    @property
    def failing(self) -> dict[str, str]:
        return {name: state for name, state in self.checks.items() if state not in ("ok", NOT_CONFIGURED)}


@dataclass(frozen=True, slots=True)
class OutboxSnapshot:
    """The outbox as /metrics reports it: counts by (channel, status) and the backlog's age."""

    counts: dict[tuple[str, str], int]
    pending: int
    oldest_pending_seconds: float | None


async def readiness(services: Services) -> Readiness:
    """Ready when the database answers (reading the backlog is the check) and Redis, when configured."""
    database, backlog = "ok", None
    try:
        backlog = await _bounded(services.db.read(outbox_backlog))
    except Exception as exc:  # every failure means "not ready", never a 500
        database = _unavailable("database", exc)
    redis = NOT_CONFIGURED
    if services.redis is not None:
        try:
            await _bounded(services.redis.ping())
            redis = "ok"
        except Exception as exc:
            redis = _unavailable("redis", exc)
    return Readiness({"database": database, "redis": redis}, backlog, _age(services, backlog))


async def outbox_snapshot(services: Services) -> OutboxSnapshot | None:
    """The outbox counts, or None when the database does not answer."""

    def read(conn: Connection) -> tuple[dict[tuple[str, str], int], OutboxBacklog]:
        return outbox_counts(conn), outbox_backlog(conn)

    try:
        counts, backlog = await _bounded(services.db.read(read))
    except Exception as exc:
        _unavailable("database", exc)
        return None
    return OutboxSnapshot(counts, backlog.pending, _age(services, backlog))


async def _bounded(check: Awaitable[T]) -> T:
    async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
        return await check


def _age(services: Services, backlog: OutboxBacklog | None) -> float | None:
    if backlog is None or backlog.oldest_pending_at is None:
        return None
    return max(0.0, (services.clock() - backlog.oldest_pending_at).total_seconds())


def _unavailable(what: str, exc: Exception) -> str:
    """The error's kind for the (public) answer; its text, which may name hosts, only for the log."""
    kind = "timeout" if isinstance(exc, TimeoutError) else type(exc).__name__
    log.warning("%s check failed: %s: %s", what, kind, exc)
    return f"unavailable: {kind}"
