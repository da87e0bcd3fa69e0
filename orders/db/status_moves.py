"""A status change's writes: the guarded update, its history entry and the notifications it sends, in the
caller's transaction; on PostgreSQL one statement (one round trip where they took three)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection, bindparam, exists, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from orders.db.orders import ROW_VERSION, OrderRepository
from orders.db.outbox import COLUMNS as OUTBOX_COLUMNS
from orders.db.outbox import OutboxRepository, pending_rows
from orders.db.statements import DriverStatement, unnested
from orders.db.tables import order_events, orders, outbox
from orders.db.whole_orders import EVENT_COLUMNS, event_binds, event_params
from orders.model import OrderEvent
from orders.outbox import OutboxMessage
from orders.status import OrderStatus


@dataclass(frozen=True, slots=True)
class Move:
    """One order's status change as it is written: new values, history entry and notifications."""

    order_id: int
    expected: OrderStatus  # the status the change was decided on
    values: dict[str, Any]
    event: OrderEvent
    messages: Sequence[OutboxMessage]
    version: str | None = None  # PostgreSQL: the row's version when it was read unlocked (`ROW_VERSION`)


def write_move(conn: Connection, move: Move, now: datetime) -> bool:
    """Apply the move's values if the order's status is still the expected one (and, given a version, nobody
    wrote the row since), and add its event to the history and its messages to the outbox; False, writing
    nothing, if the order changed meanwhile."""
    if conn.dialect.name != "postgresql":  # SQLite's statements are calls in-process: one each
        assert move.version is None, "a row version is PostgreSQL's"
        repo = OrderRepository(conn)
        if not repo.update_guarded(move.order_id, move.expected, move.values):
            return False
        repo.add_events(move.order_id, [move.event])
        OutboxRepository(conn).add(list(move.messages), now)
        return True
    params = {f"v_{name}": value for name, value in move.values.items()}
    params |= {"b_id": move.order_id, "b_status": move.expected.value}
    if move.version is not None:
        params["b_version"] = move.version
    params |= event_params(move.event)
    rows = pending_rows(move.messages, now)
    params |= {f"m_{name}": [row[name] for row in rows] for name in OUTBOX_COLUMNS}
    return bool(_move(tuple(sorted(move.values)), move.version is not None).run(conn, params).scalar())


@cache
def _move(columns: tuple[str, ...], versioned: bool) -> DriverStatement:
    """PostgreSQL: the guarded update (`v_*`, `b_id`, `b_status`, `b_version` if `versioned`) and, only if
    it moved the order, the event (`e_*`) and the outbox rows (`m_*` arrays, a repeated dedupe key skipped);
    selects 1 or 0."""
    guards = [orders.c.id == bindparam("b_id"), orders.c.status == bindparam("b_status")]
    if versioned:
        # Checked again on the newest row if a writer held it meanwhile: a write since the read fails it.
        guards.append(ROW_VERSION == bindparam("b_version"))  # noqa: SIM300 (a column, not a constant)
    moved = (
        update(orders)
        .where(*guards)
        .values({name: bindparam(f"v_{name}") for name in columns})
        .returning(orders.c.id)
        .cte("moved")
    )
    history = order_events.insert().from_select(EVENT_COLUMNS, select(moved.c.id, *event_binds()))
    rows = unnested(outbox, OUTBOX_COLUMNS, "m_")
    told = (
        pg_insert(outbox)
        .from_select(OUTBOX_COLUMNS, select(*rows.c).where(exists(select(moved.c.id))))
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
    )
    count = select(func.count()).select_from(moved)
    return DriverStatement(count.add_cte(history.cte("new_event"), told.cte("told")))
