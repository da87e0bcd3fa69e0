"""A new user's first session: `chatcart serve` as a real process, driven over HTTP like with curl."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import STORE_TOML
from tests.fakes import FakeServer, serve_fake

TOKEN = "e2e-token"
CATALOG = """sku,name,price,stock,category,description,image_url,aliases
CHAI,Masala chai,120.00,5,Tea,Spiced tea,,chai|masala tea
SAMOSA,Samosa (2 pcs),60,,Snacks,,,
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def chatcart(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
async def merchant() -> AsyncIterator[FakeServer]:
    async with serve_fake(FakeServer()) as fake:
        yield fake


@pytest.fixture
def shop_env(tmp_path: Path, merchant: FakeServer) -> dict[str, str]:
    (tmp_path / "chatcart.toml").write_text(STORE_TOML)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHATCART_")}
    return env | {
        "CHATCART_API_TOKEN": TOKEN,
        "CHATCART_MERCHANT_WEBHOOK_URL": merchant.url + "/orders-hook",
        "CHATCART_MERCHANT_WEBHOOK_SECRET": "s3cret",
    }


@contextlib.contextmanager
def running(*args: str, env: dict[str, str], cwd: Path, stopped_when: str) -> Iterator[int]:
    """Run `chatcart ARGS` in the background (yields its pid); on exit stop it, check it stopped cleanly."""
    command = [sys.executable, "-m", "bot.cli", *args]
    process = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        yield process.pid
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0].decode()
        assert stopped_when in output, output


@pytest.fixture
def server(tmp_path: Path, shop_env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    # uvicorn finishes shutting down, then re-raises SIGTERM: its last words tell a graceful stop.
    with running(
        "serve",
        "--port",
        str(port),
        "--demo-catalog",
        env=shop_env,
        cwd=tmp_path,
        stopped_when="Application shutdown complete",
    ):
        yield f"http://127.0.0.1:{port}"


async def wait_until_up(client: httpx.AsyncClient, tries: int = 300) -> None:
    for _ in range(tries):
        try:
            if (await client.get("/healthz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.05)
    raise AssertionError("chatcart serve did not come up")


async def _import_menu(tmp_path: Path, shop_env: dict[str, str]) -> None:
    (tmp_path / "menu.csv").write_text(CATALOG)
    imported = await asyncio.to_thread(chatcart, "catalog", "import", "menu.csv", env=shop_env, cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert "2 new, 0 updated" in imported.stdout


async def _place_once_with_a_retry(api: httpx.AsyncClient) -> int:
    body = {
        "customer": {"name": "Asha", "phone": "+91 98765"},
        "items": [{"sku": "CHAI", "quantity": 2}],
        "delivery": {"method": "shipping", "address": "12 MG Road"},
    }
    first = await api.post("/api/v1/orders", json=body, headers={"Idempotency-Key": "shop-1"})
    second = await api.post("/api/v1/orders", json=body, headers={"Idempotency-Key": "shop-1"})
    assert (first.status_code, second.status_code) == (201, 200)
    number = int(first.json()["number"])
    assert second.json()["number"] == number
    assert (await api.get("/api/v1/orders")).json()["total"] == 1
    return number


async def _deliver(api: httpx.AsyncClient, number: int) -> None:
    for status in ("confirmed", "shipped", "delivered"):
        moved = await api.post(f"/api/v1/orders/{number}/status", json={"status": status})
        assert moved.json()["status"] == status
    refused = await api.post(f"/api/v1/orders/{number}/status", json={"status": "pending"})
    assert refused.status_code == 409 and "error" in refused.json()


async def _find_and_export(api: httpx.AsyncClient, number: int) -> None:
    found = await api.get("/api/v1/orders", params={"group": "delivered", "q": "asha"})
    assert found.json()["total"] == 1
    assert (await api.get("/api/v1/orders", params={"status": "pending"})).json()["total"] == 0
    exported = list(csv.DictReader(io.StringIO((await api.get("/api/v1/orders/export.csv")).text)))
    assert [(r["number"], r["status"], r["total"]) for r in exported] == [
        (str(number), "delivered", "280.00")
    ]


async def test_first_session_with_a_new_store(
    tmp_path: Path, shop_env: dict[str, str], server: str, merchant: FakeServer
) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(base_url=server, headers=headers, timeout=10) as api:
        await wait_until_up(api)
        demo = (await api.get("/api/v1/products")).json()
        assert demo["total"] == 12  # `--demo-catalog` filled the empty store
        await _import_menu(tmp_path, shop_env)
        number = await _place_once_with_a_retry(api)
        await _deliver(api, number)
        await _find_and_export(api, number)
        shown = await asyncio.to_thread(chatcart, "orders", "show", str(number), env=shop_env, cwd=tmp_path)
        assert "Delivered" in shown.stdout
        for _ in range(200):  # the relay in `serve` posts the merchant webhooks after each commit
            if len(merchant.requests) >= 4:
                break
            await asyncio.sleep(0.05)
    events = [json.loads(r.body)["type"] for r in merchant.requests]
    assert events == ["order.created"] + ["order.status_changed"] * 3
    assert all(r.path == "/orders-hook" and "x-chatcart-signature" in r.headers for r in merchant.requests)


def test_a_bad_store_file_stops_serve_with_the_reason(tmp_path: Path, shop_env: dict[str, str]) -> None:
    (tmp_path / "chatcart.toml").write_text('[[order_fields]]\nname = "a"\n[[order_fields]]\nname = "a"\n')
    result = chatcart("serve", "--port", str(free_port()), env=shop_env, cwd=tmp_path)
    assert result.returncode == 1
    assert "chatcart.toml: order_fields: duplicate field name 'a'" in result.stderr


async def test_a_separate_worker_process_sends_what_the_api_wrote(
    tmp_path: Path, shop_env: dict[str, str], merchant: FakeServer
) -> None:
    port = free_port()
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with running(
        "serve",
        "--no-worker",
        "--demo-catalog",
        "--port",
        str(port),
        env=shop_env,
        cwd=tmp_path,
        stopped_when="Application shutdown complete",
    ):
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=10) as api:
            await wait_until_up(api)
            body = {"items": [{"sku": "CHAI-MASALA", "quantity": 1}], "delivery": {"address": "1 Park St"}}
            assert (await api.post("/api/v1/orders", json=body)).status_code == 201
            await asyncio.sleep(0.5)
            assert merchant.requests == []  # nobody sends from the API process
            with running("worker", env=shop_env, cwd=tmp_path, stopped_when="worker stopped"):
                for _ in range(200):
                    if merchant.requests:
                        break
                    await asyncio.sleep(0.05)
    assert [json.loads(r.body)["type"] for r in merchant.requests] == ["order.created"]
