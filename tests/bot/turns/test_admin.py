"""Admin chat commands with what staff might mistype: a reply that says what is wrong, never an error."""

from __future__ import annotations

import pytest

from bot.turns.admin import AdminCommands
from catalog.service import CatalogService
from orders.commands import LineRequest, PlaceOrder
from orders.db.engine import Database
from orders.services import OrderService
from orders.store import StoreConfig
from tests.conftest import Clock


@pytest.fixture
async def admin(db: Database, store: StoreConfig, clock: Clock, catalog: CatalogService) -> AdminCommands:
    service = OrderService(db, store, clock=clock)
    await service.place(PlaceOrder((LineRequest(1, "TEA"),), delivery_address="12 MG Road"))
    return AdminCommands(service)


async def say(db: Database, admin: AdminCommands, text: str) -> str:
    return await db.write(lambda conn: admin.run(conn, text, "telegram:-100"))


@pytest.mark.parametrize("typed", ["/order ²", "/order 99999999999999999999", "/confirm x", "/ship"])
async def test_an_order_number_no_order_can_have_asks_which_order(
    db: Database, admin: AdminCommands, typed: str
) -> None:
    assert (await say(db, admin, typed)).startswith("Which order?")


async def test_a_number_beyond_every_order_does_not_exist(db: Database, admin: AdminCommands) -> None:
    assert await say(db, admin, "/order 2147483648") == "Order 2147483648 does not exist."


async def test_a_tracking_number_longer_than_its_column_is_refused_and_nothing_moves(
    db: Database, admin: AdminCommands
) -> None:
    assert (await say(db, admin, "/confirm 1001")).startswith("Order #1001 is now Confirmed")
    refused = await say(db, admin, "/ship 1001 " + "T" * 101 + " BlueDart")
    assert refused == "Not done: tracking number: at most 100 characters."
    assert "Confirmed" in await say(db, admin, "/order 1001")
