"""The orders list and the customers, as the dashboard and the API read them: one read transaction each."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from orders.customers import CustomerKey, CustomerSummary, VipRule, key_of
from orders.db.customers import CustomerRepository, orders_of
from orders.db.engine import Database
from orders.db.listing import ListingRepository
from orders.db.orders import OrderRepository
from orders.db.tables import orders as orders_table
from orders.filters import OrderFilter
from orders.listing import (
    GROUP_OF,
    ListedOrder,
    StatCard,
    automation_tags,
    count_and_page,
    payment_badge,
    stat_cards,
)
from orders.model import Order
from orders.store import StoreConfig

# A search matching at most this many orders is counted and paged in Python after one read of the table.
FEW_MATCHES = 5000


@dataclass(frozen=True, slots=True)
class OrdersPage:
    """One page of the list: its rows, how many orders match, the stat cards, the newest order number."""

    rows: list[ListedOrder]
    total: int
    cards: list[StatCard]
    newest: int  # 0 when there is no order at all
    any_orders: bool  # told apart: "No orders yet" vs "No orders found"


@dataclass(frozen=True, slots=True)
class Choices:
    """What the filters offer beyond the fixed lists: carriers and warehouses orders name."""

    carriers: list[str]
    warehouses: list[str]


@dataclass(frozen=True, slots=True)
class CustomerPage:
    """One customer with a page of their orders, newest first."""

    customer: CustomerSummary
    orders: list[Order]
    total: int


class ListService:
    """Reads the orders list, its counters and the customers; never writes."""

    def __init__(self, db: Database, store: StoreConfig, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._clock = clock
        self.vip = VipRule(store.dashboard.vip_orders, store.vip_spent_minor, store.currency)

    async def orders_page(self, f: OrderFilter) -> OrdersPage:
        return await self._db.read(lambda conn: self._orders_page(conn, f))

    def _orders_page(self, conn: Connection, f: OrderFilter) -> OrdersPage:
        listing = ListingRepository(conn)
        few = listing.matches(f, FEW_MATCHES) if f.query.strip() else None
        if few is not None:  # a search no index answers: read the table once
            counts, total, ids = count_and_page(few, f)
            found = OrderRepository(conn).by_ids(ids)
        else:
            counts = listing.status_counts(f)
            wanted = f.wanted_statuses if f.wanted_statuses is not None else counts.keys()
            total = sum(counts[s][1 if f.has_dates else 0] for s in wanted if s in counts)
            found = OrderRepository(conn).page(f, total)
        cards = stat_cards(counts, f.has_dates)
        newest = listing.newest()
        any_orders = newest is not None
        return OrdersPage(self._rows(conn, found), total, cards, newest[0] if newest else 0, any_orders)

    def _rows(self, conn: Connection, found: list[Order]) -> list[ListedOrder]:
        listing = ListingRepository(conn)
        ids = [order.id for order in found]
        keys = {order.id: key_of(order) for order in found}
        customers = CustomerRepository(conn).summaries(list(keys.values()))
        thumbs, reminders = listing.thumbnails(ids), listing.reminders(ids)
        now = self._clock()
        rows = []
        for order in found:
            summary = customers.get(keys[order.id])
            reminder = reminders.get(order.id)
            rows.append(
                ListedOrder(
                    order=order,
                    customer=keys[order.id],
                    markers=summary.markers(self.vip) if summary else (),
                    thumbnails=thumbs.get(order.id, ()),
                    reminder=reminder.label(now, order.status) if reminder else "",
                    tags=automation_tags(order),
                    status_group=GROUP_OF[order.status],
                    payment=payment_badge(order),
                )
            )
        return rows

    async def stats(self, f: OrderFilter) -> list[StatCard]:
        counts = await self._db.read(lambda conn: ListingRepository(conn).status_counts(f))
        return stat_cards(counts, f.has_dates)

    async def choices(self) -> Choices:
        def read(conn: Connection) -> Choices:
            listing = ListingRepository(conn)
            return Choices(listing.recent_values("carrier"), listing.recent_values("warehouse"))

        return await self._db.read(read)

    async def placed_since(self, number: int) -> list[int]:
        return await self._db.read(lambda conn: ListingRepository(conn).placed_since(number))

    async def customers(self, query: str, page: int, per_page: int) -> tuple[list[CustomerSummary], int]:
        offset = (page - 1) * per_page
        return await self._db.read(lambda conn: CustomerRepository(conn).page(query, offset, per_page))

    async def customer(self, key: CustomerKey, page: int, per_page: int) -> CustomerPage | None:
        return await self._db.read(lambda conn: self._customer(conn, key, page, per_page))

    def _customer(self, conn: Connection, key: CustomerKey, page: int, per_page: int) -> CustomerPage | None:
        summary = CustomerRepository(conn).summaries([key]).get(key)
        if summary is None:
            return None
        query = select(orders_table).where(orders_of(key))
        newest_first = query.order_by(orders_table.c.created_at.desc(), orders_table.c.id.desc())
        found = OrderRepository(conn).load_page(newest_first, page, per_page)
        return CustomerPage(summary, found, summary.orders)
