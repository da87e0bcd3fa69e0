"""The background work of every process: its heartbeat, and (in `serve` and `chatcart worker`) the outbox
relay and the reminder poller."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.delivery.relay import OutboxRelay
from bot.delivery.reminders import ReminderPoller
from orders.db import workers
from orders.db.engine import Database
from orders.db.outbox import OutboxRepository

log = logging.getLogger(__name__)
REMINDER_INTERVAL = 30.0
HEARTBEAT_INTERVAL = 2.0
ALIVE_FOR = timedelta(seconds=6)  # a worker silent this long is taken for dead


class Worker:
    """Says this process is alive (its leased rows are its own), and sends the outbox until told to stop."""

    def __init__(
        self, db: Database, relay: OutboxRelay, reminders: ReminderPoller, interval: float = REMINDER_INTERVAL
    ):
        self.relay = relay
        self.reminders = reminders
        self._db = db
        self._interval = interval
        self._steady_since: datetime | None = None  # since when our beats have all gone through

    async def run(self, stop: asyncio.Event, *, send: bool = True) -> None:
        """Until `stop` is set: beat; with `send`, also send the outbox and queue due reminders."""
        with contextlib.suppress(Exception):  # first: the rows this process leases must name a live worker
            await self.beat()
        await self.relay.start()
        jobs = [self._every(HEARTBEAT_INTERVAL, self.beat, stop, "heartbeat")]
        if send:
            jobs += [
                self.relay.run_forever(stop),
                self._every(self._interval, self.reminders.run_once, stop, "reminder"),
            ]
        try:
            await asyncio.gather(*jobs)
        finally:
            with contextlib.suppress(Exception):  # a database that is down: the heartbeat just goes stale
                await self._db.write(functools.partial(workers.forget, worker_id=self.relay.owner))

    async def beat(self) -> None:
        """Say this process is alive; then free the rows of workers that stopped saying so.

        Only once our own beats have gone through for as long as a worker may be silent: while the database
        was away nobody could beat, and a live worker (holding "sent" outcomes it could not write yet) would
        otherwise see its rows sent again by us as soon as the database is back.
        """
        owner, now = self.relay.owner, self.relay.now()
        try:
            await self._db.write(lambda conn: workers.beat(conn, owner, now))
        except Exception:
            self._steady_since = None
            raise
        if self._steady_since is None:
            self._steady_since = now
        if now - self._steady_since < ALIVE_FOR:
            return
        freed = await self._db.write(
            lambda conn: OutboxRepository(conn).release_abandoned(now, alive_since=now - ALIVE_FOR)
        )
        if freed:
            log.warning("%d deliveries of a stopped worker are due again", freed)
            self.relay.wake()

    async def _every(
        self, seconds: float, job: Callable[[], Awaitable[object]], stop: asyncio.Event, name: str
    ) -> None:
        while not stop.is_set():
            try:
                await job()
            except Exception:  # a passing database error must not end the loop
                log.exception("%s pass failed", name)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), seconds)
