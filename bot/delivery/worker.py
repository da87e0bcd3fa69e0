"""The background work of `serve` and `chatcart worker`: the outbox relay and the reminder poller."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.setup.wiring import Container

log = logging.getLogger(__name__)
REMINDER_INTERVAL = 30.0


async def _reminders(container: Container, stop: asyncio.Event, interval: float) -> None:
    while not stop.is_set():
        try:
            await container.reminders.run_once()
        except Exception:  # a passing database error must not end the poller
            log.exception("reminder pass failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)


async def run_background(
    container: Container, stop: asyncio.Event, interval: float = REMINDER_INTERVAL
) -> None:
    """Until `stop` is set: send the outbox, and queue due COD reminders every `interval` seconds."""
    await asyncio.gather(container.relay.run_forever(stop), _reminders(container, stop, interval))
