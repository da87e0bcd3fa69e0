"""Row locks on orders on PostgreSQL: a turn changing an order never blocks another writing its history."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from catalog.service import CatalogService
from orders.commands import LineRequest, PlaceOrder
from orders.db.engine import Database
from orders.db.orders import OrderRepository
from orders.db.status_moves import Move, write_move
from orders.model import Customer, Order, OrderEvent
from orders.services import OrderService
from orders.status import OrderStatus
from orders.store import StoreConfig
from tests.conftest import POSTGRES_ONLY, POSTGRES_URL, Clock


@POSTGRES_ONLY
async def test_an_order_locked_for_a_change_still_takes_history_entries(
    db: Database, store: StoreConfig, clock: Clock, catalog: CatalogService
) -> None:
    # The relay records "notification sent" for many orders in one transaction while turns lock the orders
    # they change; a FOR UPDATE lock would block the history's foreign-key check and the two deadlocked.
    number = await _placed(db, store, clock)
    async with _two_sessions() as (changing, recording):
        locked = await _lock(changing, number)
        await recording.execute(text("SET LOCAL lock_timeout = '3s'"))
        entry = OrderEvent("notification_sent", "system", datetime.now(UTC), {"to": "customer"})
        try:
            await recording.run_sync(lambda c: OrderRepository(c).add_histories([(locked.id, entry)]))
        except DBAPIError as exc:
            pytest.fail(f"the history entry waited for the order's lock: {exc}")
        await recording.commit()
        await changing.rollback()


@POSTGRES_ONLY
async def test_an_order_read_locked_after_waiting_holds_what_the_lock_holder_committed(
    db: Database, store: StoreConfig, clock: Clock, catalog: CatalogService
) -> None:
    # A read that waits for the order's lock must see the history the holder wrote before committing:
    # a status change numbers its notification by the history's length, and a payment counts the others.
    number = await _placed(db, store, clock)
    async with _two_sessions() as (holder, waiter):
        locked = await _lock(holder, number)
        entry = OrderEvent("note_added", "ops", datetime.now(UTC), {"note": "call first"})
        await holder.run_sync(lambda c: OrderRepository(c).add_histories([(locked.id, entry)]))
        reading = asyncio.create_task(
            waiter.run_sync(lambda c: OrderRepository(c).get(number, for_update=True))
        )
        await _waiting_for_a_lock(holder)
        await holder.commit()
        seen = await reading
        await waiter.rollback()
    assert seen is not None
    assert [e.kind for e in seen.history] == ["created", "note_added"]


@POSTGRES_ONLY
async def test_a_move_guarded_by_the_rows_version_fails_after_any_write_of_the_row_even_one_it_waited_for(
    db: Database, store: StoreConfig, clock: Clock, catalog: CatalogService
) -> None:
    # A chat confirmation in a batch shared with other turns reads its order unlocked; its move must not
    # apply over a change written since (here a note), committed before it or while it waited for the row.
    number = await _placed(db, store, clock)

    def confirm(version: str) -> Callable[[Connection], bool]:
        event = OrderEvent("status_changed", "customer", clock(), {"to": "confirmed"})
        values: dict[str, object] = {"status": OrderStatus.CONFIRMED.value}
        return lambda c: write_move(
            c, Move(order.id, OrderStatus.PENDING, values, event, [], version), clock()
        )

    order, before = await _versioned(db, number)
    await db.write(
        lambda c: c.execute(text("UPDATE orders SET note = 'ring twice' WHERE number = :n"), {"n": number})
    )
    assert await db.write(confirm(before)) is False
    _, since = await _versioned(db, number)
    async with _two_sessions() as (writer, mover):
        await writer.execute(
            text("UPDATE orders SET note = 'leave at door' WHERE number = :n"), {"n": number}
        )
        mover_pid = (await mover.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        moving = asyncio.create_task(mover.run_sync(confirm(since)))
        await _waiting_for_a_lock(writer, mover_pid)
        await writer.commit()
        assert await moving is False
        await mover.rollback()
    _, latest = await _versioned(db, number)
    assert await db.write(confirm(latest)) is True
    moved = await db.read(lambda c: OrderRepository(c).get(number))
    assert moved is not None and moved.status is OrderStatus.CONFIRMED and moved.note == "leave at door"
    assert [e.kind for e in moved.history] == ["created", "status_changed"]


async def _versioned(db: Database, number: int) -> tuple[Order, str]:
    found = await db.read(lambda c: OrderRepository(c).get_versioned(number))
    assert found is not None
    return found


async def _waiting_for_a_lock(conn: AsyncConnection, pid: int | None = None) -> None:
    """Return once another session of this database (the one of `pid`, if given) waits for a lock."""
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid() "
        "AND (CAST(:pid AS INTEGER) IS NULL OR pid = :pid)"
    ).bindparams(pid=pid)
    # A transaction keeps its first view of pg_stat_activity unless told to look again.
    clear = text("SELECT pg_stat_clear_snapshot()")
    while True:
        await conn.execute(clear)
        if (await conn.execute(waiting)).scalar():
            return
        await asyncio.sleep(0.01)


@asynccontextmanager
async def _two_sessions() -> AsyncIterator[tuple[AsyncConnection, AsyncConnection]]:
    """Two connections of their own to the test database, as two processes would hold."""
    assert POSTGRES_URL is not None
    engine = create_async_engine(POSTGRES_URL)
    try:
        async with engine.connect() as first, engine.connect() as second:
            yield first, second
    finally:
        await engine.dispose()


async def _lock(conn: AsyncConnection, number: int) -> Order:
    locked = await conn.run_sync(lambda c: OrderRepository(c).get(number, for_update=True))
    assert locked is not None
    return locked


async def _placed(db: Database, store: StoreConfig, clock: Clock) -> int:
    """The number of a new order of one tea."""
    order = PlaceOrder(
        lines=(LineRequest(1, "TEA"),), delivery_address="12 MG Road", customer=Customer("Asha")
    )
    return (await OrderService(db, store, clock=clock).place(order)).order.number
