"""The orders list's other queries: counts per status for the stat cards, product thumbnails, reminders,
and the newest order (what a page polls for)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, and_, case, func, select

from catalog.db.schema import products
from orders.db.orders import where
from orders.db.tables import order_lines, orders
from orders.filters import OrderFilter
from orders.listing import Reminder
from orders.status import OrderStatus

o = orders.c


class ListingRepository:
    """Read-only queries of the list page, inside one transaction."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def status_counts(self, f: OrderFilter) -> dict[OrderStatus, tuple[int, int]]:
        """(orders, of which in the date range) per status, for `f` without its group; without dates
        both numbers are the same."""
        outer = f.without_group.without_dates if f.has_dates else f.without_group
        in_period = where(f.without_group) if f.has_dates else and_(True)
        query = (
            select(o.status, func.count(), func.sum(case((in_period, 1), else_=0)))
            .where(where(outer))
            .group_by(o.status)
        )
        return {OrderStatus(s): (int(n), int(p or 0)) for s, n, p in self._conn.execute(query)}

    def thumbnails(self, order_ids: Sequence[int], per_order: int = 3) -> dict[int, tuple[str, ...]]:
        """The first image of each order's first few products."""
        if not order_ids:
            return {}
        query = (
            select(order_lines.c.order_id, products.c.image_urls)
            .join(products, products.c.id == order_lines.c.product_id)
            .where(order_lines.c.order_id.in_(order_ids))
            .order_by(order_lines.c.order_id, order_lines.c.position)
        )
        found: dict[int, list[str]] = {}
        for order_id, urls in self._conn.execute(query):
            images = found.setdefault(order_id, [])
            if urls and len(images) < per_order and urls[0] not in images:
                images.append(str(urls[0]))
        return {k: tuple(v) for k, v in found.items()}

    def reminders(self, order_ids: Sequence[int]) -> dict[int, Reminder]:
        if not order_ids:
            return {}
        query = select(o.id, o.remind_at, o.reminder_sent_at).where(o.id.in_(order_ids))
        return {i: Reminder(at, sent) for i, at, sent in self._conn.execute(query)}

    def newest(self) -> tuple[int, datetime] | None:
        """The latest order's number and time."""
        row = self._conn.execute(
            select(o.number, o.created_at).order_by(o.created_at.desc(), o.id.desc()).limit(1)
        ).first()
        return (int(row[0]), row[1]) if row else None

    def placed_since(self, number: int, limit: int = 20) -> list[int]:
        """Numbers of orders placed after order `number` (by id: PostgreSQL numbers may skip)."""
        after = select(o.id).where(o.number == number).scalar_subquery()
        query = select(o.number).where(o.id > func.coalesce(after, 0)).order_by(o.id).limit(limit)
        return [int(n) for (n,) in self._conn.execute(query)]

    def distinct_values(self, column: str, limit: int = 50) -> list[str]:
        """The carriers or warehouses orders name (the filters offer them)."""
        col = o[column]
        query = select(col).where(col != "").group_by(col).order_by(col).limit(limit)
        return [str(v) for (v,) in self._conn.execute(query)]
