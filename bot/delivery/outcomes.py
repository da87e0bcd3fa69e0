"""What became of each send, written to the outbox soon after, in batches, and kept until written: a "sent"
survives a database that is down for a while, and the row is not sent again meanwhile."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from bot.delivery.health import ChannelHealth
from bot.delivery.retry import RetryPolicy
from channels.base import ChannelError
from orders.db.engine import Database
from orders.db.orders import OrderRepository
from orders.db.outbox import OutboxRepository, Outcome
from orders.model import OrderEvent
from orders.outbox import OutboxKind, OutboxRow

log = logging.getLogger(__name__)

# Outcomes of these kinds land in the order's history (the shopper or admins were, or were not, told).
_RECORDED_KINDS = {OutboxKind.CUSTOMER_MESSAGE: "customer", OutboxKind.ADMIN_MESSAGE: "admin"}
FLUSH_DELAY = 0.02  # a few milliseconds gather the outcomes of many turns into one write
MAX_FLUSH_PAUSE = 5.0


@dataclass(frozen=True, slots=True)
class _Entry:
    row: OutboxRow
    outcome: Outcome
    event: OrderEvent | None


def _history(row: OutboxRow, error: str | None, now: datetime) -> OrderEvent | None:
    who = _RECORDED_KINDS.get(row.kind)
    if who is None or row.order_id is None:
        return None
    data = {"to": who, "recipient": row.recipient, "template": row.payload.get("template", "")}
    if error is None:
        return OrderEvent("notification_sent", "system", now, data)
    return OrderEvent("notification_failed", "system", now, data | {"error": error})


class OutcomeLog:
    """Outcomes waiting to be written, and the chats with messages still to send in order (a backlog)."""

    def __init__(
        self, db: Database, clock: Callable[[], datetime], health: ChannelHealth, policy: RetryPolicy
    ) -> None:
        self._db = db
        self._clock = clock
        self._health = health
        self._policy = policy
        self._queue: list[_Entry] = []
        self._backlog: set[str] = set()  # recipients whose earlier messages wait: newer ones must too
        self._flushing = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    def add(self, row: OutboxRow, error: ChannelError | None) -> None:
        """The outcome of one attempt: sent, dead (permanent, or a day of transient failures), or retry."""
        now = self._clock()
        if error is None:
            entry = _Entry(row, Outcome(row.id, sent=True), _history(row, None, now))
        elif not error.transient or self._policy.gives_up(row.created_at, now):
            text = (
                str(error) if not error.transient else f"gave up after {self._policy.give_up_after}: {error}"
            )
            level = logging.WARNING if error.transient else logging.INFO
            log.log(level, "outbox row %s (%s) not sent: %s", row.id, row.kind.value, text)
            entry = _Entry(row, Outcome(row.id, dead=True, error=text), _history(row, text, now))
        else:
            retry_at = now + self._policy.delay(row.attempts, error.retry_after)
            entry = _Entry(row, Outcome(row.id, retry_at=retry_at, error=str(error)), None)
            self._backlog.add(row.recipient)
        self._queue.append(entry)

    def release(self, rows: Sequence[OutboxRow]) -> None:
        """Rows not attempted (an earlier message of their chat waits, or their channel fails): due now."""
        now = self._clock()
        for row in rows:
            self._queue.append(_Entry(row, Outcome(row.id, retry_at=now, attempted=False), None))
            self._backlog.add(row.recipient)

    def has_backlog(self, recipient: str) -> bool:
        return recipient in self._backlog

    def pending_ids(self) -> set[int]:
        """Rows whose outcome is not written yet: this process must not send them again meanwhile."""
        return {entry.row.id for entry in self._queue}

    async def load_backlog(self, owner: str) -> None:
        """At start-up: chats with messages left unsent (by a predecessor) go on in order, after them; what
        this process (`owner`) already sends is not a backlog (turns may run before this is read)."""
        found = await self._db.read(lambda conn: OutboxRepository(conn).pending_recipients(besides=owner))
        self._backlog |= found

    def flush_soon(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self._flush_until_written())

    async def _flush_until_written(self) -> None:
        await asyncio.sleep(FLUSH_DELAY)
        pause = 0.5
        while self._queue or self._health.has_news():
            try:
                await self.flush()
            except Exception as exc:  # the database may be down for a while: keep everything and retry
                log.warning(
                    "could not record %d send outcomes (%s); retrying in %.1f s", len(self._queue), exc, pause
                )
                await asyncio.sleep(pause)
                pause = min(pause * 2, MAX_FLUSH_PAUSE)

    async def flush(self) -> None:
        """Write everything queued so far (entries added meanwhile wait for the next write)."""
        async with self._flushing:
            batch = list(self._queue)
            if not batch and not self._health.has_news():
                return
            settled, transitions = await self._db.write(functools.partial(self._write, batch, self._clock()))
            del self._queue[: len(batch)]
            self._health.written(transitions)
            self._backlog -= settled

    def _write(self, batch: list[_Entry], now: datetime, conn: Connection) -> tuple[set[str], int]:
        outbox = OutboxRepository(conn)
        outbox.record([entry.outcome for entry in batch], now)
        OrderRepository(conn).add_histories(
            (entry.row.order_id, entry.event)
            for entry in batch
            if entry.event is not None and entry.row.order_id is not None
        )
        transitions = self._health.write(conn)
        # A chat whose backlog was just sent may send its new messages directly again.
        sent_to = {e.row.recipient for e in batch if e.outcome.sent} & self._backlog
        return {recipient for recipient in sent_to if not outbox.has_pending(recipient)}, transitions

    async def close(self) -> None:
        """At shutdown: write what is left; say how many messages may go out again if that fails."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        try:
            await self.flush()
        except Exception:
            log.exception(
                "%d send outcomes were not recorded: those messages may be sent again", len(self._queue)
            )
