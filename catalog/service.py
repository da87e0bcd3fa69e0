"""Catalog use cases: list, create, edit and bulk-import products, each in one transaction."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import replace
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from catalog.product import Product, ProductData, ProductValidationError
from catalog.repository import ProductRepository


class Transactions(Protocol):
    """Where transactions come from (implemented by orders.database.Database)."""

    def write(self) -> AbstractAsyncContextManager[AsyncConnection]: ...

    def read(self) -> AbstractAsyncContextManager[AsyncConnection]: ...


class ProductNotFound(LookupError):
    code = "product_not_found"


class DuplicateSku(ValueError):
    code = "duplicate_sku"


EDITABLE = frozenset({"name", "price", "stock", "category", "description", "image_urls", "aliases", "active"})


class CatalogService:
    def __init__(self, db: Transactions, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._clock = clock

    async def list(
        self, *, active_only: bool = False, limit: int = 1000, offset: int = 0
    ) -> tuple[list[Product], int]:
        async with self._db.read() as conn:
            repo = ProductRepository(conn)
            return await repo.list(active_only=active_only, limit=limit, offset=offset), await repo.count(
                active_only=active_only
            )

    async def get(self, sku: str) -> Product:
        async with self._db.read() as conn:
            product = await ProductRepository(conn).get_by_sku(sku)
        if product is None:
            raise ProductNotFound(f"no product with sku {sku!r}")
        return product

    async def create(self, data: ProductData) -> Product:
        data.validated()
        if data.stock is not None and data.stock < 1:
            raise ProductValidationError(
                "stock: a new product needs a quantity of 1 or more (or none: untracked)"
            )
        try:
            async with self._db.write() as conn:
                repo = ProductRepository(conn)
                if await repo.get_by_sku(data.sku) is not None:
                    raise DuplicateSku(f"a product with sku {data.sku!r} already exists")
                return await repo.create(data, self._clock())
        except IntegrityError:
            raise DuplicateSku(f"a product with sku {data.sku!r} already exists") from None

    async def update(self, sku: str, changes: dict[str, Any]) -> Product:
        """Apply a partial edit; the merged product must still satisfy every rule."""
        unknown = set(changes) - EDITABLE
        if unknown:
            raise ProductValidationError(f"{', '.join(sorted(unknown))}: cannot be changed")
        async with self._db.write() as conn:
            repo = ProductRepository(conn)
            current = await repo.get_by_sku(sku)
            if current is None:
                raise ProductNotFound(f"no product with sku {sku!r}")
            merged = ProductData(**{k: getattr(current, k) for k in ProductData.__slots__})
            replace(merged, **changes).validated()
            updated = await repo.update(sku, changes, self._clock())
            assert updated is not None
            return updated

    async def import_products(
        self,
        rows: Sequence[ProductData],
        progress: Callable[[int, int], None] | None = None,
        chunk: int = 500,
    ) -> tuple[int, int]:
        """Apply a whole parsed file in one transaction (every row or none), reporting progress per chunk."""
        created = updated = 0
        async with self._db.write() as conn:
            repo = ProductRepository(conn)
            for start in range(0, len(rows), chunk):
                added, changed = await repo.upsert_many(rows[start : start + chunk], self._clock())
                created, updated = created + added, updated + changed
                if progress is not None:
                    progress(min(start + chunk, len(rows)), len(rows))
        return created, updated

    async def is_empty(self) -> bool:
        async with self._db.read() as conn:
            return await ProductRepository(conn).count() == 0
