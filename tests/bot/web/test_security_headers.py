"""Every answer tells the browser not to sniff, refer or frame it and what it may load; the web chat page
runs only its own script and style."""

from __future__ import annotations

import re

import httpx
import pytest

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
