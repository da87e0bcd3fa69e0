"""Telegram shoppers walking the whole flow to a confirmed order, through the real webhook handler."""

from __future__ import annotations

import asyncio
import gc
import itertools
import json
import os
import statistics
import tempfile
import time
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from sqlalchemy import Connection, func, select
from starlette.types import ASGIApp

import orders.db.tables  # noqa: F401  (every table, for the clean start)
from bot.setup.settings import Settings
from bot.setup.startup import freeze_startup_heap, prepare_database
from bot.setup.wiring import Services, build_services
from bot.web.app import create_app
from catalog.db.schema import metadata
from catalog.importer import parse_catalog
from orders.db import migrate
from orders.db.tables import outbox
from orders.outbox import OutboxStatus

SECRET = "bench-secret"
STORE = """
[store]
name = "Bench Tea"
currency = "INR"
delivery = ["shipping"]
payment = ["cod"]
[[order_fields]]
name = "delivery_address"
required = true
"""
CATALOG = "sku,name,price,stock\n" + "".join(f"SKU{i},Tea blend {i},{100 + i}.00,\n" for i in range(1, 9))
FLOW = [
    "text:I want to order",
    "press:Tea blend 3",
    "press:2",
    "press:Checkout",
    "text:12 MG Road, Bengaluru",
    "press:Confirm",
    "press:Confirm order",
]


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        line = next(x for x in status if x.startswith("VmRSS"))
    return int(line.split()[1]) / 1024


def peak_rss_mb() -> float:
    with open("/proc/self/status") as status:
        line = next(x for x in status if x.startswith("VmHWM"))
    return int(line.split()[1]) / 1024


_SENT = b'{"ok":true,"result":{"message_id":1,"date":0,"chat":{"id":1,"type":"private"}}}'
_JSON_HEADERS = {"Content-Type": "application/json"}


@dataclass
class FakeTelegram:
    """Answers the Bot API in-process and remembers each chat's latest keyboard."""

    keyboards: dict[str, bytes] = field(default_factory=dict)
    sent: int = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        # The answer is pre-encoded: this fake stands for Telegram's servers, whose work is not ours to time.
        if request.url.path.endswith("/sendMessage"):
            self.sent += 1
            if b'"reply_markup"' in request.content:  # kept as sent, decoded only when a press needs it
                self.keyboards[str(json.loads(request.content)["chat_id"])] = request.content
        return httpx.Response(200, headers=_JSON_HEADERS, content=_SENT)

    def callback_for(self, chat: str, label: str) -> str:
        markup = json.loads(self.keyboards[chat])["reply_markup"]["inline_keyboard"]
        return str(
            next(
                b["callback_data"]
                for row in markup
                for b in row
                if b["text"] == label or b["text"].startswith(f"{label} · ")
            )
        )


@dataclass
class Shopper:
    chat: int
    steps: Iterator[str] = field(default_factory=lambda: iter(FLOW))

    def update(self, update_id: int, fake: FakeTelegram) -> dict[str, Any] | None:
        step = next(self.steps, None)
        if step is None:
            return None
        kind, _, value = step.partition(":")
        user = {"id": self.chat, "is_bot": False, "first_name": "Shopper", "language_code": "en"}
        chat = {"id": self.chat, "type": "private"}
        if kind == "text":
            return {
                "update_id": update_id,
                "message": {
                    "message_id": update_id,
                    "date": 1_790_000_000,
                    "chat": chat,
                    "from": user,
                    "text": value,
                },
            }
        data = fake.callback_for(str(self.chat), value)
        message = {"message_id": 1, "date": 1_790_000_000, "chat": chat}
        return {
            "update_id": update_id,
            "callback_query": {
                "id": str(update_id),
                "from": user,
                "chat_instance": "1",
                "data": data,
                "message": message,
            },
        }


async def _setup(database_url: str, redis_url: str | None, tmp: Path, fake: FakeTelegram) -> Services:
    (tmp / "store.toml").write_text(STORE)
    settings = Settings(
        database_url=database_url,
        redis_url=redis_url,
        store_config=tmp / "store.toml",
        telegram_token="1:BENCH",
        telegram_webhook_secret=SECRET,
        telegram_api_url="http://telegram.invalid",
        telegram_admin_chat_id="1",
    )
    services = build_services(settings, provider_transport=httpx.MockTransport(fake))
    await _start_clean(services, redis_url)
    await prepare_database(services)
    await services.catalog.import_products(parse_catalog(CATALOG, currency="INR", fmt="csv"))
    return services


async def _start_clean(services: Services, redis_url: str | None) -> None:
    """A PostgreSQL or Redis left by an earlier run would make its update ids look like repeats."""
    if not services.db.is_sqlite:

        def wipe(conn: Connection) -> None:
            metadata.drop_all(conn)
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")

        await services.db.write(wipe)
        await migrate.upgrade(services.db)  # what `chatcart db upgrade` does for an operator
    if redis_url is not None and services.redis is not None:
        async for key in services.redis.scan_iter("chatcart:*"):
            await services.redis.delete(key)


# Telegram opens at most `max_connections` (1-100, default 40) to a webhook and queues the rest itself.
TELEGRAM_CONNECTIONS = 100
_connection_slots: dict[asyncio.AbstractEventLoop, asyncio.Semaphore] = {}


