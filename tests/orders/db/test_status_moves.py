"""A status change's writes (one statement on PostgreSQL): all of them when the status is as expected,
none when it changed meanwhile."""

from __future__ import annotations

from sqlalchemy import Connection

from catalog.service import CatalogService
from orders.commands import LineRequest, PlaceOrder
from orders.db.engine import Database
from orders.db.orders import OrderRepository
from orders.db.status_moves import Move, write_move
from orders.db.tables import order_events, outbox
from orders.model import OrderEvent
from orders.outbox import OutboxKind, OutboxMessage
from orders.services import OrderService
from orders.status import OrderStatus
from orders.store import StoreConfig
from tests.conftest import Clock
from tests.helpers import count_rows, rows


def told(key: str, order_id: int | None) -> OutboxMessage:
    return OutboxMessage(OutboxKind.CUSTOMER_MESSAGE, "telegram:7", {"text": f"moved {key}"}, key, order_id)


async def test_a_move_writes_its_values_event_and_messages_only_while_the_status_is_as_expected(
    db: Database, store: StoreConfig, clock: Clock, catalog: CatalogService
) -> None:
    service = OrderService(db, store, clock=clock)
    placed = (await service.place(PlaceOrder((LineRequest(1, "TEA"),), delivery_address="x"))).order
    before = (await count_rows(db, order_events), await count_rows(db, outbox))

    def move(expected: OrderStatus, keys: list[str]) -> Move:
        values: dict[str, object] = {"status": OrderStatus.CONFIRMED.value, "tracking_number": "T-1"}
        event = OrderEvent("status_changed", "ops", clock(), {"to": "confirmed"})
        return Move(placed.id, expected, values, event, [told(key, placed.id) for key in keys])

    stale = move(OrderStatus.SHIPPED, ["a"])
    assert await db.write(lambda conn: write_move(conn, stale, clock())) is False
    assert (await count_rows(db, order_events), await count_rows(db, outbox)) == before

    def twice(conn: Connection) -> bool:
        # The second message repeats a key already written: it is skipped, the rest is written.
        write_move(
            conn,
            Move(placed.id, OrderStatus.PENDING, {"note": "first"}, stale.event, [told("b", None)]),
            clock(),
        )
        return write_move(conn, move(OrderStatus.PENDING, ["c", "b"]), clock())

    assert await db.write(twice) is True
    quiet = Move(placed.id, OrderStatus.CONFIRMED, {"warehouse": "north"}, stale.event, [])  # tells no one
    assert await db.write(lambda conn: write_move(conn, quiet, clock())) is True
    order = await db.read(lambda conn: OrderRepository(conn).get(placed.number))
    assert order is not None
    assert (order.status, order.delivery.tracking_number, order.note) == (
        OrderStatus.CONFIRMED,
        "T-1",
        "first",
    )
    assert order.warehouse == "north"
    assert [e.kind for e in order.history] == ["created", *["status_changed"] * 3]
    assert order.history[-1].data == {"to": "confirmed"} and order.history[-1].actor == "ops"
    written = {r["dedupe_key"]: r for r in await rows(db, outbox)}
    assert written["c"]["payload"] == {"text": "moved c"} and written["c"]["order_id"] == placed.id
    assert written["b"]["payload"] == {"text": "moved b"} and written["b"]["order_id"] is None
    assert await count_rows(db, outbox) == before[1] + 2
