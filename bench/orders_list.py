"""The dashboard's orders list over 100,000 orders: server time of each kind of list query (the service alone,
and the whole page through the app in-process), on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import asyncpg
import httpx
from sqlalchemy import text, update
from sqlalchemy.engine import make_url

from bench.backends import each_backend
from bench.process_cpu import CpuMeter
from bot.setup.settings import Settings
from bot.setup.wiring import Services, build_services
from bot.staff.roles import Role
from bot.web.app import create_app
from catalog.db.schema import products
from orders.db import migrate
from orders.db.engine import Database
from orders.db.tables import counters, order_lines, orders
from orders.filters import OrderFilter
from orders.status import GROUP_MEMBERS, OrderStatus, StatusGroup

# CPU per call: this process (the app, and SQLite in it) plus the PostgreSQL backends serving the database.
METER = CpuMeter(None)
ORDERS = int(os.environ.get("CHATCART_BENCH_LIST_ORDERS", "100000"))
CUSTOMERS = ORDERS // 3
RUNS = 15
CHUNK = 5000
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
CHANNELS = ("telegram", "whatsapp", "messenger", "instagram", "web")
CARRIERS = ("Delhivery", "Blue Dart", "DTDC", "India Post")
WAREHOUSES = ("Pune", "Bengaluru", "Delhi")
WEIGHTS = {  # most orders of a shop that has run a while are done
    OrderStatus.DELIVERED: 60,
    OrderStatus.SHIPPED: 8,
    OrderStatus.CONFIRMED: 6,
    OrderStatus.COLLECTED: 2,
    OrderStatus.PENDING: 5,
    OrderStatus.CANCELLED: 12,
    OrderStatus.RETURNED: 3,
    OrderStatus.NOT_PICKED_UP: 2,
    OrderStatus.READY_FOR_PICKUP: 2,
}


_SAME_IN_EVERY_ORDER: dict[str, Any] = {
    "currency": "INR",
    "subtotal": 24000,
    "delivery_fee": 4000,
    "discount": 0,
    "total": 28000,
    "language": "en",
    "delivery_method": "shipping",
    "delivery_address": "12 MG Road, Bengaluru",
    "expected_delivery_date": None,
    "fields": {},
    "note": "",
    "assignee": "",
}


def _order(i: int, rng: random.Random) -> dict[str, Any]:
    customer = rng.randrange(CUSTOMERS)
    status = rng.choices(list(WEIGHTS), list(WEIGHTS.values()))[0]
    sent = status in {
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
        OrderStatus.RETURNED,
        OrderStatus.NOT_PICKED_UP,
    }
    created = NOW - timedelta(minutes=(ORDERS - i) * 5)  # ~a year of orders, the newest last
    web = customer % 10 == 0  # a tenth come from the website, without a chat
    channel = "website" if web else CHANNELS[customer % len(CHANNELS)]
    return _SAME_IN_EVERY_ORDER | {
        "id": i + 1,
        "number": 1001 + i,
        "status": status.value,
        "payment_status": "paid" if customer % 4 == 0 else "unpaid",
        "payment_method": "online" if customer % 4 == 0 else "cod",
        "customer_name": f"Customer {customer}",
        "customer_phone": f"+91 98{customer:08d}",
        "customer_email": f"c{customer}@example.com" if web else "",
        "lead_channel": None if web else channel,
        "lead_user_id": None if web else str(700000 + customer),
        "source": "website" if web else "chat",
        "channel": channel,
        "carrier": CARRIERS[i % len(CARRIERS)] if sent else "",
        "tracking_number": f"TRK{i:09d}IN" if sent else "",
        "warehouse": WAREHOUSES[i % len(WAREHOUSES)],
        "remind_at": created + timedelta(hours=6) if status is OrderStatus.PENDING else None,
        "reminder_sent_at": None,
        "created_at": created,
        "updated_at": created,
    }


def _line(i: int) -> dict[str, Any]:
    return {
        "order_id": i + 1,
        "position": 0,
        "product_id": 1 + i % 3,
        "sku": f"CHAI-{i % 3}",
        "name": "Masala chai",
        "quantity": 2,
        "unit_price": 12000,
        "fields": {},
    }


def _product(n: int) -> dict[str, Any]:
    return {
        "id": n,
        "sku": f"CHAI-{n - 1}",
        "name": f"Chai {n}",
        "price": 12000,
        "stock": None,
        "category": "Tea",
        "image_urls": [f"/media/chai-{n}.jpg"],
        "aliases": [],
        "active": True,
        "description": "",
        "created_at": NOW,
        "updated_at": NOW,
    }


async def _seed(db: Database) -> None:
    rng = random.Random(11)
    product_rows = [_product(n) for n in (1, 2, 3)]
    await db.write(lambda c: c.execute(products.insert(), product_rows))
    for start in range(0, ORDERS, CHUNK):
        chunk = range(start, min(start + CHUNK, ORDERS))
        order_rows = [_order(i, rng) for i in chunk]
        line_rows = [_line(i) for i in chunk]

        def insert(
            c: Any, o: list[dict[str, Any]] = order_rows, ls: list[dict[str, Any]] = line_rows
        ) -> None:
            c.execute(orders.insert(), o)
            c.execute(order_lines.insert(), ls)

        await db.write(insert)
    last = 1000 + ORDERS  # what placing the next order goes on from
    await db.write(lambda c: c.execute(update(counters).values(value=last)))
    if not db.is_sqlite:
        await db.write(lambda c: c.execute(text(f"SELECT setval('order_numbers', {last})")))
    await _analyse(db)


async def _analyse(db: Database) -> None:
    """Statistics for the planner, as a running shop would have them."""
    if db.is_sqlite:
        await db.write(lambda c: c.execute(text("ANALYZE")))
    else:  # what autovacuum does soon after a bulk load (index-only scans need the visibility map)
        connection = await asyncpg.connect(db.url.replace("postgresql+asyncpg", "postgresql"))
        await connection.execute("VACUUM ANALYZE orders")
        await connection.execute("VACUUM ANALYZE order_lines")
        await connection.close()


async def _timed(label: str, call: Callable[[], Awaitable[object]]) -> None:
    await call()  # warm: statement caches, the first connection
    took = []
    cpu_start = METER.now()
    for _ in range(RUNS):
        start = time.perf_counter()
        await call()
        took.append((time.perf_counter() - start) * 1000)
    cpu = (METER.now() - cpu_start) / RUNS * 1000
    took.sort()
    p90 = took[int(len(took) * 0.9) - 1]
    median = statistics.median(took)
    print(f"  {label:<58} median {median:6.1f} ms   p90 {p90:6.1f} ms   cpu {cpu:6.1f} ms")


CASES: list[tuple[str, OrderFilter, str]] = [
    ("newest first, page 1 of 25", OrderFilter(), ""),
    ("a stat card: In processing", OrderFilter(group=StatusGroup.IN_PROCESSING), "group=in_processing"),
    (
        "tab Current (4 statuses)",
        OrderFilter(statuses=tuple(GROUP_MEMBERS[StatusGroup.IN_PROCESSING])),
        "status=confirmed,collected,ready_for_pickup",
    ),
    ("search: part of a phone number", OrderFilter(query="98000123"), "q=98000123"),
    ("search: an order number (it exists)", OrderFilter(query="51001"), "q=51001"),
    ("search: a name that nobody has", OrderFilter(query="zebedee"), "q=zebedee"),
    ("exact tracking number", OrderFilter(tracking="TRK000090001IN"), "tracking=TRK000090001IN"),
    (
        "delivery service + warehouse",
        OrderFilter(carrier="dtdc", warehouse="Pune"),
        "carrier=dtdc&warehouse=Pune",
    ),
    ("channel + payment status", OrderFilter(channel="whatsapp", payment_status=None), "channel=whatsapp"),
    (
        "date range (a week), +N in period",
        OrderFilter(date_from=(NOW - timedelta(days=7)).date(), date_to=NOW.date()),
        f"date_from={(NOW - timedelta(days=7)).date()}&date_to={NOW.date()}",
    ),
    ("page 2000 of 50", OrderFilter(page=2000, per_page=50), "page=2000&per_page=50"),
]


async def run_backend(name: str, url: str) -> None:
    METER.database = None if url.startswith("sqlite") else make_url(url).database
    load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    print(f"{name}, {ORDERS:,} orders from {CUSTOMERS:,} customers (load {load} on {os.cpu_count()} CPUs):")
    db = Database(url)
    if not db.is_sqlite:
        await migrate.empty_postgres(db)
    await migrate.upgrade(db)
    start = time.perf_counter()
    await _seed(db)
    print(f"  (seeded in {time.perf_counter() - start:.0f} s)")
    await db.dispose()
    services = build_services(Settings(database_url=url, api_token="bench"))
    try:
        await _measure(services)
    finally:
        await services.aclose()


async def _measure(services: Services) -> None:
    listing = services.listing
    for label, f, _query in CASES:
        await _timed(f"service: {label}", partial(listing.orders_page, f))
    await _timed("service: customers, page 1", lambda: listing.customers("", 1, 25))
    await _timed("service: customers, search by name", lambda: listing.customers("customer 1234", 1, 25))
    await services.staff.add("bench@example.com", Role.OPS, "a-long-bench-password")
    token, _ = await services.sign_ins.sign_in("bench@example.com", "a-long-bench-password", "bench")
    transport = httpx.ASGITransport(app=create_app(services, run_worker=False))
    headers = {"Cookie": f"chatcart_session={token}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://bench", headers=headers) as client:

        async def get(path: str) -> None:
            answer = await client.get(path)
            assert answer.status_code == 200, (path, answer.status_code)

        for label, _f, query in CASES:
            await _timed(f"page:    {label}", partial(get, f"/admin/orders?{query}"))
        await _timed("api:     GET /api/v1/orders/stats", lambda: get_api(client, "/api/v1/orders/stats"))
        await _timed("page:    /admin/customers", lambda: get("/admin/customers"))


async def get_api(client: httpx.AsyncClient, path: str) -> None:
    answer = await client.get(path, headers={"Authorization": "Bearer bench"})
    assert answer.status_code == 200, answer.text


async def main() -> None:
    await each_backend(run_backend)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
