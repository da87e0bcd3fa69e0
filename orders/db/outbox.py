"""The outbox table: write messages in the caller's transaction, lease due ones, record their outcomes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Connection,
    Dialect,
    Integer,
    Row,
    Update,
    and_,
    any_,
    bindparam,
    column,
    exists,
    func,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY

from catalog.db.schema import insert_ignoring
from orders.db.statements import DriverStatement, ManyRows, insert_rows
from orders.db.tables import outbox, workers
from orders.outbox import OutboxKind, OutboxMessage, OutboxRow, OutboxStatus

_PENDING = OutboxStatus.PENDING.value
COLUMNS = (
    "kind",
    "recipient",
    "channel",
    "payload",
    "dedupe_key",
    "order_id",
    "status",
    "attempts",
    "due_at",
    "lease_until",
    "lease_owner",
    "last_error",
    "created_at",
)


def pending_rows(messages: Sequence[OutboxMessage], now: datetime) -> list[dict[str, Any]]:
    """The messages as new outbox rows (the columns `COLUMNS` names), due after their delay."""
    return [
        {
            "kind": m.kind.value,
            "recipient": m.recipient,
            "channel": m.channel,
            "payload": m.payload,
            "dedupe_key": m.dedupe_key,
            "order_id": m.order_id,
            "status": _PENDING,
            "attempts": 0,
            "due_at": now + m.delay,
            "lease_until": None,
            "lease_owner": None,
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
        created_at=m["created_at"],
        channel=m["channel"],
    )


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one send: sent, to be retried at `retry_at`, released unsent, or dead."""

    row_id: int
    sent: bool = False
    retry_at: datetime | None = None
    error: str = ""
    dead: bool = False
    attempted: bool = True  # False: released without an attempt (an earlier message of its chat failed)


_INSERT_LEASED = DriverStatement(
    lambda dialect: insert_ignoring(dialect, outbox, ["dedupe_key"]).returning(outbox.c.id),
    COLUMNS,
)
_INSERT = DriverStatement(lambda dialect: insert_ignoring(dialect, outbox, ["dedupe_key"]), COLUMNS)
_INSERT_LEASED_MANY = ManyRows(
    outbox, COLUMNS, conflict="ON CONFLICT (dedupe_key) DO NOTHING", returning=("id", "dedupe_key")
)


def _mark_sent(ids_match: ColumnElement[bool]) -> Update:
    return (
        update(outbox)
        .where(ids_match)
        .values(
            status=OutboxStatus.SENT.value,
            sent_at=bindparam("b_now"),
            lease_until=None,
            lease_owner=None,
            last_error="",
        )
    )


def _mark_sent_by_list(dialect: Dialect) -> Update:
    """The ids as one value, so the statement has one text whatever the count: an expanding IN renders a
    new text per count (each prepared anew by asyncpg, and ~0.2 ms of SQLAlchemy on SQLite)."""
    if dialect.name == "postgresql":
        return _mark_sent(outbox.c.id == any_(bindparam("b_ids", type_=ARRAY(Integer))))
    listed = select(column("value", Integer)).select_from(func.json_each(bindparam("b_ids", type_=JSON)))
    return _mark_sent(outbox.c.id.in_(listed))


_MARK_SENT = DriverStatement(_mark_sent_by_list)
_EARLIER = outbox.alias("earlier")


def _nothing_earlier_waits(now: datetime) -> ColumnElement[bool]:
    """No older message of the chat is held back (in backoff, or being sent by a worker): one
    conversation's messages leave in the order written. Older ones due now are claimed with it."""
    return ~exists().where(
        _EARLIER.c.recipient == outbox.c.recipient,
        _EARLIER.c.status == _PENDING,
        _EARLIER.c.due_at > now,
        _EARLIER.c.id < outbox.c.id,
    )