def _slots() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    return _connection_slots.setdefault(loop, asyncio.Semaphore(TELEGRAM_CONNECTIONS))


class WebhookFeeder:
    """Calls the app's ASGI entry point the way uvicorn would, minus the socket and HTTP parsing.

    An HTTP client (even httpx's in-process ASGITransport) would cost more CPU than the handler itself
    and be counted against it; `run_http` measures the socket path separately.
    """

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def post(self, update: dict[str, Any]) -> tuple[int, bytes]:
        body = json.dumps(update).encode()
        scope: dict[str, Any] = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": "/webhooks/telegram",
            "raw_path": b"/webhooks/telegram",
            "root_path": "",
            "query_string": b"",
            "headers": [
                (b"host", b"chatcart.bench"),
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"x-telegram-bot-api-secret-token", SECRET.encode()),
            ],
            "client": ("127.0.0.1", 1),
            "server": ("chatcart.bench", 80),
        }
        status = 0
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(event: MutableMapping[str, Any]) -> None:
            nonlocal status
            if event["type"] == "http.response.start":
                status = event["status"]
            elif event["type"] == "http.response.body":
                chunks.append(event.get("body", b""))

        await self._app(scope, receive, send)
        return status, b"".join(chunks)


class HttpPoster:
    """Posts updates over keep-alive loopback connections, like Telegram: at most TELEGRAM_CONNECTIONS
    connections, one request at a time on each. A minimal HTTP/1.1 client, so that the figure shows the
    server's socket and parsing cost rather than a client library's (httpx's pool scan cost more than
    the whole turn)."""

    def __init__(self, port: int) -> None:
        self._port = port
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self._head = (
            "POST /webhooks/telegram HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"X-Telegram-Bot-Api-Secret-Token: {SECRET}\r\n"
        ).encode()

    async def post(self, update: dict[str, Any]) -> tuple[int, bytes]:
        body = json.dumps(update).encode()
        reader, writer = (
            self._idle.pop() if self._idle else await asyncio.open_connection("127.0.0.1", self._port)
        )
        writer.write(self._head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = next(
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        answer = await reader.readexactly(length)
        self._idle.append((reader, writer))
        return status, answer

    async def aclose(self) -> None:
        for _, writer in self._idle:
            writer.close()
            await writer.wait_closed()


Poster = WebhookFeeder | HttpPoster


async def _post(client: Poster, update: dict[str, Any]) -> None:
    async with _slots():
        status, answer = await client.post(update)
    if status != 200:
        raise RuntimeError(f"webhook answered {status}: {answer!r}")


async def saturation(client: Poster, fake: FakeTelegram, shoppers: int, first_chat: int) -> tuple[int, float]:
    """Every shopper walks the flow at once, each update right after the previous answer."""
    ids = itertools.count(first_chat * 10)

    async def walk(shopper: Shopper) -> int:
        done = 0
        while (update := shopper.update(next(ids), fake)) is not None:
            await _post(client, update)
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
        await _post(client, update)
        latencies.append(time.perf_counter() - scheduled)
        ready.append(shopper)

    start = time.perf_counter()
    for n in range(int(rate * seconds)):
        scheduled = start + n / rate
        await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
        while ready:
            shopper = ready.pop(0)
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


async def idle_conversations(client: Poster, fake: FakeTelegram, count: int, first_chat: int) -> float:
    """RSS added by `count` shoppers who said one thing and went quiet (few at a time, like real traffic)."""
    gc.collect()
    before = rss_mb()
    ids = itertools.count(first_chat * 10)
    for start in range(0, count, 50):
        shoppers = [Shopper(first_chat + i) for i in range(start, min(start + 50, count))]
        await asyncio.gather(*(_post(client, s.update(next(ids), fake) or {}) for s in shoppers))
    fake.keyboards.clear()  # the fake Bot API's memory of keyboards is the bench's, not the server's
    gc.collect()
    return rss_mb() - before


async def run(name: str, database_url: str | None, redis_url: str | None, sizes: list[int]) -> None:
    print(f"{name}:")
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        fake = FakeTelegram()
        services = await _setup(database_url or f"sqlite:///{tmp / 'bench.db'}", redis_url, tmp, fake)
        stop = asyncio.Event()
        background = asyncio.create_task(services.worker.run(stop))
        client = WebhookFeeder(create_app(services, run_worker=False))
        freeze_startup_heap()  # what the app's lifespan does once it has started
        await saturation(client, fake, 50, 500_000)  # warm up
        idle = await idle_conversations(client, fake, 10_000, 600_000)
        print(f"  memory: 10,000 idle conversations added {idle:.1f} MB")
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
        services = await _setup(f"sqlite:///{tmp / 'bench.db'}", None, tmp, fake)
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
    if postgres and redis:
        await run("PostgreSQL + Redis", postgres, redis, sizes)
    else:
        print("PostgreSQL + Redis: skipped (set CHATCART_BENCH_POSTGRES_URL and CHATCART_BENCH_REDIS_URL)")
    await run_http(
        "SQLite, driven over HTTP (uvicorn on a loopback socket, client in the same process)", sizes[0]
    )
