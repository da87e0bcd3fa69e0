"""Group commit for SQLite: the writes waiting together share one transaction and one commit."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError

T = TypeVar("T")
Work = Callable[[Connection], T]
Batch = list[tuple["Work[Any]", asyncio.Future[Any]]]
Outcomes = list[tuple[asyncio.Future[Any], Any, BaseException | None]]


class GroupCommit:
    """Writes that wait together share one transaction and one commit (for SQLite, the commit is the cost).

    Batches run on the event loop itself: a turn's SQL is a fraction of a millisecond of CPU, and a
    thread would only add hand-offs and GIL contention. The loop never waits for another process, though:
    it tries the write lock with no busy timeout, and when another process holds it (an import, a second
    worker) the batch goes to the writer thread, which waits there. If one unit of work raises, the batch
    is rolled back and each unit is run again alone, so each succeeds or fails by itself; every caller
    hears its result after the commit.

    The loop keeps one connection for its batches, set to not wait for the lock: checking a connection
    out of the pool and switching its busy timeout twice cost more than the commit itself.

    Once writes are arriving together (the last batch held several), a batch starts no sooner than
    GATHER after the one before, so that writes arriving a moment apart share it. Without that, a steady
    stream of messages spaced just wider than a turn makes every turn a batch of its own, each costing a
    commit, and the queue grows until batches are large again: measured at 900 turns/s offered (60 % of
    saturation), p50 0.5 to 0.6 s and 1.25 ms of CPU per turn, against 7 to 16 ms and 0.9 to 1.0 ms
    with it. A writer on its own (one write after another) is held back at most once, right after writes
    stopped arriving together. Shutdown (`wait_idle`) runs a gathering batch at once.
    """

    LOOP_BATCH = 16  # bounded, so one batch never holds the loop for long
    GATHER = 0.003  # seconds: a few turns' worth, and nothing beside a chat message's trip

    def __init__(self, engine: Engine, writer: ThreadPoolExecutor) -> None:
        self._engine = engine
        self._writer = writer
        self._waiting: Batch = []
        self._scheduled = False
        self._loop_conn: Connection | None = None
        self._last_start = 0.0  # of the latest batch, on the loop's clock
        self._last_size = 0
        self._gathering: asyncio.TimerHandle | None = None

    async def submit(self, work: Work[T]) -> T:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._waiting.append((work, future))
        if not self._scheduled:
            self._scheduled = True
            wait = self._last_start + self.GATHER - loop.time()
            if wait > 0 and self._last_size > 1:
                self._gathering = loop.call_later(wait, self._drain_on_loop)
            else:
                loop.call_soon(self._drain_on_loop)
        return await future

    async def wait_idle(self) -> None:
        """Return once every queued write has run (a batch still gathering runs now), before shutdown."""
        while self._scheduled:
            if self._gathering is not None:
                self._gathering.cancel()
                self._drain_on_loop()
            else:
                await asyncio.sleep(0)

    def _drain_on_loop(self) -> None:
        self._gathering = None
        batch, self._waiting = self._waiting[: self.LOOP_BATCH], self._waiting[self.LOOP_BATCH :]
        self._last_start, self._last_size = asyncio.get_running_loop().time(), len(batch)
        if self._waiting:
            asyncio.get_running_loop().call_soon(self._drain_on_loop)
        else:
            self._scheduled = False
        if not self._commit(batch, wait_for_lock=False):
            self._writer.submit(self._commit, batch, True)

    def _commit(self, batch: Batch, wait_for_lock: bool) -> bool:
        """Run and commit a batch; False (nothing run) if the lock is taken and we may not wait."""
        try:
            outcomes = self._run_batch(batch, wait_for_lock)
        except OperationalError as exc:
            if not wait_for_lock and _refused_lock(exc):
                return False  # another process writes: let the writer thread wait for it
            outcomes = [(future, None, exc) for _, future in batch]
        except _OneFailed:
            # Optimistic batching lost: run each unit of work alone so each succeeds or fails by itself.
            outcomes = []
            for item in batch:
                try:
                    outcomes += self._run_batch([item], wait_for_lock=True)
                except BaseException as exc:
                    outcomes.append((item[1], None, exc))
        except BaseException as exc:  # the commit itself failed: nobody's work was kept
            outcomes = [(future, None, exc) for _, future in batch]
        for future, result, error in outcomes:
            future.get_loop().call_soon_threadsafe(settle, future, result, error)
        return True

    def close(self) -> None:
        """Drop the loop's connection (before the engine is disposed, or after it failed). It is closed,
        not pooled: a pooled connection must wait for the lock, and this one was told not to."""
        if self._loop_conn is not None:
            self._loop_conn.invalidate()
            self._loop_conn.close()
            self._loop_conn = None

    def _run_batch(self, batch: Batch, wait_for_lock: bool) -> Outcomes:
        """All units of work in one transaction, no savepoints (they cost two statements each)."""
        if wait_for_lock:
            with self._engine.connect() as conn:  # a pooled connection waits up to the busy timeout
                return _in_transaction(conn, batch)
        conn = self._loop_conn or self._connect_no_wait()
        try:
            return _in_transaction(conn, batch)
        except BaseException as exc:
            # Refused the lock at BEGIN (another process writes; the writer thread takes the batch), the
            # connection is as it was. Anything else may have left it unusable: the next batch opens one.
            if not (_refused_lock(exc) and not conn.in_transaction()):
                self.close()
            raise

    def _connect_no_wait(self) -> Connection:
        conn = self._engine.connect()
        try:
            driver = conn.connection.driver_connection
            assert driver is not None
            driver.execute("PRAGMA busy_timeout=0")
        except BaseException:
            conn.invalidate()
            conn.close()
            raise
        self._loop_conn = conn
        return conn


def _refused_lock(exc: BaseException) -> bool:
    """SQLite said another connection holds the write lock (and we were not to wait for it)."""
    return isinstance(exc, OperationalError) and "locked" in str(exc)


def _in_transaction(conn: Connection, batch: Batch) -> Outcomes:
    with conn.begin():
        results: Outcomes = []
        for work, future in batch:
            try:
                results.append((future, work(conn), None))
            except Exception as exc:
                if len(batch) == 1:
                    raise
                raise _OneFailed from exc
    return results


class _OneFailed(Exception):
    """A unit of work failed inside a shared batch: the batch is rolled back and retried one by one."""


def settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    """Give a waiting caller its result or its error (unless it stopped waiting)."""
    if future.cancelled():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
