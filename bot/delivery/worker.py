"""The background work of `serve` and `chatcart worker`: the outbox relay and the reminder poller."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.delivery.relay import OutboxRelay
from bot.delivery.reminders import ReminderPoller

log = logging.getLogger(__name__)
REMINDER_INTERVAL = 30.0


class Worker:
    """Sends the outbox and queues due COD reminders until told to stop."""

    def __init__(self, relay: OutboxRelay, reminders: ReminderPoller, interval: float = REMINDER_INTERVAL):
        self.relay = relay
        self.reminders = reminders
        self._interval = interval

    async def run(self, stop: asyncio.Event) -> None:
        """Until `stop` is set: send the outbox, and queue due reminders every `interval` seconds."""
        await asyncio.gather(self.relay.run_forever(stop), self._remind(stop))

    async def _remind(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.reminders.run_once()
            except Exception:  # a passing database error must not end the poller
                log.exception("reminder pass failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self._interval)
