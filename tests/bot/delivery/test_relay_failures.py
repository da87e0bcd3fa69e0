"""The relay when things fail: each chat's messages in order, outages of minutes, rate limits, a database
that is down while sends go through, and a provider that hangs."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

from sqlalchemy import Connection
from sqlalchemy.exc import OperationalError

from bot.delivery.health import channel_health
from bot.delivery.relay import OutboxRelay
from flows.messages import OutboundMessage
from orders.db.engine import Database
from orders.db.outbox import OutboxRepository
from orders.db.tables import outbox
from orders.outbox import OutboxKind, OutboxMessage, OutboxRow
from tests.bot.delivery.relays import BLOCKED, DOWN, RATE_LIMITED, FlakyChannel, chat_relay
from tests.conftest import Clock
from tests.fakes import RecordingChannel
from tests.helpers import rows

T = TypeVar("T")
ASHA, BILAL, ADMIN = "telegram:1", "telegram:2", "telegram:-100"


async def turn(
    db: Database, relay: OutboxRelay, clock: Clock, recipient: str, *texts: str
) -> list[OutboxRow]:
    """What a turn does: write its replies leased to this process, then hand them to the relay."""
    key = f"{recipient}:{texts[0]}"
    messages = [
        OutboxMessage(OutboxKind.CUSTOMER_MESSAGE, recipient, {"text": t}, f"{key}:{i}")
        for i, t in enumerate(texts)
    ]
    leased = await db.write(
        lambda conn: OutboxRepository(conn).add_leased(
            messages, clock(), owner=relay.owner, lease=timedelta(seconds=60)
        )
    )
    await relay.send_now(leased)
    return leased


def texts(channel: RecordingChannel, recipient: str = ASHA) -> list[str]:
    user = recipient.partition(":")[2]
    return [m.text for m in channel.messages if m.key.user_id == user]


async def statuses(db: Database) -> list[str]:
    return [r["status"] for r in await rows(db, outbox)]


class SlowFirst(RecordingChannel):
    """The first message takes a while to go out; the others are instant."""

    def __init__(self) -> None:
        super().__init__()
        self.first_started, self.release = asyncio.Event(), asyncio.Event()

    async def send(self, message: OutboundMessage) -> None:
        if not self.first_started.is_set():
            self.first_started.set()
            await self.release.wait()
        await super().send(message)


async def test_a_chats_messages_go_out_in_the_order_written_even_when_one_send_is_slow(
    db: Database, clock: Clock
) -> None:
    channel = SlowFirst()
    relay = chat_relay(db, clock, channel, reply_wait=0)
    await turn(db, relay, clock, ASHA, "Added 2 × Masala chai.", "Your cart: 2 items")
    await channel.first_started.wait()
    await turn(db, relay, clock, ASHA, "How would you like to get your order?")  # the next turn, meanwhile
    channel.release.set()
    await relay.close()
    assert texts(channel) == [
        "Added 2 × Masala chai.",
        "Your cart: 2 items",
        "How would you like to get your order?",
    ]
    assert await statuses(db) == ["sent"] * 3


async def test_after_a_failure_the_chats_later_messages_wait_for_it_and_then_go_in_order(
    db: Database, clock: Clock
) -> None:
    channel = FlakyChannel()
    relay = chat_relay(db, clock, channel)
    channel.error = DOWN
    await turn(db, relay, clock, ASHA, "one", "two")
    channel.error = None  # the channel works again, but "one" is still to be retried: "three" waits for it
    await turn(db, relay, clock, ASHA, "three")
    await relay.flush()
    assert texts(channel) == []
    clock.advance(seconds=5)
    await relay.run_once()
    assert texts(channel) == ["one", "two", "three"]
    assert await statuses(db) == ["sent"] * 3


async def test_a_ten_minute_outage_loses_nothing_and_staff_hear_of_it_once_each_way(
    db: Database, clock: Clock
) -> None:
    channel = FlakyChannel()
    relay = chat_relay(db, clock, channel, admins=(ADMIN,))
    channel.error = DOWN
    for minute in range(10):
        await turn(db, relay, clock, ASHA if minute % 2 else BILAL, f"update {minute}")
        for _ in range(2):
            clock.advance(seconds=30)
            await relay.run_once()
    assert "dead" not in await statuses(db)
    assert channel.attempts <= 2 + 20  # probes, not every message every time
    channel.error = None
    clock.advance(seconds=5)
    await relay.run_once()
    assert texts(channel, ASHA) == [f"update {m}" for m in range(1, 10, 2)]
    assert texts(channel, BILAL) == [f"update {m}" for m in range(0, 10, 2)]
    alerts = texts(channel, ADMIN)
    assert len(alerts) == 2 and "failing since" in alerts[0] and "going through again" in alerts[1]
    assert set(await statuses(db)) == {"sent"}
    health = await db.read(lambda conn: conn.execute(channel_health.select()).all())
    assert [(row.channel, row.failing_since) for row in health] == [("telegram", None)]


async def test_a_rate_limited_chat_waits_as_told_while_other_chats_keep_going(
    db: Database, clock: Clock
) -> None:
    channel = FlakyChannel()
    relay = chat_relay(db, clock, channel)
    channel.error = RATE_LIMITED
    await turn(db, relay, clock, ASHA, "to Asha")
    channel.error = None
    await turn(db, relay, clock, BILAL, "to Bilal")  # the channel itself is fine
    assert texts(channel, BILAL) == ["to Bilal"]
    clock.advance(seconds=29)
    await relay.run_once()
    assert texts(channel, ASHA) == []
    clock.advance(seconds=1)
    await relay.run_once()
    assert texts(channel, ASHA) == ["to Asha"]


async def test_a_message_that_can_never_go_does_not_hold_back_the_next(db: Database, clock: Clock) -> None:
    channel = FlakyChannel()
    relay = chat_relay(db, clock, channel)
    channel.error = BLOCKED
    await turn(db, relay, clock, ASHA, "refused")
    channel.error = None
    await turn(db, relay, clock, ASHA, "next")
    await relay.flush()
    assert texts(channel) == ["next"]
    assert await statuses(db) == ["dead", "sent"]


class DownDatabase(Database):
    """The test database, whose writes fail while `down` is set (as PostgreSQL does while it restarts)."""

    def __init__(self, db: Database) -> None:
        self.__dict__.update(db.__dict__)
        self.down = False
        self.writing: Callable[[], Awaitable[None]] | None = None

    async def write(self, work: Callable[[Connection], T]) -> T:
        if self.down:
            raise OperationalError("UPDATE outbox", {}, ConnectionRefusedError("the database is restarting"))
        if self.writing is not None:
            await self.writing()
        return await super().write(work)


async def test_a_send_recorded_while_the_database_is_down_is_not_sent_again(
    db: Database, clock: Clock
) -> None:
    flaky = DownDatabase(db)
    channel = RecordingChannel()
    relay = chat_relay(flaky, clock, channel)
    await turn(flaky, relay, clock, ASHA, "Your order #1001 is confirmed.")
    flaky.down = True
    with contextlib.suppress(OperationalError):  # kept: written when the database is back
        await relay.flush()
    clock.advance(minutes=5)  # long past the lease
    flaky.down = False
    await relay.run_once()
    await relay.close()
    assert texts(channel) == ["Your order #1001 is confirmed."]
    assert await statuses(db) == ["sent"]


async def test_outcomes_that_arrive_during_a_write_are_written_by_the_next(
    db: Database, clock: Clock
) -> None:
    slow = DownDatabase(db)
    channel = RecordingChannel()
    relay = chat_relay(slow, clock, channel, reply_wait=0)
    await turn(slow, relay, clock, ASHA, "first")
    entered, release = asyncio.Event(), asyncio.Event()

    async def held() -> None:
        entered.set()
        await release.wait()

    slow.writing = held
    flushing = asyncio.create_task(relay.flush())
    await entered.wait()
    slow.writing = None
    await turn(slow, relay, clock, BILAL, "second")  # sent while the first outcome is being written
    release.set()
    await flushing
    await relay.flush()
    assert await statuses(db) == ["sent", "sent"]


async def test_a_hanging_provider_does_not_hold_the_webhook_answer(db: Database, clock: Clock) -> None:
    channel = FlakyChannel()
    channel.gate.clear()  # the Bot API hangs
    relay = chat_relay(db, clock, channel, reply_wait=0.05)
    async with asyncio.timeout(10):  # without the bound the turn would wait for the provider
        await turn(db, relay, clock, ASHA, "Added 2 × Masala chai.")
    assert texts(channel) == []
    channel.gate.set()
    await relay.close()
    assert texts(channel) == ["Added 2 × Masala chai."]


async def test_at_start_a_predecessors_unsent_messages_go_first_but_this_process_own_do_not_wait(
    db: Database, clock: Clock
) -> None:
    channel = RecordingChannel()
    predecessor = chat_relay(db, clock, channel, owner="killed-worker")
    await db.write(  # a message the killed worker had leased and not sent
        lambda conn: OutboxRepository(conn).add_leased(
            [OutboxMessage(OutboxKind.CUSTOMER_MESSAGE, ASHA, {"text": "older"}, "old:0")],
            clock(),
            owner=predecessor.owner,
            lease=timedelta(seconds=60),
        )
    )
    relay = chat_relay(db, clock, channel, owner="new-worker")
    leased = await db.write(  # a turn that ran while this worker was starting
        lambda conn: OutboxRepository(conn).add_leased(
            [OutboxMessage(OutboxKind.CUSTOMER_MESSAGE, BILAL, {"text": "mine"}, "mine:0")],
            clock(),
            owner=relay.owner,
            lease=timedelta(seconds=60),
        )
    )
    await relay.start()
    await relay.send_now(leased)
    await turn(db, relay, clock, ASHA, "newer")  # waits for "older"
    assert texts(channel, BILAL) == ["mine"] and texts(channel, ASHA) == []
    clock.advance(seconds=61)  # the killed worker's lease ends
    await relay.run_once()
    assert texts(channel, ASHA) == ["older", "newer"]
