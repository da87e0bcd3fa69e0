"""Counts over the outbox table for /readyz and /metrics: the backlog, and messages by channel and status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, case, func, select

from orders.db.tables import outbox
from orders.outbox import OutboxKind, OutboxStatus

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
    """Messages by (channel, status name), statuses named as in `STATUS_NAMES`."""
    rows = select(channel_of_row(conn).label("channel"), outbox.c.status).subquery()
    statement = select(rows.c.channel, rows.c.status, func.count()).group_by(rows.c.channel, rows.c.status)
    return {
        (channel, STATUS_NAMES.get(status, status)): int(count)
        for channel, status, count in conn.execute(statement)
    }


def channel_of_row(conn: Connection) -> ColumnElement[str]:
    """The channel a row goes out on: merchant webhooks are `merchant`, chat messages the prefix of their
    recipient (`telegram:42` is telegram), a row without a chat (an API order's customer) `none`.

    When the outbox gets a `channel` column, this becomes `outbox.c.channel` (keeping `merchant`).
    """
    # SQLite and PostgreSQL share substr() but name "position of" differently.
    position = func.strpos if conn.dialect.name == "postgresql" else func.instr
    colon = position(outbox.c.recipient, ":")
    return case(
        (outbox.c.kind == OutboxKind.MERCHANT_WEBHOOK.value, "merchant"),
        (colon > 0, func.substr(outbox.c.recipient, 1, colon - 1)),
        else_="none",
    )
