"""Product persistence in SQLAlchemy Core: lookups, upserts and atomic stock reservation."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, func, select, update

from catalog.db.driver import DriverStatement
from catalog.db.schema import products, row_version, upsert_statement
from catalog.product import Product, ProductData

# Built once: constructing a Core statement costs several times more than SQLite running it.
_LISTED = select(products).order_by(products.c.category, products.c.name)
_VERSIONED = _LISTED.add_columns(row_version(products).label("version"))
_BY_SKU = select(products).where(products.c.sku == bindparam("b_sku"))
_BY_ID = select(products).where(products.c.id == bindparam("b_id"))
# An order's products, read on the driver (catalog.db.driver): placing a chat order reads each of them.
_BY_SKU_RUN = DriverStatement(_BY_SKU)
_BY_ID_RUN = DriverStatement(_BY_ID)
_RESERVE = DriverStatement(
    update(products)
    .where(products.c.id == bindparam("b_id"), products.c.stock >= bindparam("b_qty"))
    .values(stock=products.c.stock - bindparam("b_qty"))
)
_RELEASE = DriverStatement(
    update(products)
    .where(products.c.id == bindparam("b_id"), products.c.stock.is_not(None))
    .values(stock=products.c.stock + bindparam("b_qty"))
)


def _to_product(row: Row[Any]) -> Product:
    return _product(row._mapping)


def _product(m: Mapping[Any, Any]) -> Product:
    return Product(
        id=m["id"],
        sku=m["sku"],
        name=m["name"],
        price=m["price"],
        stock=m["stock"],
        category=m["category"],
        description=m["description"],
        image_urls=tuple(m["image_urls"] or ()),
        aliases=tuple(m["aliases"] or ()),
        active=m["active"],
    )


def _values(data: ProductData) -> dict[str, Any]:
    values = asdict(data)
    values["image_urls"] = list(data.image_urls)
    values["aliases"] = list(data.aliases)
    return values


class ProductRepository:
    """The products table, inside one transaction."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def get_by_sku(self, sku: str) -> Product | None:
        row = self._conn.execute(_BY_SKU, {"b_sku": sku}).first()
        return _to_product(row) if row else None

    def get_many(self, *, ids: Iterable[int] = (), skus: Iterable[str] = ()) -> list[Product]:
        """Each product asked for by id or SKU, once. One indexed lookup per key: an order has a few
        lines, and rendering an expanding IN cost more (~0.2 ms) than several lookups."""
        found: dict[int, Product] = {}
        keyed: list[tuple[DriverStatement, dict[str, object]]] = [
            (_BY_ID_RUN, {"b_id": i}) for i in dict.fromkeys(ids)
        ]
        keyed += [(_BY_SKU_RUN, {"b_sku": sku}) for sku in dict.fromkeys(skus)]
        for statement, params in keyed:
            for row in statement.run(self._conn, params).mappings():
                product = _product(row)
                found[product.id] = product
        return list(found.values())

    def with_versions(self, *, limit: int) -> tuple[list[Product], dict[int, str]]:
        """The products in `list`'s order, and on PostgreSQL each row's version (`row_version`)."""
        if self._conn.dialect.name != "postgresql":
            return self.list(limit=limit), {}
        rows = self._conn.execute(_VERSIONED.limit(limit)).all()
        return [_to_product(r) for r in rows], {r.id: r.version for r in rows}

    def list(self, *, active_only: bool = False, limit: int = 1000, offset: int = 0) -> list[Product]:
        query = _LISTED.limit(limit).offset(offset)
        if active_only:
            query = query.where(products.c.active.is_(True))
        return [_to_product(r) for r in self._conn.execute(query)]

    def count(self, *, active_only: bool = False) -> int:
        query = select(func.count()).select_from(products)
        if active_only:
            query = query.where(products.c.active.is_(True))
        return int((self._conn.execute(query)).scalar_one())

    def create(self, data: ProductData, now: datetime) -> Product:
        values = _values(data) | {"created_at": now, "updated_at": now}
        result = self._conn.execute(products.insert().values(values).returning(products))
        return _to_product(result.one())

    def update(self, sku: str, changes: dict[str, Any], now: datetime) -> Product | None:
        values = dict(changes) | {"updated_at": now}
        for key in ("image_urls", "aliases"):
            if key in values:
                values[key] = list(values[key])
        query = update(products).where(products.c.sku == sku).values(values).returning(products)
        row = (self._conn.execute(query)).first()
        return _to_product(row) if row else None

    def upsert_many(self, rows: Sequence[ProductData], now: datetime) -> tuple[int, int]:
        """Insert new SKUs and overwrite existing ones; returns (created, updated)."""
        if not rows:
            return 0, 0
        existing = set(
            (self._conn.execute(select(products.c.sku).where(products.c.sku.in_([r.sku for r in rows]))))
            .scalars()
            .all()
        )
        insert = upsert_statement(self._conn, products)
        changeable = ["name", "description", "price", "stock", "category", "image_urls", "aliases", "active"]
        statement = insert.on_conflict_do_update(
            index_elements=["sku"],
            set_={name: insert.excluded[name] for name in [*changeable, "updated_at"]},
        )
        self._conn.execute(statement, [_values(r) | {"created_at": now, "updated_at": now} for r in rows])
        updated = sum(1 for r in rows if r.sku in existing)
        return len(rows) - updated, updated

    def reserve(self, product_id: int, quantity: int) -> bool:
        """Take units from tracked stock in one conditional UPDATE, so the last unit is sold once."""
        return _RESERVE.run(self._conn, {"b_id": product_id, "b_qty": quantity}).rowcount == 1

    def release(self, product_id: int, quantity: int) -> None:
        """Give reserved units back (no-op for untracked stock)."""
        _RELEASE.run(self._conn, {"b_id": product_id, "b_qty": quantity})
