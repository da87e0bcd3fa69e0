"""The catalog snapshot the conversation engine searches, reloaded when products change."""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import Connection, func, select

from catalog.db.products import ProductRepository
from catalog.db.schema import products
from catalog.search import CatalogSnapshot
from orders.db.engine import Database

# Stock moves with every order without touching updated_at, so its sum is part of the fingerprint.
_FINGERPRINT = select(func.count(), func.max(products.c.updated_at), func.sum(products.c.stock))


class CatalogCache:
    """Rebuilds the snapshot when the products table changed, checking at most every `recheck` seconds.

    Edits made through this process's API are seen at once (`invalidate`); imports by another process
    within `recheck` seconds. Stock in the snapshot may be a moment old: placement re-checks it atomically.
    """

    def __init__(
        self, db: Database, recheck: float = 1.0, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._db = db
        self._recheck = recheck
        self._monotonic = monotonic
        self._snapshot: CatalogSnapshot | None = None
        self._fingerprint: object = None
        self._checked_at = float("-inf")

    def invalidate(self) -> None:
        self._checked_at = float("-inf")

    async def snapshot(self) -> CatalogSnapshot:
        if self._snapshot is not None and self._monotonic() - self._checked_at < self._recheck:
            return self._snapshot
        self._checked_at = self._monotonic()
        fingerprint, snapshot = await self._db.read(
            lambda conn: self._load_if_changed(conn, self._fingerprint)
        )
        if snapshot is not None:
            self._snapshot, self._fingerprint = snapshot, fingerprint
        assert self._snapshot is not None
        return self._snapshot

    @staticmethod
    def _load_if_changed(conn: Connection, known: object) -> tuple[object, CatalogSnapshot | None]:
        fingerprint = tuple(conn.execute(_FINGERPRINT).one())
        if fingerprint == known:
            return fingerprint, None
        return fingerprint, CatalogSnapshot(ProductRepository(conn).list(limit=100_000))
