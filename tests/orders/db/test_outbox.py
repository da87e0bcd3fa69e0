"""The outbox contract on SQLite and PostgreSQL: dedupe on write, due times, leases, retries."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import Connection

from orders.db.engine import Database
from orders.db.outbox import OutboxRepository
from orders.db.tables import outbox
from orders.outbox import OutboxKind, OutboxMessage
from tests.conftest import Clock
from tests.helpers import count_rows, rows

LEASE = timedelta(seconds=60)


def message(key: str, delay: timedelta = timedelta(0)) -> OutboxMessage:
    return OutboxMessage(OutboxKind.MERCHANT_WEBHOOK, "merchant", {"id": key}, key, delay=delay)


async def add(db: Database, clock: Clock, *messages: OutboxMessage) -> None:
    await db.write(lambda conn: OutboxRepository(conn).add(list(messages), clock()))


async def claim(db: Database, clock: Clock, limit: int = 10) -> list[str]:
    claimed = await db.write(lambda conn: OutboxRepository(conn).claim_due(clock(), limit=limit, lease=LEASE))
    return [r.dedupe_key for r in claimed]


async def test_writing_the_same_dedupe_key_twice_keeps_one_row(db: Database, clock: Clock) -> None:
    await add(db, clock, message("a"))
    await add(db, clock, message("a"), message("b"))
    assert await count_rows(db, outbox) == 2


async def test_only_due_rows_are_claimed(db: Database, clock: Clock) -> None:
    await add(db, clock, message("now"), message("later", delay=timedelta(hours=6)))

    def send_first(conn: Connection) -> str:
        repo = OutboxRepository(conn)
        (first,) = repo.claim_due(clock(), limit=10, lease=LEASE)
        repo.mark_many_sent([first.id], clock())
        return first.dedupe_key

    assert await db.write(send_first) == "now"
    clock.advance(hours=6)
    assert await claim(db, clock) == ["later"]


async def test_a_leased_row_is_not_claimed_again_until_the_lease_ends(db: Database, clock: Clock) -> None:
    await add(db, clock, message("a"))
    assert await claim(db, clock) == ["a"]
    assert await claim(db, clock) == []  # a worker is sending it
    clock.advance(seconds=61)  # that worker died mid-send: the row comes back
    assert await claim(db, clock) == ["a"]
    assert (await rows(db, outbox))[0]["attempts"] == 2


async def test_concurrent_claimers_never_take_the_same_row(db: Database, clock: Clock) -> None:
    await add(db, clock, *(message(f"m{i}") for i in range(40)))
    batches = await asyncio.gather(*(claim(db, clock, limit=7) for _ in range(8)))
    taken = [key for batch in batches for key in batch]
    assert sorted(taken) == sorted(f"m{i}" for i in range(40))


async def test_sent_and_dead_rows_are_never_claimed_and_retries_wait(db: Database, clock: Clock) -> None:
    await add(db, clock, message("ok"), message("bad"), message("flaky"))

    def settle(conn: Connection) -> None:
        repo = OutboxRepository(conn)
        claimed = {r.dedupe_key: r.id for r in repo.claim_due(clock(), limit=10, lease=LEASE)}
        repo.mark_many_sent([claimed["ok"]], clock())
        repo.mark_dead(claimed["bad"], "HTTP 400")
        repo.mark_retry(claimed["flaky"], clock() + timedelta(seconds=30), "HTTP 503")

    await db.write(settle)
    assert await claim(db, clock) == []
    clock.advance(seconds=30)
    assert await claim(db, clock) == ["flaky"]
    by_key = {r["dedupe_key"]: r for r in await rows(db, outbox)}
    assert (by_key["ok"]["status"], by_key["bad"]["status"], by_key["bad"]["last_error"]) == (
        "sent",
        "dead",
        "HTTP 400",
    )
