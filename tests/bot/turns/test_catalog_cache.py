"""The live catalog snapshot: what sold lately ranks the first product list, counted again now and then."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlalchemy import event, text

from bot.turns.catalog_cache import CatalogCache
from catalog.service import CatalogService
from orders.commands import ChangeStatus, LineRequest, PlaceOrder
from orders.db.engine import Database
from orders.model import FieldValue
from orders.services import OrderService
from orders.status import OrderStatus
from orders.store import StoreConfig
from tests.conftest import Clock


@dataclass
class Ticks:
    """A monotonic clock moved by hand."""

    now: float = 0.0

    def __call__(self) -> float:
        return self.now


async def sell(orders: OrderService, quantity: int, sku: str, size: str = "") -> int:
    fields: dict[str, FieldValue] = {"size": size} if size else {}
    line = LineRequest(quantity, sku, fields=fields)
    placed = await orders.place(PlaceOrder(lines=(line,), delivery_address="12 MG Road"))
    return placed.order.number


async def first_list(cache: CatalogCache) -> list[str]:
    return [p.sku for p in (await cache.snapshot()).sellable()]


async def test_what_sold_in_the_last_30_days_comes_first_then_the_catalogs_order(
    db: Database, store: StoreConfig, clock: Clock, catalog: CatalogService
) -> None:
    orders = OrderService(db, store, clock=clock)
    clock.advance(days=-40)
    await sell(orders, 5, "TEA")  # long ago: no longer what sells
    clock.advance(days=40)
    await sell(orders, 2, "COFFEE")
    cancelled = await sell(orders, 3, "CUP", size="Small")
    await orders.change_status(ChangeStatus(cancelled, OrderStatus.CANCELLED, "customer"))  # never sold
    await sell(orders, 1, "CUP", size="Large")
    cache = CatalogCache(db, clock=clock)
    assert await first_list(cache) == ["COFFEE", "CUP", "TEA"]


async def test_units_sold_are_counted_again_only_every_few_minutes(
    db: Database, store: StoreConfig, clock: Clock, catalog: CatalogService
) -> None:
    orders = OrderService(db, store, clock=clock)
    ticks = Ticks()
    cache = CatalogCache(db, recheck=1.0, monotonic=ticks, resell=300.0, clock=clock)
    assert await first_list(cache) == ["TEA", "COFFEE", "CUP"]  # nothing sold yet: the catalog's order
    await sell(orders, 2, "CUP", size="Small")
    ticks.now += 2  # the products changed (stock) and are reloaded, the ranking is not counted again
    snapshot = await cache.snapshot()
    assert [p.stock for p in snapshot.products if p.sku == "CUP"] == [1]
    assert [p.sku for p in snapshot.sellable()] == ["TEA", "COFFEE", "CUP"]
    ticks.now += 300
    assert await first_list(cache) == ["CUP", "TEA", "COFFEE"]


async def test_turns_arriving_together_at_a_cold_start_wait_for_one_load(
    db: Database, catalog: CatalogService
) -> None:
    loads: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if "FROM products" in statement:
            loads.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        cache = CatalogCache(db)
        snapshots = await asyncio.gather(*(cache.snapshot() for _ in range(20)))
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert all(s is snapshots[0] for s in snapshots)
    assert [p.sku for p in snapshots[0].sellable()] == ["TEA", "COFFEE", "CUP"]
    assert len(loads) == 2  # the fingerprint and the products, once


async def test_a_reload_loads_an_edit_the_fingerprint_missed(db: Database, catalog: CatalogService) -> None:
    # An edit made outside chatcart that leaves updated_at (and the count and stock) as they were: the
    # fingerprint misses it until a snapshot-priced order finds the row written since and asks for a reload.
    ticks = Ticks()
    cache = CatalogCache(db, recheck=1.0, monotonic=ticks)
    assert await coffee_price(cache) == 13050
    await db.write(lambda conn: conn.execute(text("UPDATE products SET price = 999 WHERE sku = 'COFFEE'")))
    ticks.now += 5
    assert await coffee_price(cache) == 13050
    cache.reload()
    assert await coffee_price(cache) == 999


async def coffee_price(cache: CatalogCache) -> int:
    coffee = (await cache.snapshot()).by_sku("COFFEE")
    assert coffee is not None
    return coffee.price
