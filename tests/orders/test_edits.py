"""Editing placed orders and typing them up by hand, over a real database (SQLite, PostgreSQL when set)."""

from __future__ import annotations

from datetime import date

import pytest

from catalog.service import CatalogService
from orders.commands import LineRequest, PlaceOrder
from orders.db.engine import Database
from orders.db.tables import outbox
from orders.desk import ManualOrder, OrderDesk
from orders.editing import EditOrder, InvalidEdit, LineEdit
from orders.edits import OrderEditor
from orders.errors import InvalidStatusTransition, OutOfStock
from orders.model import Customer, Lead
from orders.services import OrderService
from orders.status import OrderSource, OrderStatus
from orders.store import StoreConfig
from tests.conftest import Clock
from tests.helpers import rows, stock_of

STAFF = "ravi@chai.example"


@pytest.fixture
def service(db: Database, store: StoreConfig, clock: Clock, catalog: CatalogService) -> OrderService:
    return OrderService(db, store, clock=clock)


@pytest.fixture
def editor(db: Database, store: StoreConfig, service: OrderService) -> OrderEditor:
    return OrderEditor(db, store, service)


@pytest.fixture
def desk(db: Database, store: StoreConfig, service: OrderService) -> OrderDesk:
    return OrderDesk(db, store, service)


async def two_teas(service: OrderService) -> int:
    placed = await service.place(
        PlaceOrder(
            lines=(LineRequest(2, "TEA"),),
            customer=Customer("Asha", "+91 98450 12345"),
            lead=Lead("telegram", "42"),
            delivery_address="12 MG Road",
        )
    )
    return placed.order.number


async def test_a_line_added_removed_and_changed_moves_stock_and_totals_at_once(
    service: OrderService, editor: OrderEditor, db: Database
) -> None:
    number = await two_teas(service)
    assert await stock_of(db, "TEA") == 8
    edited = await editor.edit(
        EditOrder(
            number, STAFF, lines=(LineEdit(5, position=0), LineEdit(2, sku="CUP", fields={"size": "Small"}))
        )
    )
    assert [(line.sku, line.quantity) for line in edited.lines] == [("TEA", 5), ("CUP", 2)]
    assert (await stock_of(db, "TEA"), await stock_of(db, "CUP")) == (5, 1)
    assert edited.subtotal == 5 * 12000 + 2 * 5000
    assert edited.total == edited.subtotal + edited.delivery_fee
    removed = await editor.edit(
        EditOrder(number, STAFF, lines=(LineEdit(2, sku="CUP", fields={"size": "Small"}),))
    )
    assert [line.sku for line in removed.lines] == ["CUP"]
    assert await stock_of(db, "TEA") == 10
    stored = await service.get(number)
    assert stored.lines == removed.lines and stored.total == removed.total
    said = [e for e in stored.history if e.kind == "lines_changed"]
    assert said[0].actor == STAFF and "added 2 × Clay cup" in said[0].data["changes"]
    assert "removed Masala chai" in said[1].data["changes"]


async def test_more_than_the_shelf_holds_changes_nothing(
    service: OrderService, editor: OrderEditor, db: Database
) -> None:
    number = await two_teas(service)
    with pytest.raises(OutOfStock):
        await editor.edit(
            EditOrder(
                number,
                STAFF,
                customer_name="Asha K",
                lines=(LineEdit(1, position=0), LineEdit(4, sku="CUP", fields={"size": "Small"})),
            )
        )
    order = await service.get(number)
    assert (order.customer.name, order.lines[0].quantity) == ("Asha", 2)
    assert (await stock_of(db, "TEA"), await stock_of(db, "CUP")) == (8, 3)


async def test_wrong_email_and_phone_are_named_and_nothing_changes(
    service: OrderService, editor: OrderEditor
) -> None:
    number = await two_teas(service)
    with pytest.raises(InvalidEdit) as refused:
        await editor.edit(
            EditOrder(number, STAFF, customer_email="asha@", customer_phone="call me", note="x")
        )
    assert refused.value.problems == {
        "customer_email": "Invalid email",
        "customer_phone": "Invalid phone number",
    }
    assert (await service.get(number)).note == ""


