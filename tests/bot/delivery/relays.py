"""Relays for tests: real outcome logs and channel health over a test database, channels that fail on cue."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Mapping
from datetime import datetime, timedelta

from bot.delivery.health import ChannelHealth
from bot.delivery.outcomes import OutcomeLog
from bot.delivery.relay import OutboxRelay, Sender
from bot.delivery.retry import RetryPolicy
from channels.base import ChannelError
from flows.messages import OutboundMessage
from orders.db.engine import Database
from orders.outbox import OutboxKind
from tests.fakes import RecordingChannel, chat_sender

CHANNELS = ("telegram", "", "merchant")
STEADY = RetryPolicy(rand=lambda: 0.5)  # no jitter: backoffs of exactly 2, 4, 8… seconds


def build_relay(
    db: Database,
    clock: Callable[[], datetime],
    senders: Mapping[OutboxKind, Sender],
    *,
    channels: Collection[str] = CHANNELS,
    admins: tuple[str, ...] = (),
    policy: RetryPolicy = STEADY,
    owner: str = "worker-a",
    idle_interval: float = 1.0,
    reply_wait: float = 2.0,
) -> OutboxRelay:
    health = ChannelHealth(admins, clock, probe_every=timedelta(seconds=5))
    return OutboxRelay(
        db,
        senders,
        clock,
        owner=owner,
        channels=channels,
        outcomes=OutcomeLog(db, clock, health, policy),
        health=health,
        idle_interval=idle_interval,
        reply_wait=reply_wait,
    )


def chat_relay(
    db: Database, clock: Callable[[], datetime], *chats: RecordingChannel, **options: object
) -> OutboxRelay:
    """A relay whose customer and admin messages go to recording channels."""
    sender = chat_sender(db, clock, *chats)
    senders: dict[OutboxKind, Sender] = {
        OutboxKind.CUSTOMER_MESSAGE: sender,
        OutboxKind.ADMIN_MESSAGE: sender,
    }
    return build_relay(db, clock, senders, **options)  # type: ignore[arg-type]


class FlakyChannel(RecordingChannel):
    """A recording channel that fails with `error` while set, and waits for `gate` while it is clear."""

    def __init__(self, name: str = "telegram") -> None:
        super().__init__(name)
        self.error: ChannelError | None = None
        self.gate = asyncio.Event()
        self.gate.set()
        self.attempts = 0

    async def send(self, message: OutboundMessage) -> None:
        self.attempts += 1
        await self.gate.wait()
        if self.error is not None:
            raise self.error
        await super().send(message)


DOWN = ChannelError("HTTP 502 from Bot API", transient=True)
RATE_LIMITED = ChannelError("Too Many Requests: retry after 30", transient=True, retry_after=30)
BLOCKED = ChannelError("403: Forbidden: bot was blocked by the user", transient=False)
