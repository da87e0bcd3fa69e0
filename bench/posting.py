"""How the benchmark posts updates: to the ASGI app in-process, or over loopback sockets like Telegram."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import MutableMapping
from typing import Any

import orjson
from starlette.types import ASGIApp

from bench.telegram_shop import SECRET

# Telegram opens at most `max_connections` (1-100, default 40) to a webhook and queues the rest itself. The
# benchmark keeps 64 updates in flight, as ../shared/bench-peers does (C = 64), so the two compare.
TELEGRAM_CONNECTIONS = int(os.environ.get("CHATCART_BENCH_IN_FLIGHT", "64"))
_connection_slots: dict[asyncio.AbstractEventLoop, asyncio.Semaphore] = {}


def _slots() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    slots = _connection_slots.get(loop)
    if slots is None:  # made once: a new semaphore per update cost ~2 % of the benchmark's CPU
        slots = _connection_slots[loop] = asyncio.Semaphore(TELEGRAM_CONNECTIONS)
    return slots


class WebhookFeeder:
    """Calls the app's ASGI entry point the way uvicorn would, minus the socket and HTTP parsing.

    An HTTP client (even httpx's in-process ASGITransport) would cost more CPU than the handler itself
    and be counted against it; `run_http` measures the socket path separately.
    """

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def post(self, update: dict[str, Any]) -> tuple[int, bytes]:
        # orjson: the peers' feeder posts updates it read already encoded, and spends nothing on this.
        body = orjson.dumps(update)
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
        body = orjson.dumps(update)
        request = self._head + b"Content-Length: %d\r\n\r\n" % len(body) + body
        if self._idle:
            try:  # the server may have closed a connection that sat idle past its keep-alive
                return await self._exchange(self._idle.pop(), request)
            except (asyncio.IncompleteReadError, ConnectionError):
                pass
        return await self._exchange(await asyncio.open_connection("127.0.0.1", self._port), request)

    async def _exchange(
        self, connection: tuple[asyncio.StreamReader, asyncio.StreamWriter], request: bytes
    ) -> tuple[int, bytes]:
        reader, writer = connection
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = next(
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        answer = await reader.readexactly(length)
        self._idle.append(connection)
        return status, answer

    async def aclose(self) -> None:
        for _, writer in self._idle:
            writer.close()
            await writer.wait_closed()


Poster = WebhookFeeder | HttpPoster


async def post(client: Poster, update: dict[str, Any], latencies: list[float] | None = None) -> None:
    """Posts once a connection is free; `latencies` gets the webhook's time from request to answer."""
    async with _slots():
        start = time.perf_counter()
        status, answer = await client.post(update)
        if latencies is not None:
            latencies.append(time.perf_counter() - start)
    if status != 200:
        raise RuntimeError(f"webhook answered {status}: {answer!r}")
