"""`chatcart serve --workers N` as an operator runs it: 1, 2 and 4 server processes on PostgreSQL, driven over
loopback sockets by this process, which also plays Telegram's Bot API (so the servers' outbound HTTP is real).

Prints updates/s, webhook latency (p50/p99, from request to answer) and the scaling against one process; the
CPU per update of the servers, of this process (the client) and of PostgreSQL's backends for the bench
database, with each one's share of the cores; and the ceiling: the updates/s at which the three together would
use every core of the machine. On 2 cores the ceiling, not the server count, bounds 2 processes' scaling.
Set CHATCART_BENCH_POSTGRES_URL (and CHATCART_BENCH_REDIS_URL to give the servers Redis for readiness);
CHATCART_BENCH_PROCESSES ("1,2,4"), CHATCART_BENCH_PROCESS_SHOPPERS (1000), CHATCART_BENCH_ROUNDS (1).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import statistics
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.posting import HttpPoster, post
from bench.process_cpu import Meter, children
from bench.telegram_shop import CATALOG, SECRET, STORE, Shopper, button_data
from orders.db import migrate
from orders.db.engine import Database

_SENT = b'{"ok":true,"result":{"message_id":1,"date":0,"chat":{"id":1,"type":"private"}}}'
_ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (
    len(_SENT),
    _SENT,
)
_CHATCART = (sys.executable, "-m", "bot.cli")


@dataclass
class BotApi:
    """Telegram's Bot API on a loopback socket: answers every call, keeps each chat's latest keyboard."""

    keyboards: dict[str, bytes] = field(default_factory=dict)
    arrived: dict[str, asyncio.Event] = field(default_factory=dict)

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    (
                        int(x.split(b":", 1)[1])
                        for x in head.split(b"\r\n")
                        if x.lower().startswith(b"content-length:")
                    ),
                    0,
                )
                body = await reader.readexactly(length)
                if b'"reply_markup"' in body:  # decoded only when it carries buttons a shopper will press
                    chat = str(json.loads(body)["chat_id"])
                    self.keyboards[chat] = body
                    self.arrived.setdefault(chat, asyncio.Event()).set()
                writer.write(_ANSWER)
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    async def callback_for(self, chat: str, label: str) -> str:
        """The button's data from the chat's latest keyboard (waiting for it if the reply is on its way)."""
        event = self.arrived.setdefault(chat, asyncio.Event())
        await event.wait()
        event.clear()
        return button_data(self.keyboards[chat], label)


async def _walk(  # one shopper through the flow, each update after the previous answer
    client: HttpPoster, api: BotApi, shopper: Shopper, ids: itertools.count[int], lat: list[float]
) -> int:
    done = 0
    for step in shopper.steps:
        kind, _, value = step.partition(":")
        update = _update(shopper.chat, next(ids), kind, value)
        if kind == "press":
            update["callback_query"]["data"] = await api.callback_for(str(shopper.chat), value)
        await post(client, update, lat)
        done += 1
    return done


def _update(chat: int, update_id: int, kind: str, value: str) -> dict[str, Any]:
    user = {"id": chat, "is_bot": False, "first_name": "Shopper", "language_code": "en"}
    where = {"id": chat, "type": "private"}
    if kind == "text":
        message = {"message_id": update_id, "date": 1_790_000_000, "chat": where, "from": user, "text": value}
        return {"update_id": update_id, "message": message}
    pressed_on = {"message_id": 1, "date": 1_790_000_000, "chat": where}
    query = {"id": str(update_id), "from": user, "chat_instance": "1", "data": "", "message": pressed_on}
    return {"update_id": update_id, "callback_query": query}


@dataclass
class Result:
    processes: int
    rate: float
    p50: float
    p99: float
    meter: Meter
    updates: int

    def per_update(self, seconds: float) -> float:
        """CPU µs per update."""
        return seconds / self.updates * 1e6

    def cores(self, seconds: float) -> float:
        """CPU seconds per second of the run: 2.0 is the whole of this machine."""
        return seconds / self.meter.elapsed


class Servers:
    """`chatcart serve --workers N` in the background, on a fresh schema."""

    def __init__(self, folder: Path, database: str, redis: str | None, bot_api: int) -> None:
        self.folder = folder
        self.database = database.rsplit("/", 1)[1].partition("?")[0]  # as PostgreSQL backends name it
        self.env = (
            {k: v for k, v in os.environ.items() if not k.startswith("CHATCART_")}
            | {
                "CHATCART_DATABASE_URL": database,
                "CHATCART_STORE_CONFIG": str(folder / "store.toml"),
                "CHATCART_TELEGRAM_TOKEN": "1:BENCH",
                "CHATCART_TELEGRAM_WEBHOOK_SECRET": SECRET,
                "CHATCART_TELEGRAM_API_URL": f"http://127.0.0.1:{bot_api}",
                "CHATCART_TELEGRAM_ADMIN_CHAT_ID": "1",
                "CHATCART_LOG_LEVEL": "INFO",  # the bench waits for each process's "startup complete"
            }
            | ({"CHATCART_REDIS_URL": redis} if redis else {})
        )
        (folder / "store.toml").write_text(STORE)
        (folder / "catalog.csv").write_text(CATALOG)

    async def start(self, processes: int, port: int) -> asyncio.subprocess.Process:
        """Every process started and its application ready; its log is drained in the background."""
        db = Database(self.env["CHATCART_DATABASE_URL"])
        await migrate.empty_postgres(db)
        await db.dispose()
        await self._chatcart("db", "upgrade")
        await self._chatcart("catalog", "import", "catalog.csv")
        server = await asyncio.create_subprocess_exec(
            *_CHATCART,
            "serve",
            "--port",
            str(port),
            "--workers",
            str(processes),
            env=self.env,
            cwd=self.folder,
            stderr=asyncio.subprocess.PIPE,
        )
        assert server.stderr is not None
        ready, listening = 0, False
        while ready < processes or not listening:
            line = await server.stderr.readline()
            if not line:
                raise RuntimeError("chatcart serve stopped while starting")
            ready += b"Application startup complete" in line
            listening = listening or b"Uvicorn running on" in line
        self._drain = asyncio.create_task(_drain(server.stderr))
        return server

    async def _chatcart(self, *args: str) -> None:
        done = await asyncio.create_subprocess_exec(
            *_CHATCART, *args, env=self.env, cwd=self.folder, stdout=asyncio.subprocess.DEVNULL
        )
        if await done.wait():
            raise RuntimeError(f"chatcart {' '.join(args)} failed")


async def _drain(stream: asyncio.StreamReader) -> None:
    while await stream.readline():
        pass


async def one_run(servers: Servers, api: BotApi, processes: int, shoppers: int, first_chat: int) -> Result:
    port = _free_port()
    server = await servers.start(processes, port)
    try:
        client = HttpPoster(port)
        ids = itertools.count(first_chat * 10)
        warm: list[float] = []
        walkers = (_walk(client, api, Shopper(first_chat + i), ids, warm) for i in range(100 * processes))
        await asyncio.gather(*walkers)
        await asyncio.sleep(1)  # the warm-up's admin notices go out before the clock starts
        pids = [p for p in children(server.pid) if p != server.pid] if processes > 1 else [server.pid]
        meter = Meter(pids, servers.database)
        meter.start()
        latencies: list[float] = []
        first = first_chat + 100 * processes
        walkers = (_walk(client, api, Shopper(first + i), ids, latencies) for i in range(shoppers))
        counts = await asyncio.gather(*walkers)
        meter.stop()
        await client.aclose()
    finally:
        server.terminate()
        await server.wait()
    updates = sum(counts)
    cuts = statistics.quantiles(latencies, n=100)
    return Result(processes, updates / meter.elapsed, cuts[49] * 1000, cuts[98] * 1000, meter, updates)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def main() -> None:
    database = os.environ.get("CHATCART_BENCH_POSTGRES_URL")
    if not database:
        print("several processes: skipped (set CHATCART_BENCH_POSTGRES_URL)")
        return
    counts = [int(n) for n in os.environ.get("CHATCART_BENCH_PROCESSES", "1,2,4").split(",")]
    shoppers = int(os.environ.get("CHATCART_BENCH_PROCESS_SHOPPERS", "1000"))
    rounds = int(os.environ.get("CHATCART_BENCH_ROUNDS", "1"))
    api = BotApi()
    bot_api = await asyncio.start_server(api.serve, "127.0.0.1", 0)
    port = bot_api.sockets[0].getsockname()[1]
    print(
        f"several processes over loopback sockets, PostgreSQL, {shoppers} shoppers, this process the client:"
    )
    results: dict[int, list[Result]] = {n: [] for n in counts}
    with tempfile.TemporaryDirectory() as folder:
        servers = Servers(Path(folder), database, os.environ.get("CHATCART_BENCH_REDIS_URL"), port)
        chat = 3_000_000
        for _ in range(rounds):  # interleaved, so that a noisy minute touches every count alike
            for n in counts:
                results[n].append(await one_run(servers, api, n, shoppers, chat))
                chat += 10_000
    bot_api.close()
    _report(results)


def _report(results: dict[int, list[Result]]) -> None:
    """Medians of the rounds: throughput, latency, and each part's CPU per update and share of the cores."""
    print(
        "  processes  updates/s  ratio  p50 ms  p99 ms  ceiling | CPU µs/update: servers client postgres"
        " | cores used: servers client postgres"
    )
    base = statistics.median(r.rate for r in next(iter(results.values())))
    for n, runs in results.items():
        rate = statistics.median(r.rate for r in runs)
        p50, p99 = (statistics.median(getattr(r, cut) for r in runs) for cut in ("p50", "p99"))
        parts = ("server_cpu", "client_cpu", "postgres_cpu")
        per = [statistics.median(r.per_update(getattr(r.meter, part)) for r in runs) for part in parts]
        cores = [statistics.median(r.cores(getattr(r.meter, part)) for r in runs) for part in parts]
        ceiling = (os.cpu_count() or 1) * 1e6 / sum(per)
        print(
            f"  {n:9d}  {rate:9.0f}  ×{rate / base:4.2f}  {p50:6.1f}  {p99:6.1f}  {ceiling:7.0f} | {'':14}"
            + "".join(f"{v:>{w}.0f}" for v, w in zip(per, (8, 7, 9), strict=True))
            + f" | {'':11}"
            + "".join(f"{v:>{w}.2f}" for v, w in zip(cores, (8, 7, 9), strict=True))
        )


if __name__ == "__main__":
    asyncio.run(main())
