"""Order placements and status changes per second through the real services, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from catalog.product import ProductData
from catalog.service import CatalogService
from orders.commands import ChangeStatus, LineRequest, PlaceOrder
from orders.db import migrate
from orders.db.engine import Database
from orders.notifications import NotificationTargets
from orders.services import OrderService, utc_now
from orders.status import OrderStatus
from orders.store import StoreConfig

PLACEMENTS = 2000


async def _timed(label: str, count: int, concurrency: int, work: Callable[[int], Awaitable[object]]) -> None:
    queue = iter(range(count))

    async def worker() -> None:
        for i in queue:
            await work(i)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - start
    print(f"  {label:<44} {count / elapsed:>8.0f}/s   ({count} in {elapsed:.2f} s, {concurrency} concurrent)")


async def _prepare(url: str) -> tuple[Database, OrderService]:
    db = Database(url)
    if not db.is_sqlite:
        await migrate.empty_postgres(db)
    await migrate.upgrade(db)
    await CatalogService(db, utc_now).import_products(
        [ProductData("TEA", "Masala chai", 12000, stock=10**9), ProductData("CUP", "Cup", 500, stock=None)]
    )
    targets = NotificationTargets(admin_recipients=("telegram:1",), merchant_webhook=True)
    return db, OrderService(db, StoreConfig(), targets=targets)


async def run_backend(name: str, url: str) -> None:
    print(f"{name}:")
    db, service = await _prepare(url)
    cmd = PlaceOrder(lines=(LineRequest(2, "TEA"), LineRequest(1, "CUP")), delivery_address="12 MG Road")
    for concurrency in (1, 32):
        await _timed(
            "place order (reserve stock, 2 outbox rows)",
            PLACEMENTS,
            concurrency,
            lambda _i: service.place(cmd),
        )
    numbers = iter(range(1001, 1001 + PLACEMENTS))
    await _timed(
        "change status (history + 2 outbox rows)",
        PLACEMENTS // 2,
        32,
        lambda _i: service.change_status(ChangeStatus(next(numbers), OrderStatus.CONFIRMED, "bench")),
    )
    await db.dispose()


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        await run_backend("SQLite (file, WAL)", f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}")
    postgres = os.environ.get("CHATCART_BENCH_POSTGRES_URL") or os.environ.get("CHATCART_TEST_POSTGRES_URL")
    if postgres:
        await run_backend("PostgreSQL", postgres)
    else:
        print("PostgreSQL: skipped (set CHATCART_BENCH_POSTGRES_URL)")
