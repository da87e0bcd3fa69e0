"""An order's lines, history and payments: three queries on SQLite (calls in-process), one on PostgreSQL,
where each query is a round trip (every child row as JSON, tagged with its table)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    Select,
    Table,
    bindparam,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY

from catalog.db.schema import UtcDateTime
from orders.db.statements import DriverStatement
from orders.db.tables import order_events, order_lines
from orders.db.tables import payments as payments_table
from orders.model import OrderEvent, OrderLine, Payment


class Children(NamedTuple):
    """Each order's lines, history and payments, by order id."""

    lines: dict[int, list[OrderLine]]
    events: dict[int, list[OrderEvent]]
    payments: dict[int, list[Payment]]


def line_from_row(m: Mapping[Any, Any]) -> OrderLine:
    return OrderLine(m["product_id"], m["sku"], m["name"], m["quantity"], m["unit_price"], dict(m["fields"]))


def event_from_row(m: Mapping[Any, Any]) -> OrderEvent:
    return OrderEvent(m["kind"], m["actor"], m["at"], dict(m["data"]))


def payment_from_row(m: Mapping[Any, Any]) -> Payment:
    return Payment(
        m["amount"],
        m["currency"],
        m["provider"],
        m["status"],
        m["reference"],
        m["fee"],
        m["net"],
        m["created_at"],
        id=m["id"],
        method=m["method"],
        comment=m["comment"],
        paid_at=m["paid_at"],
        refunded=m["refunded"],
        actor=m["actor"],
        voided_at=m["voided_at"],
        voided_by=m["voided_by"],
    )


LINE_COLUMNS = ("order_id", "position", "product_id", "sku", "name", "quantity", "unit_price", "fields")


def line_rows(order_id: int, lines: Sequence[OrderLine]) -> list[dict[str, Any]]:
    """The order's lines as rows of `order_lines` (the columns `LINE_COLUMNS` names), in their order."""
    return [
        dict(zip(LINE_COLUMNS, _line_values(order_id, i, line), strict=True)) for i, line in enumerate(lines)
    ]


def _line_values(order_id: int, position: int, x: OrderLine) -> tuple[Any, ...]:
    return (order_id, position, x.product_id, x.sku, x.name, x.quantity, x.unit_price, x.fields)


# (table, its order within an order, how a row becomes a record), lines first.
_KINDS = (
    (order_lines, order_lines.c.position, line_from_row),
    (order_events, order_events.c.id, event_from_row),
    (payments_table, payments_table.c.id, payment_from_row),
)


def _children_of(table: Table, order_by: ColumnElement[Any], *, many: bool) -> Select[Any]:
    """A child table's rows for one order (`b_id`) or for many (`b_ids`, an expanding IN that is
    rendered anew on every call, ~0.1 ms: a single order, the chat's case, does without)."""
    key = table.c.order_id
    match = key.in_(bindparam("b_ids", expanding=True)) if many else key == bindparam("b_id")
    return select(table).where(match).order_by(order_by)


def _as_json(table: Table) -> ColumnElement[Any]:
    """Each of the table's rows as one JSON value (its columns by name)."""
    return func.to_jsonb(table.table_valued())


_SEPARATE = {many: [_children_of(t, o, many=many) for t, o, _ in _KINDS] for many in (False, True)}
# One order's children on the driver (orders.db.statements), as a chat turn on SQLite reads them (PostgreSQL
# reads every kind in one statement: _TOGETHER, or with the order itself: children_as_json).
_ONE = [DriverStatement(query) for query in _SEPARATE[False]]
_TOGETHER = union_all(
    *(
        select(literal(i).label("kind"), t.c.order_id, o.label("place"), _as_json(t)).where(
            t.c.order_id == func.any(bindparam("b_ids", type_=ARRAY(Integer)))
        )
        for i, (t, o, _) in enumerate(_KINDS)
    )
).order_by("kind", "order_id", "place")
_TOGETHER_RUN = DriverStatement(_TOGETHER)  # a chat turn's confirmation reads one order's this way
# JSON keeps timestamps as text: these columns are read back into datetimes.
_TIMES = [[c.name for c in t.c if isinstance(c.type, UtcDateTime)] for t, _, _ in _KINDS]


def children_as_json(order: Select[Any]) -> Select[Any]:
    """PostgreSQL: `order`'s rows, each with its children as (kind, JSON row) pairs, one output row per child
    in their order (one row with no kind for an order without children): an order and all it holds in one
    round trip. Not for a locking read (see orders.db.orders)."""
    parent = order.cte("parent")
    kinds = union_all(
        *(
            select(literal(i).label("kind"), t.c.order_id, o.label("place"), _as_json(t).label("row")).where(
                t.c.order_id == parent.c.id
            )
            for i, (t, o, _) in enumerate(_KINDS)
        )
    ).subquery("child")
    return (
        select(parent, kinds.c.kind, kinds.c.row)
        .outerjoin(kinds, kinds.c.order_id == parent.c.id)
        .order_by(kinds.c.kind, kinds.c.place)
    )


Gathered = tuple[defaultdict[int, list[Any]], ...]  # lines, history, payments by order id, as read


def child_from_json(found: Gathered, kind: int, order_id: int, row: dict[str, Any]) -> None:
    """Add one child read as JSON (`children_as_json`, or all of several orders') to `found`."""
    for name in _TIMES[kind]:
        if row[name] is not None:
            row[name] = datetime.fromisoformat(row[name]).astimezone(UTC)  # in the session's zone
    found[kind][order_id].append(_KINDS[kind][2](row))


def no_children() -> Gathered:
    return (defaultdict(list), defaultdict(list), defaultdict(list))


def load_children(conn: Connection, ids: Sequence[int]) -> Children:
    """The lines, history and payments of the orders `ids`, each in its order."""
    found = no_children()
    if conn.dialect.name == "postgresql":
        for kind, order_id, _, row in _TOGETHER_RUN.run(conn, {"b_ids": list(ids)}).rows:
            child_from_json(found, kind, order_id, row)
    elif len(ids) == 1:
        for kind, statement in enumerate(_ONE):
            for m in statement.run(conn, {"b_id": ids[0]}).mappings():
                found[kind][ids[0]].append(_KINDS[kind][2](m))
    else:
        keys = {"b_ids": list(ids)}
        for kind, query in enumerate(_SEPARATE[True]):
            for r in conn.execute(query, keys):
                found[kind][r.order_id].append(_KINDS[kind][2](r._mapping))
    return Children(*found)
