"""Per-channel health: while a channel fails, one probe every few seconds instead of every message; staff
hear once when it starts failing and once when it recovers, however many processes saw it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Column, Connection, String, Table, Text, select, update

from catalog.db.schema import UtcDateTime, insert_ignoring, metadata
from orders.db.outbox import OutboxRepository
from orders.outbox import OutboxKind, OutboxMessage

log = logging.getLogger(__name__)

# One row per channel that ever failed: since when it fails (NULL: healthy). Its transitions, made with a
# conditional UPDATE, decide which process tells the staff.
channel_health = Table(
    "channel_health",
    metadata,
    Column("channel", String(32), primary_key=True),
    Column("failing_since", UtcDateTime, nullable=True),
    Column("last_error", Text, nullable=False),
)


@dataclass(slots=True)
class _Failing:
    since: datetime
    probe_at: datetime


@dataclass(frozen=True, slots=True)
class _Transition:
    channel: str
    failing: bool
    at: datetime
    error: str = ""


class ChannelHealth:
    """This process's view of each channel (healthy or failing), and the alerts its transitions cause."""

    def __init__(
        self,
        admins: tuple[str, ...],
        clock: Callable[[], datetime],
        probe_every: timedelta = timedelta(seconds=5),
    ) -> None:
        self._admins = admins  # "<channel>:<user>" of every admin chat
        self._clock = clock
        self._probe_every = probe_every
        self._failing: dict[str, _Failing] = {}
        self._transitions: list[_Transition] = []

    def is_failing(self, channel: str) -> bool:
        return channel in self._failing

    def take_probe(self, channel: str) -> bool:
        """True (once per interval) when a failing channel may be tried again with one message."""
        failing = self._failing.get(channel)
        if failing is None:
            return False
        now = self._clock()
        if now < failing.probe_at:
            return False
        failing.probe_at = now + self._probe_every
        return True

    def failed(self, channel: str, error: str) -> None:
        """A transient failure: the channel is failing from now on, until a send goes through."""
        if channel in self._failing:
            return
        now = self._clock()
        log.warning(
            "sending on %s fails (%s): retrying one message every %s", channel, error, self._probe_every
        )
        self._failing[channel] = _Failing(now, now + self._probe_every)
        self._transitions.append(_Transition(channel, True, now, error))

    def went_through(self, channel: str) -> bool:
        """A send succeeded; True when that ends a failure (the waiting messages may all go now)."""
        if self._failing.pop(channel, None) is None:
            return False
        log.warning("sending on %s works again", channel)
        self._transitions.append(_Transition(channel, False, self._clock()))
        return True

    def write(self, conn: Connection) -> int:
        """Record the transitions seen so far, in the caller's transaction, and queue the staff alerts of
        those no other process recorded first; returns how many, for `written` once committed."""
        outbox = OutboxRepository(conn)
        transitions = list(self._transitions)
        for t in transitions:
            conn.execute(
                insert_ignoring(conn, channel_health, ["channel"]), {"channel": t.channel, "last_error": ""}
            )
            params = _record_failure(conn, t) if t.failing else _record_recovery(conn, t)
            if params is not None:
                outbox.add(self._alerts(t, params), t.at)
            if not t.failing:  # what waited out the failure goes now, not at its backed-off retry time
                outbox.due_now(t.channel, t.at)
        return len(transitions)

    def has_news(self) -> bool:
        return bool(self._transitions)

    def written(self, count: int) -> None:
        del self._transitions[:count]

    def _alerts(self, transition: _Transition, params: dict[str, str]) -> list[OutboxMessage]:
        event = "channel_failing" if transition.failing else "channel_recovered"
        payload = {"template": event, "language": "en", "params": params | {"channel": transition.channel}}
        key = f"health:{transition.channel}:{event}:{params['since']}"
        return [
            OutboxMessage(OutboxKind.ADMIN_MESSAGE, admin, payload, f"{key}:{admin}")
            for admin in self._admins
        ]


def _record_failure(conn: Connection, t: _Transition) -> dict[str, str] | None:
    healthy = (channel_health.c.channel == t.channel) & channel_health.c.failing_since.is_(None)
    statement = update(channel_health).where(healthy).values(failing_since=t.at, last_error=t.error[:2000])
    if conn.execute(statement).rowcount != 1:
        return None  # another process saw it first and told the staff
    return {"since": t.at.strftime("%Y-%m-%d %H:%M:%S"), "error": t.error[:300]}


def _record_recovery(conn: Connection, t: _Transition) -> dict[str, str] | None:
    row = conn.execute(
        select(channel_health.c.failing_since).where(channel_health.c.channel == t.channel)
    ).scalar()
    failing = (channel_health.c.channel == t.channel) & channel_health.c.failing_since.is_not(None)
    if (
        row is None
        or conn.execute(update(channel_health).where(failing).values(failing_since=None)).rowcount != 1
    ):
        return None
    minutes = max(int((t.at - row).total_seconds() // 60), 1)
    return {"since": row.strftime("%Y-%m-%d %H:%M:%S"), "duration": f"{minutes} min"}
