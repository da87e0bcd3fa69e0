"""The outbox as operators count it, on SQLite and PostgreSQL: by channel and status, and the backlog."""

from __future__ import annotations

from datetime import timedelta

from orders.db.engine import Database
from orders.db.outbox import OutboxRepository, Outcome
from orders.db.outbox_stats import OutboxBacklog, outbox_backlog, outbox_counts
from orders.outbox import OutboxKind, OutboxMessage
from tests.conftest import Clock

CUSTOMER, ADMIN, WEBHOOK = OutboxKind.CUSTOMER_MESSAGE, OutboxKind.ADMIN_MESSAGE, OutboxKind.MERCHANT_WEBHOOK


async def write(db: Database, clock: Clock, *messages: tuple[OutboxKind, str]) -> list[int]:
    """Outbox rows as the services write them; their ids."""
    wanted = [
        OutboxMessage(kind, to, {}, f"key-{clock().timestamp()}-{i}") for i, (kind, to) in enumerate(messages)
    ]
    leased = await db.write(
        lambda conn: OutboxRepository(conn).add_leased(wanted, clock(), owner="w", lease=timedelta())
    )
    return [row.id for row in leased]


async def test_messages_are_counted_by_the_channel_they_go_out_on_and_their_status(
    db: Database, clock: Clock
) -> None:
    sent, dead, *_ = await write(
        db,
        clock,
        (CUSTOMER, "telegram:42"),
        (ADMIN, "whatsapp:+91 98765 43210"),
        (CUSTOMER, "telegram:43"),
        (WEBHOOK, "merchant"),
        (CUSTOMER, ""),  # an order from the website has no chat to tell
        (CUSTOMER, "web:session:with:colons"),
    )

    outcomes = [Outcome(sent, sent=True), Outcome(dead, dead=True, error="131047: outside the window")]
    await db.write(lambda conn: OutboxRepository(conn).record(outcomes, clock()))
    assert await db.read(outbox_counts) == {
        ("telegram", "sent"): 1,
        ("telegram", "pending"): 1,
        ("whatsapp", "failed"): 1,
        ("merchant", "pending"): 1,
        ("none", "pending"): 1,
        ("web", "pending"): 1,
    }


async def test_the_backlog_is_the_pending_messages_and_when_the_oldest_was_written(
    db: Database, clock: Clock
) -> None:
    assert await db.read(outbox_backlog) == OutboxBacklog(0, None)
    first = clock()
    (sent,) = await write(db, clock, (CUSTOMER, "telegram:42"))
    clock.advance(minutes=5)
    await write(db, clock, (CUSTOMER, "telegram:42"), (WEBHOOK, "merchant"))
    assert await db.read(outbox_backlog) == OutboxBacklog(3, first)
    await db.write(lambda conn: OutboxRepository(conn).record([Outcome(sent, sent=True)], clock()))
    assert await db.read(outbox_backlog) == OutboxBacklog(2, first + timedelta(minutes=5))
