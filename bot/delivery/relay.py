"""The outbox relay: claims due rows after commit, sends them, retries with backoff, records outcomes."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection

from channels.base import ChannelError
from orders.db.engine import Database
from orders.db.orders import OrderRepository
from orders.db.outbox import OutboxRepository
from orders.model import OrderEvent
from orders.outbox import OutboxKind, OutboxRow

log = logging.getLogger(__name__)


Sender = Callable[[OutboxRow], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How long to wait before the next attempt, and how many attempts a row gets."""

    max_attempts: int = 8
    base_delay: float = 2.0
    max_delay: float = 3600.0

    def delay(self, attempts: int, retry_after: float | None = None) -> timedelta:
        seconds = min(self.base_delay * 2 ** (attempts - 1), self.max_delay)
        return timedelta(seconds=max(seconds, retry_after or 0))


# Outcomes of these kinds land in the order's history (the shopper or admins were, or were not, told).
_RECORDED_KINDS = {OutboxKind.CUSTOMER_MESSAGE: "customer", OutboxKind.ADMIN_MESSAGE: "admin"}
SENT_MARK_DELAY = 0.02


def _in_history(row: OutboxRow) -> bool:
    return row.order_id is not None and row.kind in _RECORDED_KINDS


class OutboxRelay:
    """Claims due outbox rows, sends them through the sender of their kind and records what happened."""

    def __init__(
        self,
        db: Database,
        senders: Mapping[OutboxKind, Sender],
        clock: Callable[[], datetime],
        *,
        policy: RetryPolicy | None = None,
        batch: int = 10,  # small: a batch's sends and history rows run on the loop between chat turns
        lease: timedelta = timedelta(seconds=120),
        idle_interval: float = 1.0,
    ) -> None:
        self._db = db
        self._senders = senders
        self._clock = clock
        self._policy = policy or RetryPolicy()
        self._batch = batch
        self._lease = lease
        self._idle_interval = idle_interval
        self._wake = asyncio.Event()
        self._unmarked: list[int] = []
        self._flush: asyncio.Future[None] | None = None

    def wake(self) -> None:
        """Called after a commit that wrote outbox rows, so they go out now rather than at the next poll."""
        self._wake.set()

    async def run_once(self) -> int:
        """Send every row due now; returns how many rows were attempted."""
        attempted = 0
        while True:
            rows = await self._db.write(functools.partial(self._claim, self._clock()))
            if not rows:
                return attempted
            await self.deliver(rows)
            attempted += len(rows)

    def _claim(self, now: datetime, conn: Connection) -> list[OutboxRow]:
        return OutboxRepository(conn).claim_due(now, limit=self._batch, lease=self._lease)

    async def deliver(self, rows: list[OutboxRow], *, mark_sent_later: bool = False) -> None:
        """Send rows leased to us (concurrently), then record the outcomes.

        With `mark_sent_later` (a turn's own replies, the hot path) plain successes are marked sent in
        batches a few milliseconds later, one statement for many; a crash in between re-sends at most those
        few messages once their lease ends (at least once). Failures and history entries are recorded now.
        """
        if len(rows) == 1:  # the common case: no task to create and gather
            errors = [await self._attempt(rows[0])]
        else:
            errors = await asyncio.gather(*(self._attempt(row) for row in rows))
        outcomes = list(zip(rows, errors, strict=True))
        later = [r.id for r, e in outcomes if mark_sent_later and e is None and not _in_history(r)]
        now_needed = [(r, e) for r, e in outcomes if r.id not in later]
        if now_needed:
            await self._db.write(functools.partial(self._record, now_needed, self._clock()))
        self._sent_later(later)

    def _sent_later(self, row_ids: list[int]) -> None:
        if not row_ids:
            return
        self._unmarked.extend(row_ids)
        if self._flush is None or self._flush.done():
            self._flush = asyncio.ensure_future(self._mark_sent_soon())

    async def _mark_sent_soon(self) -> None:
        await asyncio.sleep(SENT_MARK_DELAY)
        await self.flush_sent()

    async def flush_sent(self) -> None:
        """Write the pending "sent" marks now (also called when shutting down)."""
        row_ids, self._unmarked = self._unmarked, []
        if row_ids:
            now = self._clock()
            await self._db.write(lambda conn: OutboxRepository(conn).mark_many_sent(row_ids, now))

    async def _attempt(self, row: OutboxRow) -> ChannelError | None:
        sender = self._senders.get(row.kind)
        try:
            if sender is None:
                raise ChannelError(f"no sender configured for {row.kind.value}", transient=False)
            await sender(row)
        except ChannelError as exc:
            return exc
        except Exception as exc:  # a bug in one sender must not stop the relay; the row is retried
            log.exception("outbox row %s: unexpected send failure", row.id)
            return ChannelError(f"{type(exc).__name__}: {exc}", transient=True)
        return None

    def _record(
        self, outcomes: list[tuple[OutboxRow, ChannelError | None]], now: datetime, conn: Connection
    ) -> None:
        outbox = OutboxRepository(conn)
        events = OrderRepository(conn)
        outbox.mark_many_sent([row.id for row, error in outcomes if error is None], now)
        for row, error in outcomes:
            final = error is None or not error.transient or row.attempts >= self._policy.max_attempts
            if error is not None and final:
                level = logging.WARNING if error.transient else logging.INFO
                log.log(level, "outbox row %s (%s) not sent: %s", row.id, row.kind.value, error)
                outbox.mark_dead(row.id, str(error))
            elif error is not None:
                outbox.mark_retry(
                    row.id, now + self._policy.delay(row.attempts, error.retry_after), str(error)
                )
            who = _RECORDED_KINDS.get(row.kind)
            if final and who and row.order_id is not None:
                kind = "notification_sent" if error is None else "notification_failed"
                data = {"to": who, "recipient": row.recipient, "template": row.payload.get("template", "")}
                if error is not None:
                    data["error"] = str(error)
                events.add_events(row.order_id, [OrderEvent(kind, "system", now, data)])

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Poll until `stop` is set; a wake-up skips the wait."""
        while not stop.is_set():
            # Cleared before the pass: a commit that wakes us during it gets a pass of its own.
            self._wake.clear()
            try:
                await self.run_once()
            except Exception:  # the database may be briefly unavailable; keep the relay alive
                log.exception("outbox relay pass failed")
            waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
            await asyncio.wait(waiters, timeout=self._idle_interval, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()
        await self.flush_sent()
