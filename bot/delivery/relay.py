"""The outbox relay: each chat's messages go out in the order they were written (a turn's replies right after
its commit, the rest when due); transient failures are retried, a failing channel only probed."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy import Connection

from bot.delivery.health import ChannelHealth
from bot.delivery.outcomes import OutcomeLog
from channels.base import ChannelError
from orders.db.engine import Database
from orders.db.outbox import OutboxRepository
from orders.outbox import OutboxKind, OutboxRow

log = logging.getLogger(__name__)

Sender = Callable[[OutboxRow], Awaitable[None]]
LEASE = timedelta(seconds=60)  # longer than any send takes; a dead worker's rows are taken over sooner


class OutboxRelay:
    """Sends outbox rows through the sender of their kind, on the channels this process can deliver."""

    def __init__(
        self,
        db: Database,
        senders: Mapping[OutboxKind, Sender],
        clock: Callable[[], datetime],
        *,
        owner: str,
        channels: Collection[str],
        outcomes: OutcomeLog,
        health: ChannelHealth,
        batch: int = 64,  # a claim costs about as much for 1 row as for 64 (it weighs every due row)
        idle_interval: float = 1.0,
        reply_wait: float = 2.0,
    ) -> None:
        self.owner = owner  # this process, as the outbox's leases and the workers table name it
        self._db = db
        self._senders = senders
        self._clock = clock
        self._channels = tuple(channels)
        self._outcomes = outcomes
        self._health = health
        self._batch = batch
        self._idle_interval = idle_interval
        self._reply_wait = reply_wait
        self._wake = asyncio.Event()
        self._chats: dict[str, asyncio.Task[None]] = {}  # the latest send of each chat in this process

    def now(self) -> datetime:
        return self._clock()

    async def start(self) -> None:
        """Chats with messages a predecessor left unsent go on after them, in order."""
        await self._outcomes.load_backlog(self.owner)

    def wake(self) -> None:
        """Called after a commit that wrote outbox rows, so they go out now rather than at the next poll."""
        self._wake.set()

    async def send_now(self, rows: Sequence[OutboxRow]) -> None:
        """A turn's replies, leased to us: sent after whatever this process still sends to that chat. Waits
        for them at most `reply_wait` seconds: a webhook's answer must not wait on a slow provider."""
        if not rows:
            return
        recipient = rows[0].recipient
        task = asyncio.ensure_future(self._after(self._chats.get(recipient), rows))
        self._chats[recipient] = task
        task.add_done_callback(functools.partial(self._chat_done, recipient))
        await asyncio.wait((task,), timeout=self._reply_wait)

    def _chat_done(self, recipient: str, task: asyncio.Task[None]) -> None:
        if self._chats.get(recipient) is task:
            del self._chats[recipient]
        if not task.cancelled() and task.exception() is not None:
            log.error("sending to %s failed", recipient, exc_info=task.exception())

    async def _after(self, previous: asyncio.Task[None] | None, rows: Sequence[OutboxRow]) -> None:
        if previous is not None:
            await asyncio.wait((previous,))
        await self._send_chat(rows, direct=True)

    async def _send_chat(self, rows: Sequence[OutboxRow], *, direct: bool) -> None:
        """One chat's rows, oldest first. After a transient failure the rest wait behind it; a turn's own
        replies wait behind the chat's older messages, and while their channel fails."""
        first = rows[0]
        if direct and (self._outcomes.has_backlog(first.recipient) or self._health.is_failing(first.channel)):
            self._outcomes.release(rows)
        else:
            for i, row in enumerate(rows):
                error = await self._attempt(row)
                self._outcomes.add(row, error)
                if error is None:
                    if self._health.went_through(row.channel):
                        self.wake()  # the messages that waited for this channel may all go now
                elif error.transient:
                    if error.retry_after is None:  # a rate limit is about this chat, not the channel
                        self._health.failed(row.channel, str(error))
                    self._outcomes.release(rows[i + 1 :])
                    break
        self._outcomes.flush_soon()

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
            return ChannelError(f"{type(exc).__name__}: {exc}", transient=True, retry_after=60)
        return None

    async def run_once(self) -> int:
        """Send every row due now, and record what became of them; returns how many rows were attempted."""
        attempted = 0
        while rows := await self._claim():
            by_chat: dict[str, list[OutboxRow]] = defaultdict(list)
            for row in rows:
                by_chat[row.recipient].append(row)
            await asyncio.gather(*(self._send_chat(chat, direct=False) for chat in by_chat.values()))
            attempted += len(rows)
            await self.flush()
        return attempted

    async def flush(self) -> None:
        """Record the outcomes of the sends so far now (they are otherwise written a moment later)."""
        await self._outcomes.flush()

    async def _claim(self) -> list[OutboxRow]:
        await self.flush()  # what is already known about earlier sends decides what is due now
        healthy = [c for c in self._channels if not self._health.is_failing(c)]
        probed = [c for c in self._channels if self._health.take_probe(c)]
        claimed = await self._db.write(functools.partial(self._claim_in, healthy, probed, self._clock()))
        # A row whose "sent" is not written yet (the database was down) is not sent again.
        waiting = self._outcomes.pending_ids()
        return [row for row in claimed if row.id not in waiting]

    def _claim_in(
        self, healthy: list[str], probed: list[str], now: datetime, conn: Connection
    ) -> list[OutboxRow]:
        outbox = OutboxRepository(conn)
        claim = functools.partial(outbox.claim_due, now, owner=self.owner, lease=LEASE)
        rows = claim(channels=healthy, limit=self._batch) if healthy else []
        for channel in probed:  # one message tells whether a failing channel works again
            rows += claim(channels=[channel], limit=1)
        return rows

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

    async def close(self) -> None:
        """Let this process's sends finish (briefly), then record their outcomes."""
        if self._chats:
            await asyncio.wait(list(self._chats.values()), timeout=self._reply_wait)
        await self._outcomes.close()