class OutboxRepository:
    """The outbox rows, inside one transaction."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, messages: list[OutboxMessage], now: datetime) -> None:
        """Write messages in the caller's transaction; one already written (same dedupe key) is kept as is."""
        insert_rows(self._conn, pending_rows(messages, now), _INSERT, _INSERT_LEASED_MANY.run)

    def add_leased(
        self,
        messages: list[OutboxMessage],
        now: datetime,
        *,
        owner: str,
        lease: timedelta,
        relayed: Sequence[OutboxMessage] = (),
    ) -> list[OutboxRow]:
        """Write messages already leased to `owner`, who sends them right after commit, and `relayed` ones
        for the relay to send (as `add` writes them).

        On the driver (`orders.db.statements`): on PostgreSQL one statement for all (a round trip is the
        cost there), on SQLite one INSERT … RETURNING each (SQLAlchemy's executemany batching costs more).
        A message whose dedupe key was written before is not ours to send, and is left out.
        """
        rows = pending_rows(messages, now)
        until = now + lease  # one object for both columns: SQLite writes a time bound again from a cache
        for values in rows:  # not due while leased: claims skip it by the due-time index alone
            values |= {"lease_until": until, "due_at": until, "lease_owner": owner, "attempts": 1}
        if self._conn.dialect.name == "postgresql":
            rows += pending_rows(relayed, now)
            written = (
                {key: id_ for id_, key in _INSERT_LEASED_MANY.run(self._conn, rows).rows} if rows else {}
            )
            ids = [written.get(m.dedupe_key) for m in messages]
        else:
            ids = [_INSERT_LEASED.run(self._conn, values).scalar() for values in rows]
            self.add(list(relayed), now)
        return [
            OutboxRow(row_id, m.kind, m.recipient, m.payload, m.dedupe_key, m.order_id, 1, now, m.channel)
            for m, row_id in zip(messages, ids, strict=True)
            if row_id is not None
        ]

    def claim_due(
        self, now: datetime, *, channels: Sequence[str], owner: str, limit: int, lease: timedelta
    ) -> list[OutboxRow]:
        """Lease due rows of these channels to `owner`, oldest first: each chat's unsent rows up to the first
        one held back. A leased row is not due again until its lease ends (or `release_abandoned` frees it):
        due rows are found by index."""
        claimable = and_(
            outbox.c.status == _PENDING,
            outbox.c.due_at <= now,
            outbox.c.channel.in_(list(channels)),
            _nothing_earlier_waits(now),
        )
        # Materialised: PostgreSQL may otherwise run a LIMIT … SKIP LOCKED subquery once per candidate row and
        # lease more rows than asked for (seen: three "probes" where one was wanted).
        due = (
            select(outbox.c.id)
            .where(claimable)
            .order_by(outbox.c.id)  # a chat's older rows before its newer ones, whatever the limit cuts
            .limit(limit)
            .with_for_update(skip_locked=True, of=outbox)
            .cte("due")
            .prefix_with("MATERIALIZED", dialect="postgresql")
        )
        # `claimable` is repeated on the UPDATE so PostgreSQL re-checks it on rows another worker just took.
        until = now + lease
        statement = (
            update(outbox)
            .where(outbox.c.id == due.c.id, claimable)
            .values(lease_until=until, due_at=until, lease_owner=owner, attempts=outbox.c.attempts + 1)
            .returning(*outbox.c)
        )
        return sorted((_to_row(r) for r in self._conn.execute(statement)), key=lambda r: r.id)

    def release_abandoned(self, now: datetime, *, alive_since: datetime) -> int:
        """Rows leased by workers that stopped beating (killed, or stuck) are due now, for the others."""
        alive = select(workers.c.id).where(workers.c.heartbeat_at >= alive_since)
        abandoned = and_(
            outbox.c.status == _PENDING, outbox.c.lease_owner.is_not(None), outbox.c.lease_owner.not_in(alive)
        )
        statement = update(outbox).where(abandoned).values(lease_until=None, lease_owner=None, due_at=now)
        return int(self._conn.execute(statement).rowcount)

    def record(self, outcomes: Sequence[Outcome], now: datetime) -> None:
        """Write what became of each send; a row no longer leased (sent meanwhile) is left as it is."""
        sent = [o.row_id for o in outcomes if o.sent]
        if sent:
            _MARK_SENT.run(self._conn, {"b_ids": sent, "b_now": now})
        for o in outcomes:
            if o.dead:
                self._set(o.row_id, status=OutboxStatus.DEAD.value, last_error=o.error[:2000])
            elif o.retry_at is not None:
                attempts = outbox.c.attempts if o.attempted else outbox.c.attempts - 1
                self._set(o.row_id, due_at=o.retry_at, last_error=o.error[:2000], attempts=attempts)

    def _set(self, row_id: int, **values: Any) -> None:
        statement = update(outbox).where(outbox.c.id == row_id, outbox.c.status == _PENDING)
        self._conn.execute(statement.values(lease_until=None, lease_owner=None, **values))

    def due_now(self, channel: str, now: datetime) -> None:
        """Every pending row of this channel is due now (it works again after failing), except those leased:
        their worker is sending them, and making them due would let another send them again."""
        waiting = and_(
            outbox.c.channel == channel,
            outbox.c.status == _PENDING,
            outbox.c.due_at > now,
            outbox.c.lease_owner.is_(None),
        )
        self._conn.execute(update(outbox).where(waiting).values(due_at=now))

    def has_pending(self, recipient: str) -> bool:
        query = select(exists().where(outbox.c.recipient == recipient, outbox.c.status == _PENDING))
        return bool(self._conn.execute(query).scalar())

    def pending_recipients(self, *, besides: str) -> set[str]:
        """Chats with unsent messages, besides those `besides` (a worker) is sending right now."""
        mine = and_(outbox.c.lease_owner.is_not(None), outbox.c.lease_owner == besides)
        query = select(outbox.c.recipient).where(outbox.c.status == _PENDING, ~mine).distinct()
        return set(self._conn.execute(query).scalars())

    def listing(self, status: OutboxStatus | None, limit: int) -> list[dict[str, Any]]:
        """The newest rows (of one status), for an operator."""
        query = select(outbox).order_by(outbox.c.id.desc()).limit(limit)
        if status is not None:
            query = query.where(outbox.c.status == status.value)
        return [dict(r._mapping) for r in self._conn.execute(query)]

    def retry_dead(self, row_ids: Sequence[int] | None, now: datetime) -> int:
        """Put dead rows (these, or all) back in the queue, due now; returns how many."""
        statement = update(outbox).where(outbox.c.status == OutboxStatus.DEAD.value)
        if row_ids is not None:
            statement = statement.where(outbox.c.id.in_(list(row_ids)))
        values = {"status": _PENDING, "due_at": now, "attempts": 0, "lease_until": None, "lease_owner": None}
        return int(self._conn.execute(statement.values(values)).rowcount)
