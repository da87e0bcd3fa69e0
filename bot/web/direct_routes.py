"""Webhook routes answered in plain ASGI, in front of FastAPI: provider traffic is the hot path.

FastAPI's per-request machinery (middleware stack, routing, dependency solving, response classes) cost
about 0.2 ms per webhook call (`make bench`), as much as the turn's SQL. Webhooks need none of it: they
read the raw body (signatures are checked on it), answer with a small JSON or text body, and are not part
of the REST API's OpenAPI document. Every other request goes to FastAPI untouched.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
import prometheus_client
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.web.headers import RAW_HEADERS
from channels.base import WebhookRequest

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # provider updates are a few KB; anything bigger is not one

WEBHOOK_ANSWERS = prometheus_client.Counter(
    "chatcart_webhook_answers", "Webhook calls answered, by path and HTTP status.", ["path", "status"]
)


@functools.cache
def _answers(path: str, status: int) -> prometheus_client.Counter:
    # Bounded: `path` is always one of the routes, never a path a caller made up.
    return WEBHOOK_ANSWERS.labels(path, str(status))


@dataclass(frozen=True, slots=True)
class RawResponse:
    """A small answer written straight to the ASGI `send`."""

    status: int
    body: bytes
    content_type: bytes = b"application/json"

    @classmethod
    def json(cls, payload: object, status: int = 200) -> RawResponse:
        return cls(status, orjson.dumps(payload))


Handler = Callable[[WebhookRequest], Awaitable[RawResponse]]


def error_response(status: int, message: str, code: str) -> RawResponse:
    """The REST API's error shape, `{"error", "code"}`, for webhook callers too."""
    return RawResponse.json({"error": message, "code": code}, status)


class DirectRoutes:
    """ASGI middleware: exact paths in `routes` are answered here, everything else by `app`."""

    def __init__(self, app: ASGIApp, routes: Mapping[str, Handler]) -> None:
        self._app = app
        self._routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = self._routes.get(scope["path"]) if scope["type"] == "http" else None
        if handler is None:
            await self._app(scope, receive, send)
            return
        body = await _read_body(receive)
        if body is None:
            response = error_response(413, f"request body over {MAX_BODY} bytes", "too_large")
        else:
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
            request = WebhookRequest(scope["method"], headers, scope.get("query_string", b""), body)
            try:
                response = await handler(request)
            except Exception:  # a bug must still answer: the provider retries a 5xx, and the claim dedupes
                log.exception("%s %s failed", scope["method"], scope["path"])
                response = error_response(500, "internal error", "internal")
        _answers(scope["path"], response.status).inc()
        await _respond(send, response)


async def _read_body(receive: Receive) -> bytes | None:
    """The whole body, or None once it passes MAX_BODY (the rest is not read)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message: Message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


async def _respond(send: Send, response: RawResponse) -> None:
    headers: list[tuple[bytes, bytes]] = [
        (b"content-type", response.content_type),
        (b"content-length", str(len(response.body)).encode()),
        *RAW_HEADERS,
    ]
    start: dict[str, Any] = {"type": "http.response.start", "status": response.status, "headers": headers}
    await send(start)
    await send({"type": "http.response.body", "body": response.body})
