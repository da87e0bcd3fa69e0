"""Telegram shoppers walking the whole flow to a confirmed order, through the real webhook handler."""

from __future__ import annotations

import asyncio
import gc
import itertools
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import uvicorn
from sqlalchemy import Connection, func, select
from sqlalchemy.ext.asyncio import create_async_engine

from bench.posting import HttpPoster, Poster, WebhookFeeder, post
from bench.telegram_shop import FakeTelegram, Shopper, setup
from bot.setup.startup import freeze_startup_heap
from bot.setup.wiring import Services
from bot.web.app import create_app
from orders.db.tables import outbox
from orders.outbox import OutboxStatus


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        line = next(x for x in status if x.startswith("VmRSS"))
    return int(line.split()[1]) / 1024


def peak_rss_mb() -> float:
    with open("/proc/self/status") as status:
        line = next(x for x in status if x.startswith("VmHWM"))
    return int(line.split()[1]) / 1024


async def saturation(client: Poster, fake: FakeTelegram, shoppers: int, first_chat: int) -> tuple[int, float]:
    """Every shopper walks the flow at once, each update right after the previous answer."""
    ids = itertools.count(first_chat * 10)

    async def walk(shopper: Shopper) -> int:
        done = 0
        while (update := shopper.update(next(ids), fake)) is not None:
            await post(client, update)
            done += 1
        return done

    start = time.perf_counter()
    counts = await asyncio.gather(*(walk(Shopper(first_chat + i)) for i in range(shoppers)))
    return sum(counts), time.perf_counter() - start


async def open_loop(
    client: Poster, fake: FakeTelegram, first_chat: int, *, rate: float, seconds: float
) -> list[float]:
    """Offer `rate` updates/s on a fixed schedule whatever the answers; latency counts from that schedule."""
    shoppers = int(rate * seconds)  # enough that a shopper is always free to send
    ids = itertools.count(first_chat * 10)
    ready = [Shopper(first_chat + i) for i in range(shoppers)]
    latencies: list[float] = []
    tasks: set[asyncio.Task[None]] = set()

    async def send(shopper: Shopper, update: dict[str, Any], scheduled: float) -> None:
        await post(client, update)
        latencies.append(time.perf_counter() - scheduled)
        ready.append(shopper)

    start = time.perf_counter()
    for n in range(int(rate * seconds)):
        scheduled = start + n / rate
        await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
        while ready:
            # The shopper answered last goes on first, a new one starts only when none is waiting: the
            # offered updates are whole walks through the flow, the mix saturation measures. (Taking new
            # shoppers first made nearly every update a first message, the costliest turn.)
            shopper = ready.pop()
            update = shopper.update(next(ids), fake)
            if update is not None:
                task = asyncio.create_task(send(shopper, update, scheduled))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                break
    await asyncio.gather(*tasks)
    return latencies


def _ms(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] * 1000 if len(values) > 1 else float("nan")


async def _outbox_drained(services: Services) -> None:
    """Wait until the relay has sent what earlier phases left (admin and status messages of their
    orders), so that a latency phase measures a steady load rather than the catch-up after a burst."""

    def pending(conn: Connection) -> int:
        query = select(func.count()).select_from(outbox).where(outbox.c.status == OutboxStatus.PENDING.value)
        return int(conn.execute(query).scalar_one())

    while await services.db.read(pending):  # noqa: ASYNC110 (the outbox is a table: poll its count)
        await asyncio.sleep(0.2)


