"""Small helpers for tests that look at the database directly."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, func, select

from catalog.db.schema import products
from orders.db.engine import Database


async def count_rows(db: Database, table: Table, **where: Any) -> int:
    query = select(func.count()).select_from(table)
    for column, value in where.items():
        query = query.where(table.c[column] == value)
    return int(await db.read(lambda conn: conn.execute(query).scalar_one()))


async def stock_of(db: Database, sku: str) -> int | None:
    query = select(products.c.stock).where(products.c.sku == sku)
    value = await db.read(lambda conn: conn.execute(query).scalar_one())
    return None if value is None else int(value)


async def rows(db: Database, table: Table) -> list[dict[str, Any]]:
    query = select(table).order_by(*table.primary_key.columns)
    return await db.read(lambda conn: [dict(r._mapping) for r in conn.execute(query)])
