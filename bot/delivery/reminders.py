"""The durable COD reminder: a poller turns due `remind_at` rows into exactly one message each."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Connection

from flows.phrases import Phrasebook
from orders.db.engine import Database
from orders.db.orders import OrderRepository
from orders.db.outbox import OutboxRepository
from orders.model import Order
from orders.outbox import OutboxKind, OutboxMessage


def reminder_message(order: Order, phrases: Phrasebook) -> OutboxMessage:
    assert order.lead is not None
    language = order.language
    choices = [
        {"id": f"cod:y:{order.number}", "label": phrases.text(language, "confirm_order"), "description": ""},
        {"id": f"cod:n:{order.number}", "label": phrases.text(language, "cancel_order"), "description": ""},
    ]
    params = {"number": order.number, "total": order.total, "currency": order.currency}
    return OutboxMessage(
        OutboxKind.CUSTOMER_MESSAGE,
        order.lead.address,
        {"template": "cod_reminder", "language": language, "params": params, "choices": choices},
        f"order:{order.id}:cod-reminder",
        order_id=order.id,
    )


class ReminderPoller:
    """Turns each due COD reminder into exactly one outbox message."""

    def __init__(
        self, db: Database, phrases: Phrasebook, clock: Callable[[], datetime], wake: Callable[[], None]
    ):
        self._db = db
        self._phrases = phrases
        self._clock = clock
        self._wake = wake  # the relay sends the reminders

    async def run_once(self) -> int:
        """Queue every due reminder; returns how many."""
        count = await self._db.write(self._queue_due)
        if count:
            self._wake()
        return count

    def _queue_due(self, conn: Connection) -> int:
        now = self._clock()
        due = [o for o in OrderRepository(conn).claim_due_reminders(now) if o.lead is not None]
        OutboxRepository(conn).add([reminder_message(o, self._phrases) for o in due], now)
        return len(due)
