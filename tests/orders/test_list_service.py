"""The orders list and the customers over a real database (SQLite, and PostgreSQL when configured): filters,
stat cards, customer figures and markers, lead isolation, what a page polls for."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import update

from catalog.service import CatalogService
from orders.commands import ChangeStatus, LineRequest, PlaceOrder
from orders.customers import CustomerKey, Marker
from orders.db.engine import Database
from orders.db.tables import orders
from orders.filters import OrderFilter
from orders.list_service import ListService
from orders.model import Customer, Lead
from orders.services import OrderService
from orders.status import OrderSource, OrderStatus, StatusGroup
from orders.store import StoreConfig, parse_store_config
from tests.conftest import STORE_TOML, Clock

S = OrderStatus
VIP_STORE = STORE_TOML + '\n[dashboard]\nvip_orders = 3\nvip_spent = "1000.00"\n'


def tea(quantity: int = 1, lead: Lead | None = None, **kw: Any) -> PlaceOrder:
    defaults: dict[str, object] = {"delivery_address": "12 MG Road", "customer": Customer("Asha", "+911234")}
    line = (LineRequest(quantity, "COFFEE"),)
    return PlaceOrder(lines=line, lead=lead, **(defaults | kw))  # type: ignore[arg-type]


@pytest.fixture
def vip_store() -> StoreConfig:
    return parse_store_config(VIP_STORE)


@pytest.fixture
def service(db: Database, vip_store: StoreConfig, clock: Clock, catalog: CatalogService) -> OrderService:
    return OrderService(db, vip_store, clock=clock)


@pytest.fixture
def listing(db: Database, vip_store: StoreConfig, clock: Clock) -> ListService:
    return ListService(db, vip_store, clock)


async def _place(service: OrderService, cmd: PlaceOrder) -> int:
    return (await service.place(cmd)).order.number


async def test_filters_find_orders_by_delivery_service_warehouse_and_exact_tracking(
    service: OrderService, listing: ListService, db: Database
) -> None:
    first, second, _third = [await _place(service, tea()) for _ in range(3)]
    for number in (first, second):
        await service.change_status(ChangeStatus(number, S.CONFIRMED, "test"))
    await service.change_status(ChangeStatus(first, S.SHIPPED, "test", "TRK-100", "Delhivery"))
    await service.change_status(ChangeStatus(second, S.SHIPPED, "test", "TRK-1000", "Blue Dart"))
    await db.write(
        lambda c: c.execute(update(orders).where(orders.c.number == second).values(warehouse="Pune"))
    )

    async def numbers(**kw: object) -> list[int]:
        page = await listing.orders_page(OrderFilter(**kw))  # type: ignore[arg-type]
        return [row.order.number for row in page.rows]

    assert await numbers(carrier="delhivery") == [first]  # any case
    assert await numbers(tracking="TRK-100") == [first]  # exact: TRK-1000 is another parcel
    assert await numbers(warehouse="Pune") == [second]
    assert await numbers(query="trk-10") == [second, first]  # the search box finds parts
    assert await numbers(warehouse="Mumbai") == []


async def test_stat_cards_count_groups_within_the_filters_and_the_date_range(
    service: OrderService, listing: ListService, clock: Clock
) -> None:
    old = await _place(service, tea())
    await service.change_status(ChangeStatus(old, S.CANCELLED, "test"))
    clock.advance(days=3)
    await _place(service, tea())
    shipped = await _place(service, tea())
    await service.change_status(ChangeStatus(shipped, S.CONFIRMED, "test"))
    await service.change_status(ChangeStatus(shipped, S.SHIPPED, "test"))

    cards = {c.group: (c.count, c.in_period) for c in await listing.stats(OrderFilter())}
    assert cards == {
        None: (3, None),
        StatusGroup.NEW: (1, None),
        StatusGroup.IN_PROCESSING: (0, None),
        StatusGroup.IN_TRANSIT: (1, None),
        StatusGroup.DELIVERED: (0, None),
        StatusGroup.PROBLEMATIC: (1, None),
    }
    today = clock.now.date()
    period = OrderFilter(date_from=today, date_to=today, group=StatusGroup.NEW)  # a card's group aside
    cards = {c.group: (c.count, c.in_period) for c in await listing.stats(period)}
    assert cards[None] == (3, 2)
    assert cards[StatusGroup.PROBLEMATIC] == (1, 0)
    assert cards[StatusGroup.IN_TRANSIT] == (1, 1)


async def test_new_then_vip_by_orders_and_by_spend_cancelled_orders_aside(
    service: OrderService, listing: ListService
) -> None:
    asha = Lead("telegram", "111")
    first = await _place(service, tea(lead=asha))
    page = await listing.orders_page(OrderFilter())
    assert page.rows[0].markers == (Marker.NEW,)
    cancelled = await _place(service, tea(lead=asha))
    await service.change_status(ChangeStatus(cancelled, S.CANCELLED, "test"))
    await _place(service, tea(lead=asha))
    page = await listing.orders_page(OrderFilter())
    assert [r.markers for r in page.rows] == [(), (), ()]  # 3 orders, but one cancelled: 2 count
    await _place(service, tea(lead=asha))
    page = await listing.orders_page(OrderFilter())
    assert {r.markers for r in page.rows} == {(Marker.VIP,)}
    big = await _place(service, tea(8, lead=Lead("whatsapp", "919"), customer=Customer("Ravi", "+919")))
    await _place(service, tea(lead=Lead("whatsapp", "919"), customer=Customer("Ravi", "+919")))
    page = await listing.orders_page(OrderFilter(query=str(big)))
    assert page.rows[0].markers == (Marker.VIP,)  # 8 × 130.50 + 40.00 delivery ≥ 1000.00
    assert first


async def test_the_same_person_on_two_channels_is_two_customers(
    service: OrderService, listing: ListService
) -> None:
    await _place(service, tea(lead=Lead("telegram", "42")))
    await _place(service, tea(lead=Lead("whatsapp", "42")))
    await _place(service, tea(lead=Lead("whatsapp", "42")))
    found, total = await listing.customers("", 1, 25)
    assert total == 2
    assert [(c.key.id, c.orders) for c in found] == [("whatsapp:42", 2), ("telegram:42", 1)]
    assert found[0].spent == {"INR": 2 * (13050 + 4000)}  # with the delivery fee


async def test_orders_without_a_chat_belong_to_their_phone_or_email(
    service: OrderService, listing: ListService
) -> None:
    web: dict[str, Any] = {"source": OrderSource.WEBSITE, "channel": "website"}
    await _place(service, tea(customer=Customer("Mei", "+8613", ""), **web))
    await _place(service, tea(customer=Customer("Mei Lin", "+8613", "mei@example.com"), **web))
    await _place(service, tea(customer=Customer("Noor", "", "Noor@Example.com"), **web))
    found, total = await listing.customers("", 1, 25)
    assert total == 2
    by_id = {c.key.id: c for c in found}
    assert by_id["website:tel:+8613"].orders == 2
    assert by_id["website:tel:+8613"].name == "Mei Lin"  # the latest order's name
    assert by_id["website:mail:noor@example.com"].email == "Noor@Example.com"
    mei = await listing.customer(CustomerKey.parse("website:tel:+8613"), 1, 25)  # type: ignore[arg-type]
    assert mei is not None and len(mei.orders) == 2


async def test_customers_are_searched_by_name_phone_or_email(
    service: OrderService, listing: ListService
) -> None:
    await _place(service, tea(lead=Lead("telegram", "1"), customer=Customer("Asha Rao", "+9111", "")))
    await _place(service, tea(lead=Lead("telegram", "2"), customer=Customer("Ravi", "+9122", "ravi@x.in")))
    assert [c.name for c in (await listing.customers("rao", 1, 25))[0]] == ["Asha Rao"]
    assert [c.name for c in (await listing.customers("RAVI@X", 1, 25))[0]] == ["Ravi"]
    assert (await listing.customers("%", 1, 25))[1] == 0  # a wildcard is a character like any other
    assert await listing.customer(CustomerKey("telegram", "3"), 1, 25) is None


async def test_a_page_learns_which_orders_arrived_after_its_newest(
    service: OrderService, listing: ListService
) -> None:
    assert (await listing.orders_page(OrderFilter())).newest == 0
    assert await listing.placed_since(0) == []
    first = await _place(service, tea())
    assert await listing.placed_since(0) == [first]
    second, third = await _place(service, tea()), await _place(service, tea())
    assert await listing.placed_since(first) == [second, third]
    page = await listing.orders_page(OrderFilter(per_page=1))
    assert (page.newest, page.total, page.any_orders) == (third, 3, True)
    empty = await listing.orders_page(OrderFilter(query="nobody"))
    assert (empty.rows, empty.any_orders) == ([], True)


def test_a_filter_knows_whether_it_has_a_date_range() -> None:
    assert OrderFilter(date_from=date(2026, 1, 1)).has_dates
    assert not OrderFilter().has_dates
