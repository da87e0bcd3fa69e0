"""Requests that queue while earlier ones are written share one unit of work, and so its statements."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from sqlalchemy import Connection

from orders.db.engine import Database
from orders.db.group_commit import settle
from orders.db.pg_group_commit import PostgresGroupCommit, share

log = logging.getLogger(__name__)
R = TypeVar("R")
T = TypeVar("T")


class Batches(Generic[R, T]):
    """`run(conn, requests)` for the requests that queued meanwhile, one result per request, in order.

    Group commit shares a transaction between units of work; this shares the statements too: a batch of
    chat turns claims, loads and saves all its conversations in one statement each, which on PostgreSQL,
    where every statement is a round trip, is most of a turn's cost. If the batch raises, each request
    runs again alone, so each succeeds or fails by itself.

    Up to `in_flight` batches are written at once, so that the database works on one while the next is
    prepared. A request arriving while one is written waits for it unless `min_batch` are waiting: the
    replies of a committed batch come back one by one, and each starting a transaction of its own cost
    most transactions a batch of one (measured at 64 updates in flight: 68 % of batches held one turn).
    Waiting requests are shared among the batches that may start, rather than the first taking them all:
    one batch's round trips then overlap another's work.
    """

    def __init__(
        self,
        db: Database,
        run: Callable[[Connection, Sequence[R]], list[T]],
        *,
        max_batch: int,
        min_batch: int = 8,
        in_flight: int = PostgresGroupCommit.IN_FLIGHT,  # as many as the group commit runs at once
    ) -> None:
        self._db = db
        self._run = run
        self._max_batch = max_batch
        self._min_batch = min_batch
        self._in_flight = in_flight
        self._waiting: list[tuple[R, asyncio.Future[T]]] = []
        self._draining = 0  # drainers started and not finished
        self._writing = 0  # batches being written
        self._tasks: set[asyncio.Task[None]] = set()
        self._entered: set[asyncio.Task[None]] = set()  # drainers that ran their first step

    async def submit(self, request: R) -> T:
        """`request`'s result, once the batch it went into is committed."""
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._waiting.append((request, future))
        if self._draining == 0 or (
            self._draining < self._in_flight and len(self._waiting) >= self._min_batch
        ):
            self._start()
        return await future

    def _start(self) -> None:
        self._draining += 1
        task = asyncio.create_task(self._drain())
        self._tasks.add(task)
        task.add_done_callback(self._drained)

    def _drained(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if task not in self._entered:  # cancelled before its first step: its `finally` never ran
            self._draining -= 1
            if self._waiting and self._draining == 0:
                self._start()
        self._entered.discard(task)

    async def _drain(self) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._entered.add(task)
        first = True  # started because enough waited (or nothing was written): it takes its share
        try:
            # The last drainer takes whatever waits; another leaves a few for the batches still in flight.
            while self._waiting and (first or self._draining == 1 or len(self._waiting) >= self._min_batch):
                first = False
                size = share(len(self._waiting), self._max_batch, self._draining - self._writing)
                batch, self._waiting = self._waiting[:size], self._waiting[size:]
                self._writing += 1
                try:
                    await self._write(batch)
                finally:
                    self._writing -= 1
        finally:
            self._draining -= 1  # in the same step as the queue checks: no queued request is missed

    async def _write(self, batch: list[tuple[R, asyncio.Future[T]]]) -> None:
        requests = [request for request, _ in batch]
        try:
            results = await self._db.write(lambda conn: self._run(conn, requests))
        except BaseException as exc:
            if len(batch) == 1:
                settle(batch[0][1], None, exc)
                return
            # Rare by design (a guard lost to a concurrent write, a stale catalog): seen in the log if not.
            log.info("a batch of %d failed (%s); each runs again alone", len(batch), type(exc).__name__)
            for item in batch:  # each alone: one request's failure is not the others'
                await self._write([item])
            return
        for (_, future), result in zip(batch, results, strict=True):
            settle(future, result, None)