async def test_discount_fee_and_delivery_are_kept_with_a_history_naming_the_staff_member(
    service: OrderService, editor: OrderEditor
) -> None:
    number = await two_teas(service)
    edited = await editor.edit(
        EditOrder(
            number,
            STAFF,
            discount=1000,
            delivery_fee=500,
            carrier="BlueDart",
            tracking_number="BD123",
            expected_delivery=date(2026, 11, 5),
            warehouse="Bengaluru",
        )
    )
    assert edited.total == 2 * 12000 + 500 - 1000
    stored = await service.get(number)
    assert stored.delivery.expected_date == date(2026, 11, 5)
    assert (stored.delivery.tracking_number, stored.warehouse, stored.total) == ("BD123", "Bengaluru", 23500)
    event = stored.history[-1]
    assert (event.kind, event.actor) == ("edited", STAFF)
    assert event.data["changes"]["tracking_number"] == ["", "BD123"]
    with pytest.raises(InvalidEdit, match="More than the order's amount"):
        await editor.edit(EditOrder(number, STAFF, discount=10**6))


async def test_a_status_change_in_an_edit_uses_the_status_table_and_tells_the_shopper(
    service: OrderService, editor: OrderEditor, db: Database
) -> None:
    number = await two_teas(service)
    with pytest.raises(InvalidStatusTransition):
        await editor.edit(EditOrder(number, STAFF, tracking_number="T1", status=OrderStatus.SHIPPED))
    assert (await service.get(number)).delivery.tracking_number == ""
    await editor.edit(EditOrder(number, STAFF, status=OrderStatus.CONFIRMED))
    shipped = await editor.edit(EditOrder(number, STAFF, tracking_number="T1", status=OrderStatus.SHIPPED))
    assert shipped.status is OrderStatus.SHIPPED
    moved = [e for e in (await service.get(number)).history if e.kind == "status_changed"]
    assert [(e.actor, e.data["to"]) for e in moved] == [(STAFF, "confirmed"), (STAFF, "shipped")]
    told = [r for r in await rows(db, outbox) if r["recipient"] == "telegram:42"]
    assert told[-1]["payload"]["template"] == "status_shipped"
    assert told[-1]["payload"]["params"]["tracking_number"] == "T1"
    with pytest.raises(InvalidEdit, match="In transit cannot change"):
        await editor.edit(EditOrder(number, STAFF, lines=()))


async def test_sales_manager_is_assigned_unconfirmed_then_checked(
    service: OrderService, editor: OrderEditor
) -> None:
    number = await two_teas(service)
    assigned = await editor.edit(EditOrder(number, "owner@chai.example", assignee=STAFF))
    assert (assigned.assignee, assigned.assignee_confirmed) == (STAFF, False)
    checked = await editor.confirm_sale(number, "owner@chai.example")
    assert (checked.assignee, checked.assignee_confirmed) == (STAFF, True)
    stored = await service.get(number)
    assert stored.assignee_confirmed
    kinds = [(e.kind, e.actor) for e in stored.history[-2:]]
    assert kinds == [
        ("sales_manager_assigned", "owner@chai.example"),
        ("sales_manager_confirmed", "owner@chai.example"),
    ]


async def test_a_manual_order_reserves_stock_and_names_who_typed_it(
    desk: OrderDesk, service: OrderService, db: Database
) -> None:
    cmd = ManualOrder(
        STAFF,
        Customer("Meena", "+91 99000 11111", "meena@example.com"),
        (LineRequest(3, "TEA"),),
        address={"street": "5 Park St", "city": "Kolkata", "postal_code": "700016"},
    )
    order = await desk.create(cmd)
    assert (order.source, order.assignee) == (OrderSource.MANUAL, STAFF)
    assert order.delivery.address == "5 Park St, Kolkata, 700016"
    assert await stock_of(db, "TEA") == 7
    stored = await service.get(order.number)
    assert (stored.history[0].kind, stored.history[0].actor) == ("created", STAFF)
    with pytest.raises(InvalidEdit) as refused:
        await desk.create(ManualOrder(STAFF, lines=(LineRequest(1, "TEA"),)))
    assert set(refused.value.problems) == {"street", "city", "postal_code"}


async def test_a_draft_is_saved_empty_and_filled_in_later(
    desk: OrderDesk, editor: OrderEditor, service: OrderService, db: Database
) -> None:
    draft = await desk.create(ManualOrder(STAFF, draft=True))
    assert (draft.lines, draft.total, draft.status) == ((), 0, OrderStatus.PENDING)
    filled = await editor.edit(
        EditOrder(draft.number, STAFF, customer_name="Walk-in", lines=(LineEdit(1, sku="TEA"),))
    )
    assert (filled.subtotal, await stock_of(db, "TEA")) == (12000, 9)
    assert (await service.get(draft.number)).customer.name == "Walk-in"


async def test_stock_figures_of_an_orders_products(desk: OrderDesk, service: OrderService) -> None:
    number = await two_teas(service)
    await two_teas(service)
    rows_ = await desk.stock(await service.get(number))
    assert [(r.sku, r.this_order, r.in_stock, r.reserved, r.available) for r in rows_] == [
        ("TEA", 2, 10, 4, 6)
    ]
