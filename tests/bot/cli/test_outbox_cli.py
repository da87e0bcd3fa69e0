"""`chatcart outbox list|retry`: an operator sees deliveries that failed for good, and queues them again."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.setup.settings import Settings
from bot.setup.startup import prepare_database
from bot.setup.wiring import build_services
from catalog.product import ProductData
from orders.commands import ChangeStatus, LineRequest, PlaceOrder
from orders.status import OrderStatus


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CHATCART_DATABASE_URL", f"sqlite:///{tmp_path / 'shop.db'}")
    return tmp_path


async def a_dead_delivery() -> int:
    """A website order has no chat to tell of its confirmation: that message cannot go, ever."""
    services = build_services(Settings())
    await prepare_database(services)
    await services.catalog.import_products([ProductData("TEA", "Masala chai", 12000)])
    placed = await services.orders.place(PlaceOrder((LineRequest(1, "TEA"),)))
    await services.orders.change_status(ChangeStatus(placed.order.number, OrderStatus.CONFIRMED, "ops"))
    await services.worker.relay.run_once()
    await services.aclose()
    return placed.order.id


def test_dead_deliveries_are_listed_and_can_be_queued_again(
    shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(a_dead_delivery())
    assert main(["outbox", "list", "--dead"]) == 0
    listed = capsys.readouterr()
    (line,) = listed.out.splitlines()
    row_id = line.split()[0]
    assert "dead" in line and "the customer has no chat channel to message" in line
    assert "1 failed" in listed.err
    assert main(["outbox", "retry", row_id]) == 0
    assert "1 dead delivery queued again" in capsys.readouterr().out
    assert main(["outbox", "list", "--dead"]) == 0
    assert capsys.readouterr().out == ""
    assert main(["outbox", "list", "--status", "pending"]) == 0
    assert row_id in capsys.readouterr().out


def test_retry_needs_ids_or_all(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.run(a_dead_delivery())
    assert main(["outbox", "retry"]) == 1
    assert "name the dead deliveries to retry" in capsys.readouterr().err
    assert main(["outbox", "retry", "--all"]) == 0
    assert "1 dead delivery queued again" in capsys.readouterr().out
