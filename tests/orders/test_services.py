"""Order services over a real database (SQLite, and PostgreSQL when configured): one contract for both."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import Connection

from catalog.service import CatalogService
from orders.commands import ChangeStatus, LineRequest, PlaceOrder
from orders.db.engine import Database
from orders.db.orders import OrderRepository
from orders.db.tables import order_events, orders, outbox
from orders.errors import (
    ConcurrentUpdate,
    IdempotencyConflict,
    InvalidOrder,
    InvalidStatusTransition,
    OrderNotFound,
    OutOfStock,
)
from orders.model import Customer, Lead, Order
from orders.notifications import NotificationTargets
from orders.outbox import OutboxKind
from orders.payment_services import PaymentService
from orders.payments.manual import ManualPayment
from orders.services import OrderService
from orders.status import OrderStatus
from orders.store import StoreConfig
from tests.conftest import Clock
from tests.helpers import count_rows, rows, stock_of

S = OrderStatus


def tea(quantity: int = 1, **kw: object) -> PlaceOrder:
    defaults: dict[str, object] = {"delivery_address": "12 MG Road", "customer": Customer("Asha", "+911234")}
    return PlaceOrder(lines=(LineRequest(quantity, "TEA"),), **(defaults | kw))  # type: ignore[arg-type]


@pytest.fixture
def service(db: Database, store: StoreConfig, clock: Clock, catalog: CatalogService) -> OrderService:
    targets = NotificationTargets(admin_recipients=("telegram:-100",), merchant_webhook=True)
    return OrderService(db, store, targets=targets, clock=clock)


async def test_order_numbers_are_sequential_from_1001(service: OrderService) -> None:
    numbers = [(await service.place(tea())).order.number for _ in range(3)]
    assert numbers == [1001, 1002, 1003]


async def test_a_pickup_order_needs_no_delivery_address_and_a_shipped_one_does(
    service: OrderService,
) -> None:
    order = (await service.place(tea(delivery_method="pickup", delivery_address=""))).order
    assert (order.delivery.method, order.delivery.address, order.fields) == ("pickup", "", {})
    assert order.delivery_fee == 0
    with pytest.raises(InvalidOrder, match="fields: delivery_address is required"):
        await service.place(tea(delivery_method="shipping", delivery_address=""))


async def test_placing_prices_from_catalog_reserves_stock_and_stamps_currency(
    service: OrderService, db: Database
) -> None:
    order = (await service.place(tea(3))).order
    assert (order.status, order.currency, order.subtotal, order.delivery_fee, order.total) == (
        S.PENDING,
        "INR",
        36000,
        4000,
        40000,
    )
    assert order.fields == {"delivery_address": "12 MG Road"}  # the required field came from the address
    assert await stock_of(db, "TEA") == 7
    assert [e.kind for e in order.history] == ["created"]


async def test_untracked_stock_is_never_reserved(service: OrderService, db: Database) -> None:
    await service.place(PlaceOrder(lines=(LineRequest(50, "COFFEE"),), delivery_address="x"))
    assert await stock_of(db, "COFFEE") is None


async def test_not_enough_stock_refuses_and_changes_nothing(service: OrderService, db: Database) -> None:
    cmd = PlaceOrder(
        lines=(LineRequest(2, "TEA"), LineRequest(4, "CUP", fields={"size": "Small"})), delivery_address="x"
    )
    with pytest.raises(OutOfStock, match="CUP: 4 requested, 3 available"):
        await service.place(cmd)
    assert (await stock_of(db, "TEA"), await stock_of(db, "CUP")) == (10, 3)  # TEA's reservation rolled back
    assert await count_rows(db, orders) == 0
    assert await count_rows(db, outbox) == 0
    assert (await service.place(tea())).order.number == 1001  # no number was burnt


async def test_new_order_notifies_admin_chats_and_merchant_once(service: OrderService, db: Database) -> None:
    order = (await service.place(tea())).order
    written = await rows(db, outbox)
    assert [(r["kind"], r["recipient"]) for r in written] == [
        (OutboxKind.ADMIN_MESSAGE, "telegram:-100"),
        (OutboxKind.MERCHANT_WEBHOOK, f"merchant:{order.id}"),
    ]
    assert written[0]["payload"]["params"]["number"] == order.number
    assert written[1]["payload"]["type"] == "order.created"


async def test_status_walk_writes_history_and_a_customer_message_each_time(
    service: OrderService, db: Database, clock: Clock
) -> None:
    lead = Lead("telegram", "42")
    number = (await service.place(tea(language="es", lead=lead))).order.number
    for status in (S.CONFIRMED, S.SHIPPED, S.DELIVERED):
        clock.advance(hours=1)
        await service.change_status(
            ChangeStatus(number, status, "ops", tracking_number="TRK9", carrier="DHL")
        )
    order = await service.get(number)
    assert order.status is S.DELIVERED
    assert (order.delivery.tracking_number, order.delivery.carrier) == ("TRK9", "DHL")
    changes = [e.data for e in order.history if e.kind == "status_changed"]
    assert [(c["from"], c["to"]) for c in changes] == [
        ("pending", "confirmed"),
        ("confirmed", "shipped"),
        ("shipped", "delivered"),
    ]
    customer = [r for r in await rows(db, outbox) if r["kind"] == OutboxKind.CUSTOMER_MESSAGE]
    assert [r["payload"]["template"] for r in customer] == [
        "status_confirmed",
        "status_shipped",
        "status_delivered",
    ]
    assert {r["recipient"] for r in customer} == {"telegram:42"}
    assert {r["payload"]["language"] for r in customer} == {"es"}


async def test_illegal_move_raises_and_changes_nothing(service: OrderService, db: Database) -> None:
    number = (await service.place(tea())).order.number
    await service.change_status(ChangeStatus(number, S.CONFIRMED, "ops"))
    events, messages = await count_rows(db, order_events), await count_rows(db, outbox)
    with pytest.raises(InvalidStatusTransition):
        await service.change_status(ChangeStatus(number, S.PENDING, "ops", tracking_number="X"))
    order = await service.get(number)
    assert (order.status, order.delivery.tracking_number) == (S.CONFIRMED, "")
    assert (await count_rows(db, order_events), await count_rows(db, outbox)) == (events, messages)


@pytest.mark.parametrize("final", [S.CANCELLED, S.RETURNED])
async def test_cancel_and_return_put_stock_back(
    service: OrderService, db: Database, final: OrderStatus
) -> None:
    number = (await service.place(tea(4))).order.number
    path = [S.CANCELLED] if final is S.CANCELLED else [S.CONFIRMED, S.SHIPPED, S.RETURNED]
    for status in path:
        await service.change_status(ChangeStatus(number, status, "ops"))
    assert await stock_of(db, "TEA") == 10


async def test_unknown_order_number_is_reported(service: OrderService) -> None:
    with pytest.raises(OrderNotFound, match="order 4242 does not exist"):
        await service.change_status(ChangeStatus(4242, S.CONFIRMED, "ops"))


async def test_idempotency_key_replays_the_same_order(service: OrderService, db: Database) -> None:
    first = await service.place(tea(2), ("key-1", "hash-a"))
    again = await service.place(tea(2), ("key-1", "hash-a"))
    assert (first.created, again.created, again.order.number) == (True, False, first.order.number)
    with pytest.raises(IdempotencyConflict):
        await service.place(tea(5), ("key-1", "hash-b"))
    assert await count_rows(db, orders) == 1
    assert await stock_of(db, "TEA") == 8


async def test_concurrent_requests_with_one_idempotency_key_make_one_order(
    service: OrderService, db: Database
) -> None:
    results = await asyncio.gather(*(service.place(tea(), ("same", "h")) for _ in range(8)))
    assert len({r.order.number for r in results}) == 1
    assert sum(r.created for r in results) == 1
    assert await count_rows(db, orders) == 1


async def test_fifty_concurrent_placements_for_the_last_five_units_sell_exactly_five(
    service: OrderService, db: Database, catalog: CatalogService
) -> None:
    await catalog.update("TEA", {"stock": 5})
    results = await asyncio.gather(*(service.place(tea()) for _ in range(50)), return_exceptions=True)
    placed = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, OutOfStock)]
    assert (len(placed), len(refused)) == (5, 45)
    assert await stock_of(db, "TEA") == 0
    assert await count_rows(db, orders) == 5
    numbers = sorted(p.order.number for p in placed)
    # PostgreSQL's sequence may skip numbers a rolled-back batch took; it never repeats one.
    assert len(set(numbers)) == 5 and numbers[0] >= 1001
    if db.is_sqlite:
        assert numbers == [1001, 1002, 1003, 1004, 1005]


async def test_racing_confirm_and_cancel_apply_exactly_one(service: OrderService, db: Database) -> None:
    number = (await service.place(tea(2))).order.number
    moves = [ChangeStatus(number, S.CONFIRMED, "a"), ChangeStatus(number, S.CANCELLED, "b")]
    results = await asyncio.gather(*(service.change_status(m) for m in moves), return_exceptions=True)
    failures = [r for r in results if isinstance(r, BaseException)]
    assert all(isinstance(f, InvalidStatusTransition | ConcurrentUpdate) for f in failures)
    final = (await service.get(number)).status
    # Either order is legal (confirm then cancel is allowed), but no move may be lost or doubled.
    changes = [e for e in (await service.get(number)).history if e.kind == "status_changed"]
    assert changes[-1].data["to"] == final.value
    assert len(changes) == len(results) - len(failures)
    assert await stock_of(db, "TEA") == (10 if final is S.CANCELLED else 8)


async def test_an_order_read_by_number_locked_or_not_holds_what_a_page_of_orders_shows_of_it(
    service: OrderService, db: Database, clock: Clock
) -> None:
    # On PostgreSQL one statement reads the order with its lines, history and payments (as a chat
    # confirmation does); a page of orders reads them another way. Both must give the same order.
    lines = (LineRequest(2, "TEA"), LineRequest(1, "CUP", fields={"size": "Large"}), LineRequest(3, "COFFEE"))
    number = (await service.place(PlaceOrder(lines=lines, delivery_address="12 MG Road"))).order.number
    clock.advance(minutes=5)
    await service.change_status(ChangeStatus(number, S.CONFIRMED, "ops"))
    payments = PaymentService(db, service, clock=clock)
    await payments.record(number, ManualPayment(500, "cash", reference="r-1"), "ops")
    clock.advance(minutes=5)
    await payments.record(number, ManualPayment(700, "bank_transfer", reference="r-2"), "ops")
    await service.place(tea())  # another order, whose children must not mix in

    def read(conn: Connection) -> tuple[Order | None, Order | None, Order]:
        repo = OrderRepository(conn)
        plain = repo.get(number)
        assert plain is not None
        return plain, repo.get(number, for_update=True), repo.by_ids([plain.id])[0]

    plain, locked, listed = await db.write(read)
    assert plain == locked == listed
    assert plain is not None
    assert [(line.sku, line.quantity, line.fields) for line in plain.lines] == [
        ("TEA", 2, {}),
        ("CUP", 1, {"size": "Large"}),
        ("COFFEE", 3, {}),
    ]
    assert [e.kind for e in plain.history][:2] == ["created", "status_changed"]
    assert [(p.amount, p.reference) for p in plain.payments] == [(500, "r-1"), (700, "r-2")]
    assert plain.history[1].at == clock() - timedelta(minutes=5) and plain.history[1].at.tzinfo is not None
    assert [p.created_at for p in plain.payments] == [clock() - timedelta(minutes=5), clock()]
    assert await db.write(lambda conn: OrderRepository(conn).get(number + 99)) is None
