"""A fake Telegram Bot API on a fixed loopback port that can go down, hang, fail or rate-limit on demand."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import orjson
import uvicorn


class Fault(StrEnum):
    """How the Bot API answers `sendMessage` right now."""

    OK = "ok"
    DOWN = "down"  # nothing listens: connections are refused
    SLOW = "slow"  # answers, but only after `slow_seconds`
    ERROR = "5xx"  # 502 Bad Gateway, as Telegram's front ends answer during an incident
    RATE_LIMIT = "429"  # 429 with parameters.retry_after


@dataclass(frozen=True, slots=True)
class Delivered:
    """One message the Bot API took (answered 200), with when it took it."""

    chat_id: str
    text: str
    buttons: tuple[tuple[str, str], ...]  # (label, callback data)
    at: float


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class FakeBotApi:
    """Records every message it accepted; `fault` decides how it answers."""

    port: int = field(default_factory=free_port)
    fault: Fault = Fault.OK  # set from the drill's thread, read by the fake's: a plain attribute suffices
    slow_seconds: float = 3.0
    retry_after: int = 3
    delivered: list[Delivered] = field(default_factory=list)
    refused: int = 0  # answers other than 200 (5xx, 429)
    _server: uvicorn.Server | None = None
    _task: asyncio.Task[None] | None = None
    _thread_loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def inbox(self, chat_id: int | str) -> list[Delivered]:
        return [d for d in self.delivered if d.chat_id == str(chat_id)]

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            event = await receive()
            body += event.get("body", b"")
            if not event.get("more_body"):
                break
        status, answer = await self._answer(str(scope["path"]), body)
        data = orjson.dumps(answer)
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": data})

    async def _answer(self, path: str, body: bytes) -> tuple[int, dict[str, Any]]:
        if self.fault is Fault.SLOW:
            await asyncio.sleep(self.slow_seconds)
        if self.fault is Fault.ERROR:
            self.refused += 1
            return 502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}
        if self.fault is Fault.RATE_LIMIT:
            self.refused += 1
            retry = {"retry_after": self.retry_after}
            return 429, {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests",
                "parameters": retry,
            }
        if not path.endswith("/sendMessage"):
            return 200, {"ok": True, "result": True}
        params = orjson.loads(body)
        markup = (params.get("reply_markup") or {}).get("inline_keyboard", [])
        buttons = tuple((b["text"], b["callback_data"]) for row in markup for b in row)
        self.delivered.append(
            Delivered(str(params["chat_id"]), str(params["text"]), buttons, time.monotonic())
        )
        chat = {"id": int(params["chat_id"]), "type": "private"}
        message = {"message_id": len(self.delivered), "date": int(time.time()), "chat": chat}
        return 200, {"ok": True, "result": message | {"text": params["text"]}}

    def _loop(self) -> asyncio.AbstractEventLoop:
        """The fake's own event loop, in a thread: it takes messages when they come, however busy the
        drill's shoppers keep the main loop (its timestamps are what the delays are measured by)."""
        if self._thread_loop is None:
            loop = asyncio.new_event_loop()
            self._thread = threading.Thread(target=loop.run_forever, name="fake-bot-api", daemon=True)
            self._thread.start()
            self._thread_loop = loop
        return self._thread_loop

    async def _in_thread(self, job: Coroutine[Any, Any, None]) -> None:
        await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(job, self._loop()))

    async def start(self) -> None:
        """Listen (again) on the same port."""
        await self._in_thread(self._start())
        self.fault = Fault.OK

    async def _start(self) -> None:
        config = uvicorn.Config(self, host="127.0.0.1", port=self.port, log_level="error", lifespan="off")
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            if self._task.done():
                await self._task
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        """Stop listening: every connection is refused until `start`."""
        await self._in_thread(self._stop())

    async def _stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._server = self._task = None

    async def go_down(self) -> None:
        await self.stop()
        self.fault = Fault.DOWN

    async def close(self) -> None:
        """Stop listening and end the fake's thread."""
        await self.stop()
        if self._thread_loop is not None and self._thread is not None:
            self._thread_loop.call_soon_threadsafe(self._thread_loop.stop)
            await asyncio.to_thread(self._thread.join)
            self._thread_loop.close()
            self._thread_loop = self._thread = None
