"""Row locks on orders on PostgreSQL: a turn changing an order never blocks another writing its history."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

from catalog.service import CatalogService
from orders.commands import LineRequest, PlaceOrder
from orders.db.engine import Database
from orders.db.orders import OrderRepository
from orders.model import Customer, OrderEvent
from orders.services import OrderService
from orders.store import StoreConfig
from tests.conftest import POSTGRES_ONLY, POSTGRES_URL, Clock


@POSTGRES_ONLY
async def test_an_order_locked_for_a_change_still_takes_history_entries(
    db: Database, store: StoreConfig, clock: Clock, catalog: CatalogService
) -> None:
    # The relay records "notification sent" for many orders in one transaction while turns lock the orders
    # they change; a FOR UPDATE lock would block the history's foreign-key check and the two deadlocked.
    assert POSTGRES_URL is not None
    service = OrderService(db, store, clock=clock)
    placed = await service.place(
        PlaceOrder(
            lines=(LineRequest(1, "TEA"),), delivery_address="12 MG Road", customer=Customer("Asha", "+91")
        )
    )
    engine = create_async_engine(POSTGRES_URL)
    try:
        async with engine.connect() as changing, engine.connect() as recording:
            locked = await changing.run_sync(
                lambda c: OrderRepository(c).get(placed.order.number, for_update=True)
            )
            assert locked is not None
            await recording.execute(text("SET LOCAL lock_timeout = '3s'"))
            entry = OrderEvent("notification_sent", "system", datetime.now(UTC), {"to": "customer"})
            try:
                await recording.run_sync(lambda c: OrderRepository(c).add_histories([(locked.id, entry)]))
            except DBAPIError as exc:
                pytest.fail(f"the history entry waited for the order's lock: {exc}")
            await recording.commit()
            await changing.rollback()
    finally:
        await engine.dispose()
