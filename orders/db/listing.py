"""The orders list's other queries: counts per status for the stat cards, product thumbnails, reminders,
and the newest order (what a page polls for)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, func, select

from catalog.db.schema import products
from orders.db.order_filters import unindexed, where
from orders.db.tables import order_lines, orders
from orders.filters import OrderFilter
from orders.listing import Match, Reminder
from orders.status import OrderStatus

o = orders.c


class ListingRepository:
    """Read-only queries of the list page, inside one transaction."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def status_counts(self, f: OrderFilter) -> dict[OrderStatus, tuple[int, int]]:
        """(orders, of which in the date range) per status, for `f` without its statuses and dates; without
        dates both numbers are the same. The list's own total is a sum of these (no second count)."""
        cards = f.without_statuses
        totals = self._per_status(cards.without_dates)
        if not f.has_dates:
            return {s: (n, n) for s, n in totals.items()}
        # Two counts, each by its own index (the period by the date's), instead of one pass over every
        # order that tested each one's date: 65 ms -> 13 ms on PostgreSQL at 100,000 orders.
        period = self._per_status(cards)
        return {s: (n, period.get(s, 0)) for s, n in totals.items()}

    def _per_status(self, f: OrderFilter) -> dict[OrderStatus, int]:
        # Over every order, the status index alone answers; once another filter narrows them, walking
        # that index fetched each row at random (three times slower than reading the table on SQLite).
        narrowed = f != OrderFilter(page=f.page, per_page=f.per_page)
        status = unindexed(o.status) if narrowed else o.status
        query = select(status, func.count()).where(where(f)).group_by(status)
        return {OrderStatus(s): int(n) for s, n in self._conn.execute(query)}

    def recent_values(self, column: str, recent: int = 2000, limit: int = 50) -> list[str]:
        """The carriers or warehouses the latest orders name (the filters suggest them): reading every
        order for them took a third of a second at 100,000 orders."""
        col = o[column]
        latest = select(col.label("value")).order_by(o.id.desc()).limit(recent).subquery()
        query = select(latest.c.value).where(latest.c.value != "").group_by(latest.c.value)
        return [str(v) for (v,) in self._conn.execute(query.order_by(latest.c.value).limit(limit))]

    def matches(self, f: OrderFilter, limit: int) -> list[Match] | None:
        """(id, status, created) of every order the cards count for `f`, when at most `limit` match: a
        text search then reads the table once, not once to count and once more for its page."""
        query = select(o.id, o.status, o.created_at).where(where(f.without_statuses.without_dates))
        rows = [Match(i, OrderStatus(s), at) for i, s, at in self._conn.execute(query.limit(limit + 1))]
        return rows if len(rows) <= limit else None

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
