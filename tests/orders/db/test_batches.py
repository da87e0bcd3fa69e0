"""Batches and group commit on PostgreSQL: what waits is shared among transactions side by side, and a few
late arrivals join the next batch instead of each opening a transaction of its own."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from orders.db.batches import Batches
from orders.db.engine import Database
from tests.conftest import POSTGRES_ONLY, POSTGRES_URL

GATE = 7  # an advisory lock the test holds: every batch waits for it inside its transaction


class _Recorded:
    """A batch's work: waits at the gate, then doubles each request; remembers each batch's requests and
    the transaction it ran in."""

    def __init__(self) -> None:
        self.batches: list[tuple[list[int], int]] = []

    def __call__(self, conn: Connection, requests: Sequence[int]) -> list[int]:
        conn.execute(text("SELECT pg_advisory_xact_lock_shared(:gate)"), {"gate": GATE})
        self.batches.append((list(requests), int(conn.execute(text("SELECT txid_current()")).scalar_one())))
        return [2 * r for r in requests]


@POSTGRES_ONLY
async def test_what_waits_together_is_shared_among_transactions_running_side_by_side(db: Database) -> None:
    work, batches = _batches(db)
    async with _gate_closed() as gate:
        results = asyncio.gather(*(batches.submit(i) for i in range(64)))
        await _waiting_at_the_gate(gate, 3)  # three transactions at once, not one holding all 64
    assert await results == [2 * i for i in range(64)]
    assert sorted(len(requests) for requests, _ in work.batches) == [21, 21, 22]
    assert len({txid for _, txid in work.batches}) == 3
    assert sorted(r for requests, _ in work.batches for r in requests) == list(range(64))


@POSTGRES_ONLY
async def test_a_few_arriving_while_a_batch_is_written_wait_and_go_together(db: Database) -> None:
    work, batches = _batches(db)
    async with _gate_closed() as gate:
        first = await _held_at_the_gate(batches, gate)
        later = []
        for i in range(1, 4):  # one at a time, as the replies of a committed batch come back
            later.append(asyncio.ensure_future(batches.submit(i)))
            await asyncio.sleep(0)
    assert await first == 0
    assert await asyncio.gather(*later) == [2, 4, 6]
    assert [requests for requests, _ in work.batches] == [[0], [1, 2, 3]]


@POSTGRES_ONLY
async def test_enough_arriving_beside_a_batch_in_flight_fill_every_free_transaction(db: Database) -> None:
    work, batches = _batches(db)
    async with _gate_closed() as gate:
        first = await _held_at_the_gate(batches, gate)
        later = asyncio.gather(*(batches.submit(i) for i in range(1, 11)))
        await _waiting_at_the_gate(gate, 3)  # both free transactions take a part, none waits for the first
    assert await first == 0
    assert await later == [2 * i for i in range(1, 11)]
    assert sorted(requests for requests, _ in work.batches) == [[0], [1, 2, 3, 4, 5], [6, 7, 8, 9, 10]]


@POSTGRES_ONLY
async def test_a_drainer_cancelled_before_it_ran_leaves_no_request_behind(db: Database) -> None:
    work, batches = _batches(db)
    first = asyncio.ensure_future(batches.submit(0))
    await asyncio.sleep(0)  # the request waits and its drainer is created, not yet run
    for task in asyncio.all_tasks():
        if task.get_coro().__qualname__ == "Batches._drain":  # type: ignore[union-attr]
            task.cancel()  # as a shutdown would
    assert await asyncio.wait_for(asyncio.shield(first), timeout=30) == 0  # another drainer took it
    assert [requests for requests, _ in work.batches] == [[0]]


@POSTGRES_ONLY
async def test_writes_waiting_together_run_in_transactions_side_by_side(db: Database) -> None:
    work = _Recorded()
    async with _gate_closed() as gate:
        written = asyncio.gather(*(db.write(functools.partial(work, requests=[r])) for r in (1, 2)))
        await _waiting_at_the_gate(gate, 2)  # not one transaction running both, one after the other
    assert await written == [[2], [4]]
    assert len({txid for _, txid in work.batches}) == 2


@POSTGRES_ONLY
async def test_a_batch_one_request_fails_in_leaves_nothing_and_each_request_runs_again_alone(
    db: Database,
) -> None:
    # As a chat confirmation whose order was written since its unlocked read fails its shared batch: the
    # other turns' writes of that attempt are rolled back and written once more, each in a batch of one.
    await db.write(lambda conn: conn.execute(text("CREATE TABLE done (n int)")))  # the schema is the test's
    attempts: list[list[int]] = []

    def work(conn: Connection, requests: Sequence[int]) -> list[int]:
        attempts.append(list(requests))
        for r in requests:
            conn.execute(text("INSERT INTO done VALUES (:n)"), {"n": r})
        if 3 in requests and len(requests) > 1:  # fails only in company
            raise ValueError("changed meanwhile")
        return [2 * r for r in requests]

    batches: Batches[int, int] = Batches(db, work, max_batch=64, min_batch=8, in_flight=1)
    assert await asyncio.gather(*(batches.submit(i) for i in range(1, 6))) == [2, 4, 6, 8, 10]
    assert attempts == [[1, 2, 3, 4, 5], [1], [2], [3], [4], [5]]
    written = await db.write(lambda conn: [n for (n,) in conn.execute(text("SELECT n FROM done"))])
    assert sorted(written) == [1, 2, 3, 4, 5]


def _batches(db: Database) -> tuple[_Recorded, Batches[int, int]]:
    """Recorded work and the batches that run it: three in flight, eight make a batch of their own."""
    work = _Recorded()
    return work, Batches(db, work, max_batch=64, min_batch=8, in_flight=3)


@asynccontextmanager
async def _gate_closed() -> AsyncIterator[AsyncConnection]:
    """A session of its own holding the gate shut until the block ends."""
    assert POSTGRES_URL is not None
    engine = create_async_engine(POSTGRES_URL)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT pg_advisory_lock(:gate)"), {"gate": GATE})
            try:
                yield conn
            finally:
                await conn.execute(text("SELECT pg_advisory_unlock(:gate)"), {"gate": GATE})
                await conn.commit()
    finally:
        await engine.dispose()


async def _held_at_the_gate(batches: Batches[int, int], gate: AsyncConnection) -> asyncio.Future[int]:
    """Request 0 submitted, its batch's transaction waiting at the gate."""
    first = asyncio.ensure_future(batches.submit(0))
    await _waiting_at_the_gate(gate, 1)
    return first


async def _waiting_at_the_gate(conn: AsyncConnection, sessions: int) -> None:
    """Return once `sessions` other sessions wait for the gate (fail if they never do, rather than hang)."""
    waiting = text(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = :gate AND NOT granted"
    )
    for _ in range(1000):
        seen = (await conn.execute(waiting, {"gate": GATE})).scalar_one()
        if seen >= sessions:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{seen} sessions waited at the gate, not {sessions}")
