"""The outbox table: write messages in the caller's transaction, lease due ones, record their outcomes."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, and_, bindparam, or_, select, update

from catalog.db.schema import insert_ignoring
from orders.db.statements import DriverStatement
from orders.db.tables import outbox
from orders.outbox import OutboxKind, OutboxMessage, OutboxRow, OutboxStatus

_COLUMNS = (
    "kind",
    "recipient",
    "payload",
    "dedupe_key",
    "order_id",
    "status",
    "attempts",
    "due_at",
    "lease_until",
    "last_error",
    "created_at",
)


def _rows(messages: list[OutboxMessage], now: datetime) -> list[dict[str, Any]]:
    return [
        {
            "kind": m.kind.value,
            "recipient": m.recipient,
            "payload": m.payload,
            "dedupe_key": m.dedupe_key,
            "order_id": m.order_id,
            "status": OutboxStatus.PENDING.value,
            "attempts": 0,
            "due_at": now + m.delay,
            "lease_until": None,
            "last_error": "",
            "created_at": now,
        }
        for m in messages
    ]


def _to_row(row: Row[Any]) -> OutboxRow:
    m = row._mapping
    return OutboxRow(
        id=m["id"],
        kind=OutboxKind(m["kind"]),
        recipient=m["recipient"],
        payload=m["payload"],
        dedupe_key=m["dedupe_key"],
        order_id=m["order_id"],
        attempts=m["attempts"],
    )


_MARK_MANY_SENT = (
    update(outbox)
    .where(outbox.c.id.in_(bindparam("b_ids", expanding=True)))
    .values(status=OutboxStatus.SENT.value, sent_at=bindparam("b_now"), lease_until=None, last_error="")
)


_INSERT_LEASED = DriverStatement(
    lambda dialect: insert_ignoring(dialect, outbox, ["dedupe_key"]).returning(outbox.c.id),
    _COLUMNS,
)


class OutboxRepository:
    """The outbox rows, inside one transaction."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, messages: list[OutboxMessage], now: datetime) -> None:
        """Write messages in the caller's transaction; one already written (same dedupe key) is kept as is."""
        if messages:
            self._conn.execute(insert_ignoring(self._conn, outbox, ["dedupe_key"]), _rows(messages, now))

    def add_returning(
        self, messages: list[OutboxMessage], now: datetime, *, lease: timedelta
    ) -> list[OutboxRow]:
        """Write messages already leased to the caller, who sends them right after commit.

        One INSERT … RETURNING per message, run on the driver (`orders.db.statements`): a turn writes one or
        two, and the executemany form costs SQLAlchemy's "insertmanyvalues" batching on top.
        """
        leased: list[OutboxRow] = []
        for message, values in zip(messages, _rows(messages, now), strict=True):
            values |= {"lease_until": now + lease, "attempts": 1}
            row_id = _INSERT_LEASED.run(self._conn, values).scalar()
            if row_id is not None:  # None: this dedupe key was written before, and is not ours to send
                m = message
                leased.append(OutboxRow(row_id, m.kind, m.recipient, m.payload, m.dedupe_key, m.order_id, 1))
        return leased

    def claim_due(self, now: datetime, *, limit: int, lease: timedelta) -> list[OutboxRow]:
        """Lease due rows to this worker; a row leased by another live worker is not taken twice."""
        claimable = and_(
            outbox.c.status == OutboxStatus.PENDING.value,
            outbox.c.due_at <= now,
            or_(outbox.c.lease_until.is_(None), outbox.c.lease_until < now),
        )
        due = (
            select(outbox.c.id)
            .where(claimable)
            .order_by(outbox.c.due_at, outbox.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        # `claimable` is repeated on the UPDATE so PostgreSQL re-checks it on rows another worker just took.
        statement = (
            update(outbox)
            .where(outbox.c.id.in_(due.scalar_subquery()), claimable)
            .values(lease_until=now + lease, attempts=outbox.c.attempts + 1)
            .returning(*outbox.c)
        )
        rows = [_to_row(r) for r in self._conn.execute(statement)]
        return sorted(rows, key=lambda r: r.id)

    def mark_many_sent(self, row_ids: list[int], now: datetime) -> None:
        if row_ids:
            self._conn.execute(_MARK_MANY_SENT, {"b_ids": row_ids, "b_now": now})

    def mark_retry(self, row_id: int, due_at: datetime, error: str) -> None:
        self._set(row_id, due_at=due_at, lease_until=None, last_error=error[:2000])

    def mark_dead(self, row_id: int, error: str) -> None:
        self._set(row_id, status=OutboxStatus.DEAD.value, lease_until=None, last_error=error[:2000])

    def _set(self, row_id: int, **values: Any) -> None:
        self._conn.execute(update(outbox).where(outbox.c.id == row_id).values(**values))
