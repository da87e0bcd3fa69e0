"""`chatcart serve --workers N`: several processes on one port and one PostgreSQL, a page served by any."""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench.process_cpu import children
from orders.db import migrate
from orders.db.engine import Database
from tests.conftest import POSTGRES_URL, STORE_TOML
from tests.test_end_to_end import TOKEN, chatcart, free_port, running, wait_until_up

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(POSTGRES_URL is None, reason="CHATCART_TEST_POSTGRES_URL is not set"),
]
SESSION = "several-processes-1"
STARTING = 1200  # polls 50 ms apart: three servers start at once, each importing everything


async def say(page: httpx.AsyncClient, n: int, **body: Any) -> list[dict[str, Any]]:
    answer = await page.post(
        "/chat/api/messages", json={"session": SESSION, "id": f"message-{n:04d}", **body}
    )
    assert answer.status_code == 200, answer.text
    messages: list[dict[str, Any]] = answer.json()["messages"]
    # A reply not ready when the server answered (a loaded machine) reaches the page by its polls.
    return messages or await collect(page, 1)


def choice(message: dict[str, Any], label: str) -> str:
    return str(next(c["id"] for c in message["choices"] if c["label"] == label))


async def place_by_chat(page: httpx.AsyncClient) -> int:
    await say(page, 1, text="2 masala chai")
    asked = (await say(page, 2, text="checkout"))[-1]
    summary = (await say(page, 3, choice=choice(asked, "Pickup")))[-1]
    placed = await say(page, 4, choice=choice(summary, "Confirm"))
    found = re.match(r"Order #(\d+) is placed", placed[0]["text"])
    assert found, placed
    return int(found.group(1))


async def collect(page: httpx.AsyncClient, wanted: int) -> list[dict[str, Any]]:
    """Poll like the page does, each poll on a new connection (any process may answer it)."""
    messages: list[dict[str, Any]] = []
    for _ in range(400):
        answer = await page.get("/chat/api/messages", params={"session": SESSION})
        messages += answer.json()["messages"]
        if len(messages) >= wanted:
            break
        await asyncio.sleep(0.05)
    return messages


@pytest.fixture
async def env(tmp_path: Path) -> dict[str, str]:
    """A shop on an empty PostgreSQL with the web chat on."""
    assert POSTGRES_URL is not None
    db = Database(POSTGRES_URL)
    await migrate.empty_postgres(db)
    await db.dispose()
    (tmp_path / "chatcart.toml").write_text(STORE_TOML)
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("CHATCART_")}
    return inherited | {
        "CHATCART_API_TOKEN": TOKEN,
        "CHATCART_DATABASE_URL": POSTGRES_URL,
        "CHATCART_WEB_CHAT": "on",
    }


async def test_processes_share_one_port_and_every_web_chat_message_reaches_the_page_once(
    tmp_path: Path, env: dict[str, str]
) -> None:
    assert chatcart("db", "upgrade", env=env, cwd=tmp_path).returncode == 0
    port, other_port = free_port(), free_port()
    fresh = httpx.Limits(max_keepalive_connections=0)  # every request a new connection, spread by the kernel
    with (
        running(
            "serve",
            "--workers",
            "2",
            "--demo-catalog",
            "--port",
            str(port),
            env=env,
            cwd=tmp_path,
            stopped_when="Stopping parent process",
        ) as supervisor,
        # A server that sends nothing itself: what its page gets, another process wrote.
        running(
            "serve",
            "--no-worker",
            "--port",
            str(other_port),
            env=env,
            cwd=tmp_path,
            stopped_when="Application shutdown complete",
        ),
    ):
        async with (
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10, limits=fresh) as page,
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{other_port}", timeout=10, limits=fresh) as other,
        ):
            await wait_until_up(page, STARTING)
            await wait_until_up(other, STARTING)
            assert len(children(supervisor)) >= 2  # two servers (and multiprocessing's resource tracker)
            number = await place_by_chat(page)
            headers = {"Authorization": f"Bearer {TOKEN}"}
            for status in ("confirmed", "shipped", "delivered"):  # each a message to the page
                path = f"/api/v1/orders/{number}/status"
                moved = await page.post(path, json={"status": status}, headers=headers)
                assert moved.status_code == 200, moved.text
            texts = [m["text"] for m in await collect(other, 3)]
    assert texts == [  # each once, in the order they happened
        f"Your order #{number} is confirmed. Total: ₹240.00. We will let you know when it is on its way.",
        f"Your order #{number} is on its way.",
        f"Your order #{number} has been delivered. Thank you for shopping with us!",
    ]


def test_a_process_count_out_of_range_is_refused_with_the_reason(tmp_path: Path) -> None:
    refused = chatcart("serve", "--workers", "0", env=dict(os.environ), cwd=tmp_path)
    assert refused.returncode == 2
    assert "--workers: a whole number from 1 to 64" in refused.stderr
