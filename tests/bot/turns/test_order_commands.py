"""The engine's order commands: orders placed whole, and values no column holds or stock gone meanwhile
get a polite outcome while the turn (and the turns sharing its transaction) go on."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import Connection

from bot.turns.catalog_cache import CatalogCache
from bot.turns.order_commands import Batched, OrderCommands
from catalog.db.products import ProductRepository
from catalog.product import Product, ProductData
from catalog.search import CatalogSnapshot
from catalog.service import CatalogService
from flows.messages import ConversationKey
from flows.results import REFUSED_OTHER, REFUSED_STOCK
from flows.turn import (
    CancelOrderCommand,
    Command,
    ConfirmOrderCommand,
    OrderPlaced,
    OrderRefused,
    OrderStatusCommand,
    Outcome,
    PlaceOrderCommand,
    StatusMoved,
    StatusReport,
    StatusUnchanged,
)
from orders.commands import LineRequest, PlaceOrder
from orders.db.engine import Database
from orders.db.orders import OrderRepository
from orders.db.tables import orders, outbox
from orders.errors import CatalogChanged, OutOfStock
from orders.model import Customer, Lead, Order
from orders.notifications import NotificationTargets
from orders.outbox import OutboxMessage
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


async def test_turns_sharing_a_transaction_keep_their_orders_whole_when_one_between_them_is_refused(
    db: Database, store: StoreConfig, clock: Clock, catalog: CatalogService
) -> None:
    # As a batch of chat turns runs: one transaction, one savepoint per placement. The refused order
    # reserves one product before finding the other sold out; only its own work is undone.
    await catalog.create(ProductData("OOLONG", "Oolong", 300, stock=10))
    await catalog.create(ProductData("RARE", "Rare tea", 900, stock=1))
    commands = OrderCommands(OrderService(db, store, clock=clock))
    batch = [
        place((LineRequest(2, "OOLONG"), LineRequest(1, "TEA"))),
        place((LineRequest(3, "OOLONG"), LineRequest(2, "RARE"))),
        place((LineRequest(1, "RARE"), LineRequest(4, "OOLONG"))),
    ]

    def turns(conn: Connection) -> tuple[list[Outcome], list[Order | None]]:
        outcomes = [commands.run(conn, KEY, command, clock()) for command in batch]
        found = [OrderRepository(conn).get(o.number) for o in outcomes if isinstance(o, OrderPlaced)]
        return outcomes, found

    outcomes, placed = await db.write(turns)
    assert outcomes[1] == OrderRefused(REFUSED_STOCK, "RARE")
    first, third = (o for o in outcomes if isinstance(o, OrderPlaced))
    assert third.number == first.number + 1  # refused before it was numbered
    assert [[(line.sku, line.quantity) for line in o.lines] for o in placed if o] == [
        [("OOLONG", 2), ("TEA", 1)],
        [("RARE", 1), ("OOLONG", 4)],
    ]
    assert [[e.kind for e in o.history] for o in placed if o] == [["created"], ["created"]]
    assert await count_rows(db, orders) == 2
    assert (await stock_of(db, "OOLONG"), await stock_of(db, "RARE")) == (4, 0)


async def test_in_a_shared_batch_only_a_catalog_that_tracks_stock_buys_a_savepoint(
    db: Database, store: StoreConfig, clock: Clock, catalog: CatalogService
) -> None:
    # On PostgreSQL each savepoint is a round trip of the batch. Where the turn's catalog says no line's
    # stock is tracked, none is taken: a refusal then (a catalog gone stale) fails the whole batch, whose
    # turns run again each alone, where it is refused politely.
    await catalog.create(ProductData("RARE", "Rare tea", 900, stock=1))
    commands = OrderCommands(OrderService(db, store, clock=clock))
    known = (await CatalogCache(db, clock=clock).snapshot()).products
    stale = CatalogSnapshot([replace(p, stock=None) if p.sku == "RARE" else p for p in known])
    two_rare = place((LineRequest(2, "RARE"),))

    def batch(snapshot: CatalogSnapshot, *, shared: bool) -> Callable[[Connection], Outcome]:
        return lambda conn: commands.run(conn, KEY, two_rare, clock(), Batched([], snapshot, shared))

    with pytest.raises(OutOfStock):
        await db.write(batch(stale, shared=True))
    assert await db.write(batch(stale, shared=False)) == OrderRefused(REFUSED_STOCK, "RARE")
    assert await db.write(batch(CatalogSnapshot(known), shared=True)) == OrderRefused(REFUSED_STOCK, "RARE")
    assert (await count_rows(db, orders), await stock_of(db, "RARE")) == (0, 1)


@pytest.mark.skipif(POSTGRES_URL is None, reason="CHATCART_TEST_POSTGRES_URL not set")
@pytest.mark.parametrize("db", ["postgres"], indirect=True)  # batches share turns on PostgreSQL only
async def test_in_a_shared_batch_an_order_is_priced_from_the_turns_catalog_unless_a_product_changed_since(
    db: Database, store: StoreConfig, clock: Clock, catalog: CatalogService, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The products are not read again for the order: the insert checks that no product row was written
    # since the snapshot, and writes nothing if one was (the batch then runs again, each turn reading the
    # catalog). Even a write at the same instant counts: the check is the row's version, not a time.
    commands = OrderCommands(OrderService(db, store, clock=clock))
    before = await CatalogCache(db, clock=clock).snapshot()
    await catalog.update("COFFEE", {"price": 999})  # its stock is not tracked: no savepoint, no read
    read = ProductRepository.get_many

    def counted(repo: ProductRepository, **keys: Any) -> list[Product]:
        reads.append(keys)
        return read(repo, **keys)

    reads: list[dict[str, Any]] = []
    monkeypatch.setattr(ProductRepository, "get_many", counted)
    two_coffees = place((LineRequest(2, "COFFEE"),))

    def placed(snapshot: CatalogSnapshot) -> Callable[[Connection], Outcome]:
        return lambda conn: commands.run(conn, KEY, two_coffees, clock(), Batched([], snapshot, shared=True))

    with pytest.raises(CatalogChanged):
        await db.write(placed(before))
    assert await count_rows(db, orders) == 0
    outcome = await db.write(placed(await CatalogCache(db, clock=clock).snapshot()))
    assert isinstance(outcome, OrderPlaced)
    order = await db.read(lambda conn: OrderRepository(conn).get(outcome.number))
    assert order is not None and [(line.sku, line.unit_price) for line in order.lines] == [("COFFEE", 999)]
    assert reads == []  # priced from the snapshots both times


@pytest.mark.skipif(POSTGRES_URL is None, reason="CHATCART_TEST_POSTGRES_URL not set")
@pytest.mark.parametrize("db", ["postgres"], indirect=True)
@pytest.mark.parametrize("change", [{"active": False}, {"stock": 1}, {"name": "Cold coffee"}])
async def test_an_order_priced_from_a_snapshot_is_not_written_once_its_product_was_taken_off_sale_or_counted(
    db: Database, store: StoreConfig, clock: Clock, catalog: CatalogService, change: dict[str, Any]
) -> None:
    # Taken off sale, its stock now counted (one left: two would be oversold), renamed: the snapshot's
    # view of the product no longer holds, and nothing of the order is written.
    commands = OrderCommands(OrderService(db, store, clock=clock))
    snapshot = await CatalogCache(db, clock=clock).snapshot()
    await catalog.update("COFFEE", change)
    two = place((LineRequest(2, "COFFEE"),))
    with pytest.raises(CatalogChanged):
        await db.write(lambda conn: commands.run(conn, KEY, two, clock(), Batched([], snapshot, shared=True)))
    assert (await count_rows(db, orders), await count_rows(db, outbox)) == (0, 0)


@pytest.mark.skipif(POSTGRES_URL is None, reason="CHATCART_TEST_POSTGRES_URL not set")
@pytest.mark.parametrize("db", ["postgres"], indirect=True)  # batches share turns on PostgreSQL only
async def test_in_a_shared_batch_a_shopper_confirms_their_own_pending_order_and_only_that(
    db: Database, store: StoreConfig, clock: Clock, catalog: CatalogService, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Read unlocked there (one statement, not two): the same answers as the locked read gives alone.
    placed = await run(db, store, clock, place((LineRequest(1, "TEA"),)))
    assert isinstance(placed, OrderPlaced)
    locked_read = OrderRepository.get

    def unlocked_only(repo: OrderRepository, number: int, *, for_update: bool = False) -> Order | None:
        assert not for_update, "a shared batch's confirmation took the order's lock"
        return locked_read(repo, number)

    monkeypatch.setattr(OrderRepository, "get", unlocked_only)
    commands = OrderCommands(OrderService(db, store, clock=clock))
    snapshot = await CatalogCache(db, clock=clock).snapshot()

    def confirm(key: ConversationKey) -> Callable[[Connection], Outcome]:
        command = ConfirmOrderCommand(placed.number)
        return lambda conn: commands.run(conn, key, command, clock(), Batched([], snapshot, shared=True))

    stranger = ConversationKey("telegram", "43")
    assert await db.write(confirm(stranger)) == StatusUnchanged(placed.number, None, OrderStatus.CONFIRMED)
    assert await db.write(confirm(KEY)) == StatusMoved(placed.number, OrderStatus.CONFIRMED)
    again = StatusUnchanged(placed.number, OrderStatus.CONFIRMED, OrderStatus.CONFIRMED)
    assert await db.write(confirm(KEY)) == again
    order = await db.read(lambda conn: OrderRepository(conn).get(placed.number))
    assert order is not None and [e.kind for e in order.history] == ["created", "status_changed"]


async def test_a_batch_is_handed_its_placed_orders_notifications_and_none_of_a_refused_one(
    db: Database, store: StoreConfig, clock: Clock, catalog: CatalogService
) -> None:
    await catalog.create(ProductData("RARE", "Rare tea", 900, stock=1))
    targets = NotificationTargets(admin_recipients=("telegram:1",))
    commands = OrderCommands(OrderService(db, store, targets=targets, clock=clock))
    snapshot = await CatalogCache(db, clock=clock).snapshot()
    notices: list[OutboxMessage] = []

    def turns(conn: Connection) -> list[Outcome]:
        return [
            commands.run(conn, KEY, command, clock(), Batched(notices, snapshot, shared=True))
            for command in (place((LineRequest(1, "TEA"),)), place((LineRequest(2, "RARE"),)))
        ]

    placed, refused = await db.write(turns)
    assert refused == OrderRefused(REFUSED_STOCK, "RARE")
    assert isinstance(placed, OrderPlaced)
    (order,) = await db.read(lambda conn: [OrderRepository(conn).get(placed.number)])
    assert order is not None
    assert [(m.recipient, m.dedupe_key) for m in notices] == [
        ("telegram:1", f"order:{order.id}:placed:admin:telegram:1")
    ]
    assert await count_rows(db, outbox) == 0  # the batch writes them with its replies
