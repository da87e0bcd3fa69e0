"""PostgreSQL: an order placed whole in one statement (a round trip each costs more than the SQL), and the
history-entry parameters the status move (orders.db.status_moves) shares with it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from sqlalchemy import BindParameter, Connection, Integer, String, and_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY

from catalog.db.schema import products, row_version
from orders.db.order_children import LINE_COLUMNS, line_rows
from orders.db.statements import DriverStatement, unnested
from orders.db.tables import order_events, order_lines, order_numbers, orders
from orders.errors import CatalogChanged
from orders.model import OrderEvent, OrderLine

EVENT_COLUMNS = ("order_id", "kind", "actor", "at", "data")
_PER_LINE = LINE_COLUMNS[1:]  # a line's columns but its order's id


def insert_whole(
    conn: Connection,
    values: dict[str, Any],
    lines: Sequence[OrderLine],
    created: OrderEvent,
    unchanged: Mapping[int, str] | None = None,
) -> tuple[int, int]:
    """Insert the order (`values`, numbered by the sequence), its lines and first event: (id, number).
    With `unchanged` (product id -> its row's version, as priced), only if none of them was written since."""
    params = {f"o_{name}": value for name, value in values.items()}
    rows = line_rows(0, lines)  # the order id comes from the statement itself
    params |= {f"l_{name}": [row[name] for row in rows] for name in _PER_LINE}
    if unchanged is not None:
        params |= {
            "p_id": list(unchanged),
            "p_version": list(unchanged.values()),
            "p_count": len(unchanged),
        }
    statement = _insert_whole(tuple(sorted(values)), unchanged is not None)
    written = statement.run(conn, params | event_params(created)).rows
    if not written:  # the products check found one written since: nothing of the order was written
        raise CatalogChanged("a product changed since the order was priced")
    order_id, number = written[0]
    return int(order_id), int(number)


@cache
def _insert_whole(columns: tuple[str, ...], checked: bool) -> DriverStatement:
    """PostgreSQL: the order numbered from its sequence, its lines (`l_*` arrays, unnested) and its first
    event (`e_*`) in one statement, so one round trip where a chat order took four. `checked`: the order is
    written only if each product `p_id` still has its row's version `p_version` (`p_count` of them)."""
    binds = {n: bindparam(f"o_{n}", type_=orders.c[n].type) for n in columns}
    insert = orders.insert()
    if checked:
        priced = (
            func.unnest(bindparam("p_id", type_=ARRAY(Integer)), bindparam("p_version", type_=ARRAY(String)))
            .table_valued("id", "version")
            .render_derived()
        )
        same = and_(products.c.id == priced.c.id, row_version(products) == priced.c.version)
        still = select(func.count()).select_from(priced.join(products, same)).scalar_subquery()
        row = select(*binds.values(), order_numbers.next_value()).where(still == bindparam("p_count"))
        insert = insert.from_select([*binds, "number"], row)
    else:
        insert = insert.values(binds).values(number=order_numbers.next_value())
    order = insert.returning(orders.c.id, orders.c.number).cte("new_order")
    rows = unnested(order_lines, _PER_LINE, "l_")
    lines = order_lines.insert().from_select(LINE_COLUMNS, select(order.c.id, *rows.c))
    created = order_events.insert().from_select(EVENT_COLUMNS, select(order.c.id, *event_binds()))
    whole = select(order.c.id, order.c.number).add_cte(lines.cte("new_lines"), created.cte("new_event"))
    return DriverStatement(whole)


def event_binds() -> list[BindParameter[Any]]:
    """A history entry's columns but its order's id, as the `e_*` parameters `event_params` fills."""
    return [bindparam(f"e_{n}", type_=order_events.c[n].type) for n in EVENT_COLUMNS[1:]]


def event_params(event: OrderEvent) -> dict[str, Any]:
    """A history entry as the `e_*` parameters of a statement that inserts it for its order."""
    return {f"e_{name}": getattr(event, name) for name in EVENT_COLUMNS[1:]}
