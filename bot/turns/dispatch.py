"""Hand an inbound chat message to the shopping flow, or to the admin commands when staff send one."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Mapping

import prometheus_client
from sqlalchemy import Connection

from bot.turns.admin import AdminCommands, is_admin_command
from bot.turns.runner import TurnRunner
from flows.messages import InboundKind, InboundMessage

STAFF_ONLY = "Sorry, that command is only for the store's staff."

TURNS = prometheus_client.Counter(
    "chatcart_turns",
    "Inbound chat messages handled, by channel and outcome (ok; repeat: a redelivery, done once; error).",
    ["channel", "outcome"],
)
TURN_SECONDS = prometheus_client.Histogram(
    "chatcart_turn_seconds",
    "Seconds from an inbound chat message to its replies sent (lock wait and commit included), by channel.",
    ["channel"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


@functools.cache
def _meters(channel: str, outcome: str) -> tuple[prometheus_client.Counter, prometheus_client.Histogram]:
    """The labelled series, looked up once: `labels()` takes a lock and builds a key on every call."""
    return TURNS.labels(channel, outcome), TURN_SECONDS.labels(channel)


class Dispatcher:
    """What every webhook and the web chat hand their messages to: each is processed once (its provider id
    is claimed), and its replies are sent after commit."""

    def __init__(self, turns: TurnRunner, admin: AdminCommands, admins: Mapping[str, str]) -> None:
        self._turns = turns
        self._admin = admin
        self._admins = admins  # lead channel -> the staff's user id there

    async def __call__(self, inbound: InboundMessage) -> None:
        channel = inbound.key.channel
        started = time.perf_counter()
        outcome = "error"
        try:
            if inbound.kind is InboundKind.TEXT and is_admin_command(inbound.text):
                done = await self._turns.answer_once(channel, inbound, self._admin_work(inbound))
            else:
                done = await self._turns.handle(channel, inbound) is not None
            outcome = "ok" if done else "repeat"
        finally:
            turns, seconds = _meters(channel, outcome)
            turns.inc()
            seconds.observe(time.perf_counter() - started)

    def _admin_work(self, inbound: InboundMessage) -> Callable[[Connection], str]:
        """Admin commands run for the channel's admin chat or number only; others hear they are for staff."""
        channel = inbound.key.channel
        admin = self._admins.get(channel)
        if admin is not None and inbound.key.user_id == admin:
            return lambda conn: self._admin.run(conn, inbound.text, f"{channel}:{admin}")
        return lambda _conn: STAFF_ONLY
