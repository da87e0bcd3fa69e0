"""Heartbeats: a dead worker's rows are taken over within seconds, and a worker the database could not hear
from for a moment (nor anyone else) keeps its own."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection

from bot.delivery.reminders import ReminderPoller
from bot.delivery.worker import Worker
from bot.templating import load_phrases
from orders.db import workers
from orders.db.engine import Database
from orders.db.outbox import OutboxRepository
from orders.db.tables import outbox
from orders.outbox import OutboxKind, OutboxMessage
from tests.bot.delivery.relays import build_relay
from tests.conftest import Clock
from tests.orders.db.test_outbox import LEASE


def worker(db: Database, clock: Clock, owner: str) -> Worker:
    relay = build_relay(db, clock, {}, owner=owner)
    return Worker(db, relay, ReminderPoller(db, load_phrases(), clock, relay.wake))


async def leased_to_b(db: Database, clock: Clock) -> None:
    """worker-b beats and leases a message (it is sending it)."""

    def work(conn: Connection) -> None:
        message = OutboxMessage(OutboxKind.MERCHANT_WEBHOOK, "merchant:1", {"id": 1}, "m1")
        OutboxRepository(conn).add([message], clock())
        workers.beat(conn, "worker-b", clock())
        OutboxRepository(conn).claim_due(
            clock(), channels=["merchant"], owner="worker-b", limit=1, lease=LEASE
        )

    await db.write(work)


async def lease_owner(db: Database) -> str | None:
    def read(conn: Connection) -> str | None:
        owner: str | None = conn.execute(outbox.select()).mappings().one()["lease_owner"]
        return owner

    return await db.read(read)


async def test_a_dead_workers_rows_are_freed_by_a_worker_that_beats_steadily(
    db: Database, clock: Clock
) -> None:
    a = worker(db, clock, "worker-a")
    await a.beat()
    await leased_to_b(db, clock)
    for _ in range(3):  # worker-b was killed: it never beats again
        clock.advance(seconds=2)
        await a.beat()
    assert await lease_owner(db) == "worker-b"  # silent for 6 s, not yet more
    clock.advance(seconds=2)
    await a.beat()
    assert await lease_owner(db) is None


async def test_after_the_database_was_away_nobody_takes_a_live_workers_rows(
    db: Database, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by the drill (PostgreSQL restarted under load): after an 8 s outage every heartbeat was old,
    the first worker back freed the others' rows, and sent again what they had sent but not yet recorded."""
    a = worker(db, clock, "worker-a")
    for _ in range(4):
        await a.beat()
        clock.advance(seconds=2)
    await leased_to_b(db, clock)
    with monkeypatch.context() as outage:
        outage.setattr(db, "write", unavailable)
        for _ in range(4):  # the database is down for 8 s: nobody can beat
            clock.advance(seconds=2)
            with pytest.raises(ConnectionRefusedError):
                await a.beat()
    clock.advance(seconds=1)
    await a.beat()
    assert await lease_owner(db) == "worker-b"
    for _ in range(5):  # b is back too, and beats as a
        await db.write(lambda conn: workers.beat(conn, "worker-b", clock()))
        clock.advance(seconds=2)
        await a.beat()
    assert await lease_owner(db) == "worker-b"


async def unavailable(work: object) -> None:
    raise ConnectionRefusedError("the database is restarting")
