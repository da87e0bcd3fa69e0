"""Every answer tells the browser not to sniff, refer or frame it and what it may load; the web chat page
runs only its own script and style; the web chat is served only when CHATCART_WEB_CHAT is on."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest

from bot.setup.settings import Settings
from bot.setup.wiring import Services, build_services
from bot.web.app import create_app
from tests.conftest import Clock

WEBHOOK = "/webhooks/telegram"  # answered in plain ASGI, ahead of FastAPI
# Headers do not depend on the database: these run on SQLite only.
sqlite_only = pytest.mark.parametrize("db", ["sqlite"], indirect=True)


@sqlite_only
@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/healthz", 200),
        ("GET", "/api/v1/orders", 200),
        ("GET", "/api/v1/orders/export.csv", 200),
        ("GET", "/api/v1/orders/9999", 404),
        ("GET", "/api/v1/orders/x", 422),
        ("DELETE", "/api/v1/orders", 405),
        ("GET", "/no-such-page", 404),
        ("GET", "/openapi.json", 200),
        ("GET", "/chat/api/messages?session=session-1", 200),
        ("POST", WEBHOOK, 404),  # Telegram is not configured here
    ],
)
async def test_every_answer_carries_the_security_headers(
    api: httpx.AsyncClient, method: str, path: str, status: int
) -> None:
    response = await api.request(method, path)
    assert response.status_code == status
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-frame-options"] == "DENY"
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy


@sqlite_only
async def test_an_unauthenticated_api_call_carries_them_too(api: httpx.AsyncClient) -> None:
    response = await api.get("/api/v1/orders", headers={"Authorization": ""})
    assert response.status_code == 401
    assert response.headers["content-security-policy"].startswith("default-src 'none'")


@sqlite_only
async def test_the_chat_page_runs_only_its_own_script_and_style_by_a_fresh_nonce(
    api: httpx.AsyncClient,
) -> None:
    first, second = await api.get("/chat"), await api.get("/chat")
    policy = first.headers["content-security-policy"]
    assert "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    [nonce] = re.findall(r"script-src 'nonce-([\w-]+)'", policy)
    assert f"style-src 'nonce-{nonce}'" in policy
    assert re.findall(r"<(script|style)( nonce=\"[^\"]*\")?>", first.text) == [
        ("style", f' nonce="{nonce}"'),
        ("script", f' nonce="{nonce}"'),
    ]
    assert nonce not in second.headers["content-security-policy"]
    assert first.headers["x-content-type-options"] == "nosniff"


@pytest.fixture
async def web_chat_off(settings: Settings, clock: Clock) -> AsyncIterator[httpx.AsyncClient]:
    services: Services = build_services(settings.model_copy(update={"web_chat": False}), clock=clock)
    transport = httpx.ASGITransport(app=create_app(services, run_worker=False))
    async with httpx.AsyncClient(transport=transport, base_url="http://chatcart.test") as client:
        yield client
    await services.aclose()


@sqlite_only
@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/chat"), ("POST", "/chat/api/messages"), ("GET", "/chat/api/messages?session=session-1")],
)
async def test_the_web_chat_is_not_there_when_off(
    web_chat_off: httpx.AsyncClient, method: str, path: str
) -> None:
    body = {"session": "session-1", "id": "message-1", "text": "2 chai"}
    response = await web_chat_off.request(method, path, json=body if method == "POST" else None)
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


@pytest.mark.parametrize(("value", "on"), [(None, False), ("on", True), ("off", False), ("ON", True)])
def test_chatcart_web_chat_is_off_unless_turned_on(
    monkeypatch: pytest.MonkeyPatch, value: str | None, on: bool
) -> None:
    if value is None:
        monkeypatch.delenv("CHATCART_WEB_CHAT", raising=False)
    else:
        monkeypatch.setenv("CHATCART_WEB_CHAT", value)
    assert Settings().web_chat is on
