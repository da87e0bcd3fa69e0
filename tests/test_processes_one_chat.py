"""Two server processes on one PostgreSQL taking turns of the same chat at once: each waits for the other."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from orders.db.tables import orders
from tests.conftest import POSTGRES_URL
from tests.helpers import count_rows
from tests.shop import empty_postgres, running_shop, shop_settings

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(POSTGRES_URL is None, reason="CHATCART_TEST_POSTGRES_URL is not set"),
]
SESSION = "two-processes-1"


async def say(client: httpx.AsyncClient, n: int, **body: Any) -> httpx.Response:
    return await client.post(
        "/chat/api/messages", json={"session": SESSION, "id": f"message-{n:04d}", **body}
    )


async def test_twenty_confirms_of_one_chat_through_two_processes_are_all_answered_and_place_one_order(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = await empty_postgres()
    settings = shop_settings(tmp_path, database_url=url)
    async with running_shop(settings) as (first, services), running_shop(settings) as (second, _):
        await say(first, 1, text="2 masala chai")
        await say(first, 2, text="checkout")
        summary = (await say(first, 3, text="12 MG Road, Bengaluru")).json()["messages"][-1]
        confirm = next(c["id"] for c in summary["choices"] if c["label"] == "Confirm")
        taps = [say((first, second)[n % 2], 100 + n, choice=confirm) for n in range(20)]
        answers = await asyncio.gather(*taps)
        assert [a.status_code for a in answers] == [200] * 20  # none ran out of retries (a 503)
        assert await count_rows(services.db, orders) == 1
    # Each turn waited for the other process's rather than running on a state that was already old.
    assert not [r for r in caplog.records if "changed meanwhile" in r.getMessage()]
