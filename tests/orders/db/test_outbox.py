"""The outbox contract on SQLite and PostgreSQL: dedupe on write, due times, leases, owners, chat order."""

from __future__ import annotations

import asyncio
import functools
from datetime import timedelta

from sqlalchemy import Connection

from orders.db import workers
from orders.db.engine import Database
from orders.db.outbox import OutboxRepository, Outcome
from orders.db.outbox_stats import outbox_counts
from orders.db.tables import outbox
from orders.outbox import OutboxKind, OutboxMessage
from tests.conftest import Clock
from tests.helpers import count_rows, rows

LEASE = timedelta(seconds=60)
ALIVE_FOR = timedelta(seconds=6)


def message(key: str, delay: timedelta = timedelta(0), recipient: str = "") -> OutboxMessage:
    if recipient:
        return OutboxMessage(OutboxKind.CUSTOMER_MESSAGE, recipient, {"text": key}, key, delay=delay)
    return OutboxMessage(OutboxKind.MERCHANT_WEBHOOK, f"merchant:{key}", {"id": key}, key, delay=delay)


async def add(db: Database, clock: Clock, *messages: OutboxMessage) -> None:
    await db.write(lambda conn: OutboxRepository(conn).add(list(messages), clock()))


async def claim(
    db: Database,
    clock: Clock,
    limit: int = 10,
    owner: str = "w1",
    channels: tuple[str, ...] = ("merchant", "telegram"),
) -> list[str]:
    def work(conn: Connection) -> list[str]:
        now = clock()
        workers.beat(conn, owner, now)  # the claimer is a live worker
        claimed = OutboxRepository(conn).claim_due(
            now, channels=channels, owner=owner, limit=limit, lease=LEASE
        )
        return [r.dedupe_key for r in claimed]

    return await db.write(work)


async def settle(db: Database, clock: Clock, *outcomes: Outcome) -> None:
    await db.write(lambda conn: OutboxRepository(conn).record(list(outcomes), clock()))


async def ids(db: Database) -> dict[str, int]:
    return {r["dedupe_key"]: r["id"] for r in await rows(db, outbox)}


async def test_writing_the_same_dedupe_key_twice_keeps_one_row(db: Database, clock: Clock) -> None:
    await add(db, clock, message("a"))
    await add(db, clock, message("a"), message("b"))
    assert await count_rows(db, outbox) == 2


async def test_only_due_rows_are_claimed(db: Database, clock: Clock) -> None:
    await add(db, clock, message("now"), message("later", delay=timedelta(hours=6)))
    assert await claim(db, clock) == ["now"]
    await settle(db, clock, Outcome((await ids(db))["now"], sent=True))
    clock.advance(hours=6)
    assert await claim(db, clock) == ["later"]


async def release_abandoned(db: Database, clock: Clock) -> int:
    now = clock()
    return await db.write(
        lambda conn: OutboxRepository(conn).release_abandoned(now, alive_since=now - ALIVE_FOR)
    )


async def test_a_row_leased_by_a_live_worker_waits_for_the_lease_to_end(db: Database, clock: Clock) -> None:
    await add(db, clock, message("a"))
    assert await claim(db, clock, owner="w1") == ["a"]
    for _ in range(4):  # w1 keeps beating: its row is its own until the lease ends
        clock.advance(seconds=5)
        await db.write(lambda conn: workers.beat(conn, "w1", clock()))
        assert await release_abandoned(db, clock) == 0
        assert await claim(db, clock, owner="w2") == []
    clock.advance(seconds=41)
    assert await claim(db, clock, owner="w2") == ["a"]
    assert (await rows(db, outbox))[0]["attempts"] == 2


async def test_a_dead_workers_rows_are_taken_over_within_seconds(db: Database, clock: Clock) -> None:
    await add(db, clock, message("a"))
    assert await claim(db, clock, owner="w1") == ["a"]
    clock.advance(seconds=5)
    assert await release_abandoned(db, clock) == 0  # w1 beat 5 s ago: alive
    assert await claim(db, clock, owner="w2") == []
    clock.advance(seconds=2)  # killed: no heartbeat for 7 s
    assert await release_abandoned(db, clock) == 1
    assert await claim(db, clock, owner="w2") == ["a"]


async def test_concurrent_claimers_never_take_the_same_row(db: Database, clock: Clock) -> None:
    await add(db, clock, *(message(f"m{i}") for i in range(40)))
    for i in range(8):  # live workers, as every process beats before it leases anything
        await db.write(functools.partial(workers.beat, worker_id=f"w{i}", now=clock()))
    batches = await asyncio.gather(*(claim(db, clock, limit=7, owner=f"w{i}") for i in range(8)))
    taken = [key for batch in batches for key in batch]
    assert sorted(taken) == sorted(f"m{i}" for i in range(40))


