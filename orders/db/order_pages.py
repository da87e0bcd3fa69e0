"""What the order page and manual orders need from the tables: an order's lines replaced, the units open
orders hold per product, and earlier customers to pick from."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, delete, func, or_, select

from orders.db.order_children import line_rows
from orders.db.tables import order_lines, orders
from orders.model import OrderLine
from orders.status import OrderStatus

# Units of orders in these statuses are still on the shelf, set aside: not shipped, not handed over.
HOLDING_STOCK = (
    OrderStatus.PENDING,
    OrderStatus.CONFIRMED,
    OrderStatus.COLLECTED,
    OrderStatus.READY_FOR_PICKUP,
)


@dataclass(frozen=True, slots=True)
class KnownCustomer:
    """A customer of an earlier order, offered when staff type up a new one."""

    name: str
    phone: str
    email: str
    order_number: int


def replace_lines(conn: Connection, order_id: int, lines: Sequence[OrderLine]) -> None:
    """The order's lines become `lines`, in that order."""
    conn.execute(delete(order_lines).where(order_lines.c.order_id == order_id))
    rows = line_rows(order_id, lines)
    if rows:
        conn.execute(order_lines.insert(), rows)


def reserved_units(conn: Connection, product_ids: Iterable[int]) -> dict[int, int]:
    """Units of each product that open orders hold (set aside, still in the warehouse)."""
    ids = sorted(set(product_ids))
    if not ids:
        return {}
    query = (
        select(order_lines.c.product_id, func.sum(order_lines.c.quantity))
        .join(orders, orders.c.id == order_lines.c.order_id)
        .where(
            order_lines.c.product_id.in_(ids),
            orders.c.status.in_([s.value for s in HOLDING_STOCK]),
        )
        .group_by(order_lines.c.product_id)
    )
    return {int(product_id): int(units) for product_id, units in conn.execute(query)}


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def known_customers(conn: Connection, query: str = "", limit: int = 30) -> list[KnownCustomer]:
    """Customers of the latest orders (one entry per name, phone and email), matching `query` if given."""
    statement = (
        select(orders.c.customer_name, orders.c.customer_phone, orders.c.customer_email, orders.c.number)
        .where(or_(orders.c.customer_name != "", orders.c.customer_phone != ""))
        .order_by(orders.c.id.desc())
        .limit(limit * 5)
    )
    if query.strip():
        pattern = _like(query.strip())
        statement = statement.where(
            or_(
                func.lower(orders.c.customer_name).like(pattern, escape="\\"),
                func.lower(orders.c.customer_phone).like(pattern, escape="\\"),
            )
        )
    found: dict[tuple[str, str, str], KnownCustomer] = {}
    for name, phone, email, number in conn.execute(statement):
        found.setdefault((name, phone, email), KnownCustomer(name, phone, email, number))
    return list(found.values())[:limit]


def customer_of(conn: Connection, number: int) -> KnownCustomer | None:
    """The customer of order `number` (a picked earlier customer)."""
    row = conn.execute(
        select(orders.c.customer_name, orders.c.customer_phone, orders.c.customer_email).where(
            orders.c.number == number
        )
    ).first()
    return KnownCustomer(row[0], row[1], row[2], number) if row else None
