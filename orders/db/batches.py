"""Requests that queue while earlier ones are written share one unit of work, and so its statements."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from sqlalchemy import Connection

from orders.db.engine import Database
from orders.db.group_commit import settle
from orders.db.pg_group_commit import PostgresGroupCommit

R = TypeVar("R")
T = TypeVar("T")


class Batches(Generic[R, T]):
    """`run(conn, requests)` for the requests that queued meanwhile, one result per request, in order.

    Group commit shares a transaction between units of work; this shares the statements too: a batch of
    chat turns claims, loads and saves all its conversations in one statement each, which on PostgreSQL,
    where every statement is a round trip, is most of a turn's cost. If the batch raises, each request
    runs again alone, so each succeeds or fails by itself.
    """

    def __init__(
        self,
        db: Database,
        run: Callable[[Connection, Sequence[R]], list[T]],
        *,
        max_batch: int,
        in_flight: int = PostgresGroupCommit.IN_FLIGHT,  # as many as the group commit runs at once
    ) -> None:
        self._db = db
        self._run = run
        self._max_batch = max_batch
        self._in_flight = in_flight
        self._waiting: list[tuple[R, asyncio.Future[T]]] = []
        self._draining = 0
        self._tasks: set[asyncio.Task[None]] = set()

    async def submit(self, request: R) -> T:
        """`request`'s result, once the batch it went into is committed."""
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._waiting.append((request, future))
        if self._draining < self._in_flight:
            self._draining += 1
            task = asyncio.create_task(self._drain())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return await future

    async def _drain(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting[: self._max_batch], self._waiting[self._max_batch :]
                await self._write(batch)
        finally:
            self._draining -= 1  # in the same step as the empty-queue check: no queued request is missed

    async def _write(self, batch: list[tuple[R, asyncio.Future[T]]]) -> None:
        requests = [request for request, _ in batch]
        try:
            results = await self._db.write(lambda conn: self._run(conn, requests))
        except BaseException as exc:
            if len(batch) == 1:
                settle(batch[0][1], None, exc)
                return
            for item in batch:  # each alone: one request's failure is not the others'
                await self._write([item])
            return
        for (_, future), result in zip(batch, results, strict=True):
            settle(future, result, None)