async def test_a_chats_messages_are_claimed_oldest_first_up_to_one_held_back(
    db: Database, clock: Clock
) -> None:
    asha, bilal = "telegram:1", "telegram:2"
    await add(
        db,
        clock,
        message("a1", recipient=asha),
        message("a2", recipient=asha),
        message("b1", recipient=bilal),
    )
    assert await claim(db, clock) == ["a1", "a2", "b1"]  # oldest first; a chat's due rows go together
    key = await ids(db)
    await settle(
        db,
        clock,
        Outcome(key["a1"], retry_at=clock() + timedelta(seconds=30), error="HTTP 502"),
        Outcome(key["a2"], retry_at=clock(), attempted=False),  # released: it waits behind a1
        Outcome(key["b1"], sent=True),
    )
    assert await claim(db, clock) == []  # a2 is due, but a1 waits for its retry
    clock.advance(seconds=30)
    assert await claim(db, clock) == ["a1", "a2"]


async def test_a_message_being_sent_holds_back_the_newer_ones_of_its_chat(db: Database, clock: Clock) -> None:
    await add(db, clock, message("a1", recipient="telegram:1"))
    assert await claim(db, clock) == ["a1"]  # leased to a worker, not yet sent
    await add(db, clock, message("a2", recipient="telegram:1"), message("b1", recipient="telegram:2"))
    assert await claim(db, clock) == ["b1"]


async def test_a_process_claims_only_the_channels_it_can_deliver(db: Database, clock: Clock) -> None:
    await add(db, clock, message("c", recipient="console:local"), message("t", recipient="telegram:1"))
    assert await claim(db, clock, channels=("telegram", "merchant")) == ["t"]
    assert await claim(db, clock, channels=("console",)) == ["c"]


async def test_sent_and_dead_rows_are_never_claimed_and_retries_wait(db: Database, clock: Clock) -> None:
    await add(db, clock, message("ok"), message("bad"), message("flaky"))
    await claim(db, clock)
    key = await ids(db)
    await settle(
        db,
        clock,
        Outcome(key["ok"], sent=True),
        Outcome(key["bad"], dead=True, error="HTTP 400"),
        Outcome(key["flaky"], retry_at=clock() + timedelta(seconds=30), error="HTTP 503"),
    )
    assert await claim(db, clock) == []
    clock.advance(seconds=30)
    assert await claim(db, clock) == ["flaky"]
    by_key = {r["dedupe_key"]: r for r in await rows(db, outbox)}
    assert (by_key["ok"]["status"], by_key["bad"]["status"], by_key["bad"]["last_error"]) == (
        "sent",
        "dead",
        "HTTP 400",
    )


async def test_a_dead_row_can_be_put_back_in_the_queue(db: Database, clock: Clock) -> None:
    await add(db, clock, message("bad"), message("other"))
    await claim(db, clock)
    key = await ids(db)
    await settle(
        db, clock, Outcome(key["bad"], dead=True, error="HTTP 400"), Outcome(key["other"], sent=True)
    )
    assert await db.write(lambda conn: OutboxRepository(conn).retry_dead([key["bad"]], clock())) == 1
    assert await db.write(lambda conn: OutboxRepository(conn).retry_dead(None, clock())) == 0  # none dead
    assert await claim(db, clock) == ["bad"]
    assert await db.read(outbox_counts) == {("merchant", "pending"): 1, ("merchant", "sent"): 1}


async def test_a_channel_that_works_again_makes_waiting_rows_due_but_not_those_being_sent(
    db: Database, clock: Clock
) -> None:
    """Found by the drill: on recovery every pending row was made due, a leased one too, and another
    worker sent it again while its owner was sending it."""
    await add(db, clock, message("a", recipient="telegram:1"), message("b", recipient="telegram:2"))
    assert await claim(db, clock, owner="w1", limit=1) == ["a"]  # w1 is sending it right now
    await settle(db, clock, Outcome((await ids(db))["b"], retry_at=clock() + timedelta(minutes=1)))
    await db.write(lambda conn: OutboxRepository(conn).due_now("telegram", clock()))
    assert await claim(db, clock, owner="w2") == ["b"]


async def test_messages_written_beside_leased_replies_wait_for_the_relay(db: Database, clock: Clock) -> None:
    # A batch of chat turns writes its replies (sent by the turn) and its orders' notices (sent by the
    # relay) in one statement; a notice written before stays as it was.
    await add(db, clock, message("known"))
    replies = [message("reply-1", recipient="telegram:42"), message("reply-2", recipient="telegram:43")]
    leased = await db.write(
        lambda conn: OutboxRepository(conn).add_leased(
            replies, clock(), owner="turns", lease=LEASE, relayed=[message("notice"), message("known")]
        )
    )
    assert [row.dedupe_key for row in leased] == ["reply-1", "reply-2"]
    assert await count_rows(db, outbox) == 4
    assert await claim(db, clock) == ["known", "notice"]  # the replies are leased to their turn
