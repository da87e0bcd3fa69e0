"""Counts over the outbox table for /readyz and /metrics: the backlog, and messages by channel and status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, case, func, select

from orders.db.tables import outbox
from orders.outbox import OutboxStatus

# What operators call the statuses: a dead row is one that failed for good.
STATUS_NAMES = {
    OutboxStatus.PENDING.value: "pending",
    OutboxStatus.SENT.value: "sent",
    OutboxStatus.DEAD.value: "failed",
}


@dataclass(frozen=True, slots=True)
class OutboxBacklog:
    """What waits to be sent: how many messages, and when the oldest was written (None if none waits)."""

    pending: int
    oldest_pending_at: datetime | None


def outbox_backlog(conn: Connection) -> OutboxBacklog:
    """The pending rows (due now or retrying later); `ix_outbox_due` finds them without a scan."""
    statement = select(func.count(), func.min(outbox.c.created_at)).where(
        outbox.c.status == OutboxStatus.PENDING.value
    )
    pending, oldest = conn.execute(statement).one()
    return OutboxBacklog(int(pending), oldest)


def outbox_counts(conn: Connection) -> dict[tuple[str, str], int]:
    """Messages by (channel, status name), statuses named as in `STATUS_NAMES`; a chat message without a chat
    (an API order's customer) counts under `none`."""
    channel = case((outbox.c.channel == "", "none"), else_=outbox.c.channel)
    statement = select(channel, outbox.c.status, func.count()).group_by(channel, outbox.c.status)
    return {
        (channel, STATUS_NAMES.get(status, status)): int(count)
        for channel, status, count in conn.execute(statement)
    }
