"""The log line and the counter of each order placed and moved: only once its transaction has committed."""

from __future__ import annotations

import asyncio
import logging

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import Connection

from catalog.service import CatalogService
from orders.commands import ChangeStatus, LineRequest, PlaceOrder
from orders.db.engine import Database
from orders.db.tables import orders
from orders.model import Customer, Lead
from orders.services import OrderService
from orders.status import OrderSource, OrderStatus
from orders.store import StoreConfig
from tests.conftest import Clock
from tests.helpers import count_rows

LOGGER = "orders.services"
CHAT_ORDER = PlaceOrder(
    lines=(LineRequest(2, "TEA"),),
    customer=Customer("Asha", "+911234"),
    lead=Lead("telegram", "42"),
    delivery_address="12 MG Road",
)


@pytest.fixture
def service(db: Database, store: StoreConfig, clock: Clock, catalog: CatalogService) -> OrderService:
    return OrderService(db, store, clock=clock)


def placed(channel: str) -> float:
    return REGISTRY.get_sample_value("chatcart_orders_placed_total", {"channel": channel}) or 0.0


def announced(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == LOGGER]


async def test_an_order_placed_and_moved_logs_one_line_each_with_number_channel_and_total(
    service: OrderService, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, LOGGER)
    before = placed("telegram")
    await service.place(CHAT_ORDER)
    await service.change_status(ChangeStatus(1001, OrderStatus.CONFIRMED, "api"))
    assert [r.getMessage() for r in announced(caplog)] == [
        "order #1001 placed: channel telegram, total ₹280.00",
        "order #1001 pending -> confirmed by api: channel telegram, total ₹280.00",
    ]
    first, second = announced(caplog)
    assert (first.order, first.channel, first.total, first.currency) == (1001, "telegram", 28000, "INR")  # type: ignore[attr-defined]
    assert (second.status, second.previous_status) == ("confirmed", "pending")  # type: ignore[attr-defined]
    assert placed("telegram") == before + 1


async def test_an_order_without_a_channel_is_counted_under_its_source(service: OrderService) -> None:
    before = placed("website")
    await service.place(
        PlaceOrder((LineRequest(1, "TEA"),), source=OrderSource.WEBSITE, delivery_address="x")
    )
    assert placed("website") == before + 1


async def test_an_order_whose_transaction_rolls_back_is_neither_logged_nor_counted(
    service: OrderService, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    """A chat turn places the order inside its own transaction, which may still fail after placing."""
    caplog.set_level(logging.INFO, LOGGER)
    before = placed("telegram")

    def turn(conn: Connection) -> None:
        service.place_in(conn, CHAT_ORDER)
        raise RuntimeError("the turn failed after placing")

    with pytest.raises(RuntimeError):
        await db.write(turn)
    assert await count_rows(db, orders) == 0
    assert announced(caplog) == [] and placed("telegram") == before
    order = (await service.place(CHAT_ORDER)).order  # the next commit does not announce the lost one
    assert [r.order for r in announced(caplog)] == [order.number]  # type: ignore[attr-defined]
    assert placed("telegram") == before + 1


async def test_orders_placed_together_in_one_commit_are_each_announced_once(
    service: OrderService, caplog: pytest.LogCaptureFixture
) -> None:
    """On SQLite, writes waiting together share one commit (group commit)."""
    caplog.set_level(logging.INFO, LOGGER)
    await asyncio.gather(*(service.place(CHAT_ORDER) for _ in range(3)))
    assert sorted(r.order for r in announced(caplog)) == [1001, 1002, 1003]  # type: ignore[attr-defined]
