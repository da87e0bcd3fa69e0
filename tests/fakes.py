"""Fakes: a real HTTP server on 127.0.0.1 that records requests and answers from a script (provider APIs),
and a chat channel that records what it was asked to send."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import uvicorn
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.delivery.rendering import MessageRenderer
from bot.delivery.senders import ChatMessageSender
from bot.delivery.windows import ServiceWindows, WindowedSend
from channels.base import BaseChannel
from flows.messages import OutboundMessage
from orders.db.engine import Database
from orders.store import StoreConfig


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class FakeServer:
    """Answers each request with the next scripted (status, json) pair, then 200 {} forever."""

    script: list[tuple[int, object]] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)
    url: str = ""
    respond: Callable[[Recorded], tuple[int, object]] | None = None  # answers by request, after the script

    async def __call__(self, scope: dict[str, object], receive: object, send: object) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)  # type: ignore[arg-type]
        body = await request.body()
        recorded = Recorded(request.method, request.url.path, dict(request.headers), body)
        self.requests.append(recorded)
        if self.script:
            status, payload = self.script.pop(0)
        else:
            status, payload = self.respond(recorded) if self.respond else (200, {})
        response: Response = JSONResponse(payload, status_code=status)
        await response(scope, receive, send)  # type: ignore[arg-type]


@contextlib.asynccontextmanager
async def serve_asgi(app: Any, *, lifespan: bool = True) -> AsyncIterator[str]:
    """Run an ASGI app under uvicorn on a free loopback port; yields its base URL."""
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, log_level="warning", lifespan="on" if lifespan else "off"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 (uvicorn exposes only this flag)
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@contextlib.asynccontextmanager
async def serve_fake(fake: FakeServer) -> AsyncIterator[FakeServer]:
    """Run `fake` on a free loopback port for the duration of the block."""
    async with serve_asgi(fake, lifespan=False) as url:
        fake.url = url
        yield fake


class RecordingChannel(BaseChannel):
    """Stands in for a chat channel without a window: keeps every message it was asked to send."""

    def __init__(self, name: str = "telegram") -> None:
        self.name = name  # type: ignore[misc]  # per instance here, a class constant in real adapters
        self.messages: list[OutboundMessage] = []

    @property
    def sent(self) -> list[tuple[str, str]]:
        return [(m.key.user_id, m.text) for m in self.messages]

    async def send(self, message: OutboundMessage) -> None:
        self.messages.append(message)


def chat_sender(
    db: Database, clock: Callable[[], datetime], *channels: RecordingChannel
) -> ChatMessageSender:
    """The relay's chat sender over recording channels."""
    windowed = WindowedSend(ServiceWindows(db), StoreConfig(), clock)
    return ChatMessageSender(MessageRenderer(), {c.name: c for c in channels}, windowed)