async def _as_autovacuum_keeps_it(services: Services) -> None:
    """PostgreSQL: the tables as autovacuum keeps those of a shop that has been running (a server may run
    with it off, as this machine's does): dead rows reclaimed, and statistics current. Without them the
    plans cached while the tables were empty scan the 10,000 conversations on every batch."""
    if services.db.is_sqlite:
        return
    engine = create_async_engine(services.db.url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.exec_driver_sql("VACUUM ANALYZE")
    finally:
        await engine.dispose()


async def idle_conversations(client: Poster, fake: FakeTelegram, count: int, first_chat: int) -> float:
    """RSS added by `count` shoppers who said one thing and went quiet (few at a time, like real traffic)."""
    gc.collect()
    before = rss_mb()
    ids = itertools.count(first_chat * 10)
    for start in range(0, count, 50):
        shoppers = [Shopper(first_chat + i) for i in range(start, min(start + 50, count))]
        await asyncio.gather(*(post(client, s.update(next(ids), fake) or {}) for s in shoppers))
    fake.keyboards.clear()  # the fake Bot API's memory of keyboards is the bench's, not the server's
    gc.collect()
    return rss_mb() - before


async def run(name: str, database_url: str | None, redis_url: str | None, sizes: list[int]) -> None:
    print(f"{name}:")
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        fake = FakeTelegram()
        services = await setup(database_url or f"sqlite:///{tmp / 'bench.db'}", redis_url, tmp, fake)
        stop = asyncio.Event()
        background = asyncio.create_task(services.worker.run(stop))
        client = WebhookFeeder(create_app(services, run_worker=False))
        freeze_startup_heap()  # what the app's lifespan does once it has started
        await saturation(client, fake, 50, 500_000)  # warm up
        idle = await idle_conversations(client, fake, 10_000, 600_000)
        print(f"  memory: 10,000 idle conversations added {idle:.1f} MB")
        await _as_autovacuum_keeps_it(services)
        first, best = 1_000_000, 0.0
        for size in sizes:
            updates, elapsed = await saturation(client, fake, size, first)
            first += size
            best = max(best, updates / elapsed)
            print(
                f"  saturation, {size:>6} shoppers at once: {updates / elapsed:8.0f} updates/s "
                f"({updates} updates, {size} confirmed orders, {elapsed:.1f} s)"
            )
        for rate in (1000.0, round(best * 0.7, -1)):
            await _outbox_drained(services)
            latencies = await open_loop(client, fake, first, rate=rate, seconds=8)
            first += int(rate * 8) + 1
            print(
                f"  open loop, {rate:5.0f} updates/s offered: p50 {_ms(latencies, 50):8.1f} ms   "
                f"p99 {_ms(latencies, 99):8.1f} ms   ({len(latencies)} updates)"
            )
        print(f"  peak RSS {peak_rss_mb():.0f} MB (includes {max(sizes)} requests in flight at once)")
        stop.set()
        await background
        await services.aclose()


async def run_http(name: str, shoppers: int) -> None:
    """The same flow against the server on a loopback socket: what HTTP parsing and sockets add."""
    print(f"{name}:")
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        fake = FakeTelegram()
        services = await setup(f"sqlite:///{tmp / 'bench.db'}", None, tmp, fake)
        # Keep-alive longer than the run: otherwise uvicorn may close a connection the client is reusing.
        config = uvicorn.Config(
            create_app(services), host="127.0.0.1", port=0, log_level="warning", timeout_keep_alive=600
        )
        server = uvicorn.Server(config)
        task = asyncio.create_task(server.serve())
        while not server.started:  # noqa: ASYNC110 (uvicorn exposes only this flag)
            await asyncio.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        client = HttpPoster(port)
        updates, elapsed = await saturation(client, fake, shoppers, 2_000_000)
        await client.aclose()
        rate = updates / elapsed
        print(f"  saturation over HTTP, {shoppers} shoppers: {rate:8.0f} updates/s ({elapsed:.1f} s)")
        server.should_exit = True
        await task


async def main() -> None:
    sizes = [int(s) for s in os.environ.get("CHATCART_BENCH_SHOPPERS", "1000,10000").split(",")]
    await run("SQLite (WAL), every turn committed before its reply", None, None, sizes)
    postgres = os.environ.get("CHATCART_BENCH_POSTGRES_URL")
    redis = os.environ.get("CHATCART_BENCH_REDIS_URL")
    if postgres:  # Redis is not on the turn's path; given, the servers check it for readiness
        await run("PostgreSQL" + (" + Redis" if redis else ""), postgres, redis, sizes)
    else:
        print("PostgreSQL: skipped (set CHATCART_BENCH_POSTGRES_URL)")
    await run_http(
        "SQLite, driven over HTTP (uvicorn on a loopback socket, client in the same process)", sizes[0]
    )
