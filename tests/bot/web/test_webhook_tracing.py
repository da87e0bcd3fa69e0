"""Webhooks skip FastAPI's entry only while its OpenTelemetry instrumentation is off: an operator who turns
it on sees a span for every webhook, as for every other request."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from opentelemetry import trace  # FastAPI's own dependency, for its native instrumentation

from bot.web.app import ChatcartApp
from bot.web.direct_routes import RawResponse
from channels.base import WebhookRequest


class _Tracer(trace.Tracer):
    """Remembers the path of every span started (FastAPI takes a no-op tracer for tracing off)."""

    def __init__(self) -> None:
        self.paths: list[str] = []

    def start_span(self, name: str, *args: Any, **kwargs: Any) -> Any:
        self.paths.append((kwargs.get("attributes") or {}).get("url.path", name))
        return trace.NonRecordingSpan(trace.INVALID_SPAN_CONTEXT)

    def start_as_current_span(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError  # FastAPI starts its spans with start_span


class _Provider(trace.TracerProvider):
    def __init__(self) -> None:
        self.tracer = _Tracer()

    def get_tracer(self, *args: Any, **kwargs: Any) -> Any:
        return self.tracer


async def _answer(request: WebhookRequest) -> RawResponse:
    return RawResponse.json({"ok": True})


async def _post(app: ChatcartApp, path: str) -> int:
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"content-type", b"application/json")],
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
    }
    messages: list[MutableMapping[str, Any]] = [{"type": "http.request", "body": b"{}", "more_body": False}]
    sent: list[MutableMapping[str, Any]] = []

    async def receive() -> MutableMapping[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return int(sent[0]["status"])


async def test_a_webhook_is_traced_when_an_operator_turned_tracing_on() -> None:
    provider = _Provider()
    app = ChatcartApp(telemetry={"tracer_provider": provider, "metrics": False, "logs": False})
    app.direct_routes = {"/webhooks/telegram": _answer}
    assert await _post(app, "/webhooks/telegram") == 200
    assert provider.tracer.paths == ["/webhooks/telegram"]


async def test_a_webhook_is_answered_directly_when_tracing_is_off() -> None:
    app = ChatcartApp(telemetry={"tracing": False, "metrics": False, "logs": False})
    app.direct_routes = {"/webhooks/telegram": _answer}
    assert await _post(app, "/webhooks/telegram") == 200
    assert await _post(app, "/nowhere") == 404
