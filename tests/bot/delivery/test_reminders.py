"""The COD reminder: exactly one, only for unconfirmed chat orders, due after cod_reminder_hours."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.delivery.reminders import ReminderPoller
from bot.templating import load_phrases
from catalog.service import CatalogService
from orders.commands import ChangeStatus, LineRequest, PlaceOrder
from orders.db.engine import Database
from orders.db.tables import outbox
from orders.model import Lead
from orders.services import OrderService
from orders.status import OrderStatus, PaymentMethod
from orders.store import StoreConfig
from tests.bot.delivery.relays import chat_relay
from tests.conftest import Clock
from tests.fakes import RecordingChannel
from tests.helpers import rows

LEASE = timedelta(seconds=30)


def cod_order(lead: Lead | None, language: str = "en") -> PlaceOrder:
    return PlaceOrder(
        lines=(LineRequest(2, "TEA"),),
        delivery_address="12 MG Road",
        lead=lead,
        language=language,
        payment_method=PaymentMethod.COD,
    )


async def reminders(db: Database, clock: Clock) -> list[dict[str, Any]]:
    return [r for r in await rows(db, outbox) if r["payload"].get("template") == "cod_reminder"]


async def test_one_reminder_after_the_configured_hours_and_never_again(
    db: Database, store: StoreConfig, clock: Clock, catalog: CatalogService
) -> None:
    service = OrderService(db, store, clock=clock)
    await service.place(cod_order(Lead("telegram", "42"), language="es"))
    poller = ReminderPoller(db, load_phrases(), clock, lambda: None)
    clock.advance(hours=6, seconds=-1)
    assert await poller.run_once() == 0
    clock.advance(seconds=1)
    assert await poller.run_once() == 1
    clock.advance(days=3)
    assert await poller.run_once() == 0
    (reminder,) = await reminders(db, clock)
    assert reminder["recipient"] == "telegram:42"
    assert [c["id"] for c in reminder["payload"]["choices"]] == ["cod:y:1001", "cod:n:1001"]
    assert [c["label"] for c in reminder["payload"]["choices"]] == ["Confirmar pedido", "Cancelar pedido"]

    inbox = RecordingChannel()
    await chat_relay(db, clock, inbox, channels=["telegram"]).run_once()
    (sent,) = inbox.messages
    assert sent.text.startswith("Recordatorio: el pedido #1001 (280,00")
    assert [c.id for c in sent.choices] == ["cod:y:1001", "cod:n:1001"]


async def test_a_confirmed_order_and_a_website_order_are_not_reminded(
    db: Database, store: StoreConfig, clock: Clock, catalog: CatalogService
) -> None:
    service = OrderService(db, store, clock=clock)
    await service.place(cod_order(Lead("telegram", "42")))
    await service.place(cod_order(None))
    await service.change_status(ChangeStatus(1001, OrderStatus.CONFIRMED, "customer"))
    clock.advance(hours=7)
    assert await ReminderPoller(db, load_phrases(), clock, lambda: None).run_once() == 0
    assert await reminders(db, clock) == []
