"""Catalog use cases: list, create, edit and bulk-import products, each in one transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from catalog.db.products import ProductRepository
from catalog.product import Product, ProductData, ProductValidationError

T = TypeVar("T")


class Transactions(Protocol):
    """Where transactions come from (implemented by orders.db.engine.Database)."""

    def write(self, work: Callable[[Connection], T]) -> Awaitable[T]: ...

    def read(self, work: Callable[[Connection], T]) -> Awaitable[T]: ...


class ProductNotFound(LookupError):
    """No product has that SKU."""

    code = "product_not_found"


class DuplicateSku(ValueError):
    """A new product's SKU is taken."""

    code = "duplicate_sku"


EDITABLE = frozenset({"name", "price", "stock", "category", "description", "image_urls", "aliases", "active"})


class CatalogService:
    """Catalog use cases over the database; tells the live catalog cache about every change."""

    def __init__(
        self, db: Transactions, clock: Callable[[], datetime], on_change: Callable[[], None] = lambda: None
    ) -> None:
        self._db = db
        self._clock = clock
        self._on_change = on_change  # the live bot's catalog snapshot sees edits at once

    async def list(
        self, *, active_only: bool = False, limit: int = 1000, offset: int = 0
    ) -> tuple[list[Product], int]:
        def work(conn: Connection) -> tuple[list[Product], int]:
            repo = ProductRepository(conn)
            return repo.list(active_only=active_only, limit=limit, offset=offset), repo.count(
                active_only=active_only
            )

        return await self._db.read(work)

    async def get(self, sku: str) -> Product:
        product = await self._db.read(lambda conn: ProductRepository(conn).get_by_sku(sku))
        if product is None:
            raise ProductNotFound(f"no product with sku {sku!r}")
        return product

    async def create(self, data: ProductData) -> Product:
        data.validated()
        if data.stock is not None and data.stock < 1:
            raise ProductValidationError(
                "stock: a new product needs a quantity of 1 or more (or none: untracked)"
            )

        def work(conn: Connection) -> Product:
            repo = ProductRepository(conn)
            if repo.get_by_sku(data.sku) is not None:
                raise DuplicateSku(f"a product with sku {data.sku!r} already exists")
            return repo.create(data, self._clock())

        try:
            product = await self._db.write(work)
        except IntegrityError:  # created concurrently by another request
            raise DuplicateSku(f"a product with sku {data.sku!r} already exists") from None
        self._on_change()
        return product

    async def update(self, sku: str, changes: dict[str, Any]) -> Product:
        """Apply a partial edit; the merged product must still satisfy every rule."""
        unknown = set(changes) - EDITABLE
        if unknown:
            raise ProductValidationError(f"{', '.join(sorted(unknown))}: cannot be changed")

        def work(conn: Connection) -> Product:
            repo = ProductRepository(conn)
            current = repo.get_by_sku(sku)
            if current is None:
                raise ProductNotFound(f"no product with sku {sku!r}")
            merged = ProductData(**{k: getattr(current, k) for k in ProductData.__slots__})
            replace(merged, **changes).validated()
            updated = repo.update(sku, changes, self._clock())
            assert updated is not None
            return updated

        product = await self._db.write(work)
        self._on_change()
        return product

    async def import_products(
        self,
        rows: Sequence[ProductData],
        progress: Callable[[int, int], None] | None = None,
        chunk: int = 500,
    ) -> tuple[int, int]:
        """Apply a whole parsed file in one transaction (every row or none), reporting progress per chunk."""

        def work(conn: Connection) -> tuple[int, int]:
            created = updated = 0
            repo = ProductRepository(conn)
            for start in range(0, len(rows), chunk):
                added, changed = repo.upsert_many(rows[start : start + chunk], self._clock())
                created, updated = created + added, updated + changed
                if progress is not None:
                    progress(min(start + chunk, len(rows)), len(rows))
            return created, updated

        result = await self._db.write(work)
        self._on_change()
        return result

    async def is_empty(self) -> bool:
        return await self._db.read(lambda conn: ProductRepository(conn).count() == 0)
