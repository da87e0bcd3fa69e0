"""The dashboard's conversations over 100,000 conversations (a third of them with orders, each with messages
sent): server time and CPU time of each kind of read, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, text

from bench.backends import each_backend
from bench.orders_list import _order
from bot.conversations.sql import conversations
from bot.inbox.service import Inbox
from orders.db import migrate
from orders.db.engine import Database
from orders.db.tables import orders, outbox

CONVERSATIONS = int(os.environ.get("CHATCART_BENCH_CONVERSATIONS", "100000"))
RUNS = 15
CHUNK = 5000
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
CHANNELS = ("telegram", "whatsapp", "messenger", "instagram", "web")
STEPS = ("idle", "choosing_product", "cart_menu", "order_field", "summary")


def _conversation(i: int) -> dict[str, Any]:
    cart = [["TEA", "Masala chai", 1 + i % 3, 12000, {}]] if i % 2 else []
    data = {"language": "en", "state": STEPS[i % len(STEPS)], "cart": cart, "answers": {}, "known": {}}
    if i % 4 == 0:
        data["known"] = {"phone": f"+91 97{i:08d}"}
    at = NOW - timedelta(seconds=i * 7)
    return {"channel": CHANNELS[i % 5], "user_id": str(10_000_000 + i), "data": data, "version": 1,
            "last_inbound_at": at, "updated_at": at}  # fmt: skip


def _rows(start: int, end: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    convs = [_conversation(i) for i in range(start, end)]
    placed, sent = [], []
    for i in range(start, end):
        lead = {"lead_channel": CHANNELS[i % 5], "lead_user_id": str(10_000_000 + i)}
        if i % 3 == 0:
            order = _order(i, random.Random(i)) | lead | {"channel": lead["lead_channel"], "source": "chat"}
            order |= {"id": i + 1, "number": 1001 + i, "customer_name": f"Customer {i}", "customer_email": ""}
            placed.append(order)
        for m in range(3):
            sent.append({
                "kind": "customer_message", "recipient": f"{lead['lead_channel']}:{lead['lead_user_id']}",
                "payload": {"text": f"Reply {m}", "choices": []}, "dedupe_key": f"bench:{i}:{m}",
                "status": "sent", "attempts": 1, "due_at": NOW, "last_error": "", "created_at": NOW,
                "sent_at": NOW, "channel": lead["lead_channel"],
            })  # fmt: skip
    return convs, placed, sent


async def _seed(db: Database) -> None:
    for start in range(0, CONVERSATIONS, CHUNK):
        convs, placed, sent = _rows(start, min(start + CHUNK, CONVERSATIONS))

        def insert(c: Connection, convs: Any = convs, placed: Any = placed, sent: Any = sent) -> None:
            c.execute(conversations.insert(), convs)
            if placed:
                c.execute(orders.insert(), placed)
            c.execute(outbox.insert(), sent)

        await db.write(insert)
    tables = ("",) if db.is_sqlite else ("conversations", "orders", "outbox")

    def analyse(c: Connection) -> None:
        for table in tables:
            c.execute(text(f"ANALYZE {table}"))

    await db.write(analyse)


async def _timed(label: str, call: Callable[[], Awaitable[object]]) -> None:
    await call()
    took, cpu = [], []
    for _ in range(RUNS):
        start, start_cpu = time.perf_counter(), time.process_time()
        await call()
        took.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    print(
        f"  {label:<44} median {statistics.median(took):6.1f} ms"
        f"  (this process's CPU {statistics.median(cpu):5.1f} ms)"
    )


async def run_backend(name: str, url: str) -> None:
    print(
        f"{name}, {CONVERSATIONS:,} conversations (load {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs):"
    )
    db = Database(url)
    if not db.is_sqlite:
        await migrate.empty_postgres(db)
    await migrate.upgrade(db)
    await _seed(db)
    inbox = Inbox(db, "INR")
    try:
        await _timed("newest activity first, page 1 of 25", lambda: inbox.page("", "", 1, 25))
        await _timed("page 400 of 25", lambda: inbox.page("", "", 400, 25))
        await _timed("channel whatsapp, page 1", lambda: inbox.page("whatsapp", "", 1, 25))
        await _timed("search: a name (from orders)", lambda: inbox.page("", "customer 1234", 1, 25))
        await _timed("search: part of a phone", lambda: inbox.page("", "97000123", 1, 25))
        await _timed("search: nobody", lambda: inbox.page("", "zebedee", 1, 25))
        await _timed("one conversation", lambda: inbox.one("telegram", "10001230"))
    finally:
        await db.dispose()


async def main() -> None:
    await each_backend(run_backend)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
