"""Webhooks skip FastAPI's entry only while its OpenTelemetry instrumentation is off: an operator who turns
it on sees a span for every webhook, as for every other request."""

from __future__ import annotations

from typing import Any

from opentelemetry import trace  # FastAPI's own dependency, for its native instrumentation

from bench.posting import WebhookFeeder
from bot.web.app import ChatcartApp
from bot.web.direct_routes import RawResponse
from channels.base import WebhookRequest

PATH = "/webhooks/telegram"  # where the benchmark's feeder posts, as a server would hand it over


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
    return RawResponse.json({"seen": request.body.decode()})


async def test_a_webhook_is_traced_when_an_operator_turned_tracing_on() -> None:
    provider = _Provider()
    app = ChatcartApp(telemetry={"tracer_provider": provider, "metrics": False, "logs": False})
    app.direct_routes = {PATH: _answer}
    assert await WebhookFeeder(app).post({"update_id": 1}) == (200, b'{"seen":"{\\"update_id\\":1}"}')
    assert provider.tracer.paths == [PATH]


async def test_a_webhook_is_answered_directly_when_tracing_is_off() -> None:
    app = ChatcartApp(telemetry={"tracing": False, "metrics": False, "logs": False})
    app.direct_routes = {PATH: _answer}
    assert await WebhookFeeder(app).post({"update_id": 2}) == (200, b'{"seen":"{\\"update_id\\":2}"}')
