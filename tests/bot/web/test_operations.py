"""/healthz, /readyz and /metrics on the real app, as a load balancer and Prometheus call them."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.setup.settings import Settings
from bot.setup.startup import prepare_database
from bot.setup.wiring import Services, build_services
from bot.web.app import create_app
from orders.commands import ChangeStatus, LineRequest, PlaceOrder
from orders.status import OrderStatus
from tests.conftest import REDIS_URL, STORE_TOML, Clock

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(api: httpx.AsyncClient) -> Samples:
    response = await api.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    families = text_string_to_metric_families(response.text)
    return {(s.name, frozenset(s.labels.items())): s.value for f in families for s in f.samples}


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


@contextlib.asynccontextmanager
async def serving(
    tmp_path: Path, database: Path, redis_url: str | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    """The app over the SQLite file `database` (migrated when its directory exists), Redis if given."""
    (tmp_path / "store.toml").write_text(STORE_TOML)
    settings = Settings(
        database_url=f"sqlite:///{database}", store_config=tmp_path / "store.toml", redis_url=redis_url
    )
    services = build_services(settings)
    if database.parent.is_dir():
        await prepare_database(services)
    transport = httpx.ASGITransport(app=create_app(services, run_worker=False))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://chatcart.test") as client:
            yield client
    finally:
        await services.aclose()


async def test_healthz_answers_while_the_database_does_not_and_readyz_says_why_not(tmp_path: Path) -> None:
    async with serving(tmp_path, tmp_path / "missing" / "shop.db") as app:
        assert (await app.get("/healthz")).json() == {"status": "ok"}
        ready = await app.get("/readyz")
        metrics = await scrape(app)
    assert ready.status_code == 503
    body = ready.json()
    assert (
        body["code"] == "not_ready" and body["error"] == "not ready: database unavailable: OperationalError"
    )
    assert body["checks"] == {"database": "unavailable: OperationalError", "redis": "not configured"}
    assert body["outbox"] is None
    assert value(metrics, "chatcart_database_up") == 0


async def test_readyz_is_503_when_the_configured_redis_does_not_answer(tmp_path: Path) -> None:
    async with serving(tmp_path, tmp_path / "shop.db", redis_url="redis://127.0.0.1:1/0") as app:
        ready = await app.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"] == {"database": "ok", "redis": "unavailable: ConnectionError"}
    assert ready.json()["outbox"] == {"pending": 0, "oldest_pending_seconds": None}


@pytest.mark.redis
@pytest.mark.skipif(REDIS_URL is None, reason="CHATCART_TEST_REDIS_URL not set")
async def test_readyz_is_200_when_the_configured_redis_answers(tmp_path: Path) -> None:
    async with serving(tmp_path, tmp_path / "shop.db", redis_url=REDIS_URL) as app:
        ready = await app.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"] == {"database": "ok", "redis": "ok"}


async def test_readyz_reports_the_outbox_backlog_and_how_long_its_oldest_message_waited(
    api: httpx.AsyncClient, services: Services, clock: Clock
) -> None:
    assert (await api.get("/readyz")).json() == {
        "status": "ready",
        "checks": {"database": "ok", "redis": "not configured"},
        "outbox": {"pending": 0, "oldest_pending_seconds": None},
    }
    placed = await services.orders.place(PlaceOrder((LineRequest(1, "TEA"),), delivery_address="x"))
    # The worker does not run here: the customer's notification of the move waits in the outbox.
    await services.orders.change_status(ChangeStatus(placed.order.number, OrderStatus.CONFIRMED, "ops"))
    clock.advance(seconds=90)
    await services.orders.change_status(ChangeStatus(placed.order.number, OrderStatus.SHIPPED, "ops"))
    ready = await api.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["outbox"] == {"pending": 2, "oldest_pending_seconds": 90.0}


async def test_metrics_count_turns_webhook_answers_orders_placed_and_the_outbox_by_channel(
    api: httpx.AsyncClient, services: Services
) -> None:
    before = await scrape(api)
    message = {"session": "metrics-session", "id": "message-0001", "text": "2 chai"}
    for _ in range(2):  # the second is a redelivery: processed once
        assert (await api.post("/chat/api/messages", json=message)).status_code == 200
    refused = await api.post("/webhooks/telegram", content=b"{}")
    await services.orders.place(PlaceOrder((LineRequest(1, "TEA"),), channel="website", delivery_address="x"))
    after = await scrape(api)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("chatcart_turns_total", channel="web", outcome="ok") == 1
    assert grew("chatcart_turns_total", channel="web", outcome="repeat") == 1
    assert grew("chatcart_turn_seconds_count", channel="web") == 2
    assert grew("chatcart_turn_seconds_bucket", channel="web", le="+Inf") == 2
    answered = {"path": "/webhooks/telegram", "status": str(refused.status_code)}
    assert grew("chatcart_webhook_answers_total", **answered) == 1
    assert grew("chatcart_orders_placed_total", channel="website") == 1
    # Both replies to "2 chai" went to the web chat: each is in the outbox under one status or another.
    web = {s: value(after, "chatcart_outbox_messages", channel="web", status=s) for s in ("pending", "sent")}
    assert sum(web.values()) == 2
    assert value(after, "chatcart_outbox_messages", channel="web", status="failed") == 0
    assert value(after, "chatcart_database_up") == 1
    assert value(after, "chatcart_outbox_oldest_pending_age_seconds") >= 0
