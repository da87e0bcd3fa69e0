"""The catalog snapshot the conversation engine searches, reloaded when products change, with what sells."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, bindparam, func, select

from catalog.db.products import ProductRepository
from catalog.db.schema import products
from catalog.product import Product
from catalog.search import CatalogSnapshot
from orders.db.engine import Database
from orders.db.tables import order_lines, orders
from orders.status import OrderStatus

# Stock moves with every order without touching updated_at, so its sum is part of the fingerprint.
_FINGERPRINT = select(func.count(), func.max(products.c.updated_at), func.sum(products.c.stock))
SALES_WINDOW = timedelta(days=30)  # "what sells" is what sold lately
# Units sold per product, orders that did not sell left out; `orders.created_at` is indexed.
_SOLD = (
    select(order_lines.c.product_id, func.sum(order_lines.c.quantity))
    .join(orders, orders.c.id == order_lines.c.order_id)
    .where(
        orders.c.created_at >= bindparam("b_since"),
        orders.c.status.not_in([OrderStatus.CANCELLED.value, OrderStatus.RETURNED.value]),
        order_lines.c.product_id.is_not(None),
    )
    .group_by(order_lines.c.product_id)
)


def _wall_clock() -> datetime:
    return datetime.now(UTC)


class CatalogCache:
    """Rebuilds the snapshot when the products table changed, checking at most every `recheck` seconds.

    Edits made through this process's API are seen at once (`invalidate`); imports by another process
    within `recheck` seconds. Stock in the snapshot may be a moment old: placement re-checks it atomically.
    On PostgreSQL it keeps each product row's version, so that an order priced from it is written only if
    no product of it was written since (`orders.line_products`).
    Units sold, which rank the first product list, are counted again at most every `resell` seconds: a
    ranking some minutes old is as good, and the count costs more than the products' fingerprint. At a
    cold start the turns arriving together wait for one load (50 loaded at once in the benchmark's warm-up).
    """

    def __init__(
        self,
        db: Database,
        recheck: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
        *,
        resell: float = 300.0,
        clock: Callable[[], datetime] = _wall_clock,
    ) -> None:
        self._db = db
        self._recheck = recheck
        self._resell = resell
        self._monotonic = monotonic
        self._clock = clock
        self._snapshot: CatalogSnapshot | None = None
        self._fingerprint: object = None
        self._checked_at = self._sold_at = float("-inf")
        self._first: asyncio.Future[CatalogSnapshot] | None = None  # the first load, while under way

    def invalidate(self) -> None:
        self._checked_at = float("-inf")

    def reload(self) -> None:
        """Load the products at the next snapshot whatever the fingerprint says: an order priced from the
        snapshot found a product written since that the fingerprint missed (an edit made outside chatcart
        that left `updated_at` as it was); without this every batch selling it would fail again."""
        self._fingerprint = None
        self.invalidate()

    async def snapshot(self) -> CatalogSnapshot:
        now = self._monotonic()
        if self._snapshot is not None:
            return self._snapshot if now - self._checked_at < self._recheck else await self._refresh(now)
        if self._first is None or self._first.done():
            # Shielded: a turn given up on (a client gone) must not cancel the load the others wait for.
            self._first = asyncio.ensure_future(self._refresh(now))
        return await asyncio.shield(self._first)

    async def _refresh(self, now: float) -> CatalogSnapshot:
        self._checked_at = now
        since = self._clock() - SALES_WINDOW if now - self._sold_at >= self._resell else None
        fingerprint, found, sold = await self._db.read(
            lambda conn: self._load_if_changed(conn, self._fingerprint, since)
        )
        current = self._snapshot
        if sold is not None:
            self._sold_at = now
            if current is not None and sold == current.sold:
                sold = None  # the same ranking: nothing to rebuild for it
        if found is not None or sold is not None:
            kept = current or CatalogSnapshot(())  # what did not change is carried over
            products, versions = found if found is not None else (kept.products, kept.versions)
            self._snapshot = CatalogSnapshot(products, kept.sold if sold is None else sold, versions)
        self._fingerprint = fingerprint
        assert self._snapshot is not None
        return self._snapshot

    @staticmethod
    def _load_if_changed(
        conn: Connection, known: object, since: datetime | None
    ) -> tuple[object, tuple[Sequence[Product], dict[int, str]] | None, dict[int, int] | None]:
        """The products (with their rows' versions) if they changed, and the units sold since `since` when
        asked for."""
        fingerprint = tuple(conn.execute(_FINGERPRINT).one())
        found = None if fingerprint == known else ProductRepository(conn).with_versions(limit=100_000)
        sold = None
        if since is not None:
            sold = {int(pid): int(units) for pid, units in conn.execute(_SOLD, {"b_since": since})}
        return fingerprint, found, sold
