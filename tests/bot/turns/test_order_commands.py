"""The engine's order commands with values no column holds: a polite outcome, and the turn goes on."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection

from bot.turns.order_commands import OrderCommands
from catalog.product import ProductData
from catalog.service import CatalogService
from flows.messages import ConversationKey
from flows.results import REFUSED_OTHER
from flows.turn import (
    CancelOrderCommand,
    Command,
    ConfirmOrderCommand,
    OrderRefused,
    OrderStatusCommand,
    Outcome,
    PlaceOrderCommand,
    StatusReport,
    StatusUnchanged,
)
from orders.commands import LineRequest, PlaceOrder
from orders.db.engine import Database
from orders.db.tables import orders
from orders.model import Customer, Lead
from orders.services import OrderService
from orders.status import OrderStatus
from orders.store import StoreConfig
from tests.conftest import POSTGRES_URL, Clock
from tests.helpers import count_rows, stock_of

KEY = ConversationKey("telegram", "42")


def place(lines: tuple[LineRequest, ...], customer: Customer | None = None) -> PlaceOrderCommand:
    order = PlaceOrder(
        lines, customer or Customer(), channel="telegram", lead=Lead("telegram", "42"), delivery_address="x"
    )
    return PlaceOrderCommand(order)


async def run(db: Database, store: StoreConfig, clock: Clock, command: Command) -> Outcome:
    commands = OrderCommands(OrderService(db, store, clock=clock))

    def turn(conn: Connection) -> Outcome:
        return commands.run(conn, KEY, command, clock())

    return await db.write(turn)


@pytest.mark.parametrize(
    ("command", "outcome"),
    [
        (ConfirmOrderCommand(2**63), StatusUnchanged(2**63, None, OrderStatus.CONFIRMED)),
        (CancelOrderCommand(2**31), StatusUnchanged(2**31, None, OrderStatus.CANCELLED)),
        (OrderStatusCommand(10**30), StatusReport(10**30, None)),
    ],
)
async def test_an_order_number_no_column_holds_is_no_order_of_the_shopper(
    db: Database, store: StoreConfig, clock: Clock, command: Command, outcome: Outcome
) -> None:
    assert await run(db, store, clock, command) == outcome


@pytest.mark.parametrize(
    ("customer", "reason"),
    [
        (Customer(name="n" * 201), "the name is longer than 200 characters"),
        (Customer(phone="9" * 65), "the phone is longer than 64 characters"),
        (Customer(email="e" * 201), "the email is longer than 200 characters"),
    ],
)
async def test_a_customer_detail_longer_than_its_column_is_refused_with_the_reason(
    db: Database, store: StoreConfig, clock: Clock, catalog: CatalogService, customer: Customer, reason: str
) -> None:
    outcome = await run(db, store, clock, place((LineRequest(1, "TEA"),), customer))
    assert outcome == OrderRefused(reason)
    assert await count_rows(db, orders) == 0


@pytest.mark.postgres
@pytest.mark.skipif(POSTGRES_URL is None, reason="CHATCART_TEST_POSTGRES_URL not set")
@pytest.mark.parametrize("db", ["postgres"], indirect=True)  # SQLite's INTEGER holds 64 bits
async def test_a_total_beyond_postgresqls_integer_is_refused_and_the_stock_kept(
    db: Database, store: StoreConfig, clock: Clock, catalog: CatalogService
) -> None:
    await catalog.create(ProductData("GOLD", "Gold tea", 2**31 - 1, stock=5))
    outcome = await run(db, store, clock, place((LineRequest(3, "GOLD"),)))
    assert outcome == OrderRefused(REFUSED_OTHER)  # told to the shopper in their words
    assert (await count_rows(db, orders), await stock_of(db, "GOLD")) == (0, 5)
