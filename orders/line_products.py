"""The products an order's lines name, as the placement reads them, and their stock reserved."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import Connection

from catalog.db.products import ProductRepository
from catalog.product import Product
from catalog.search import CatalogSnapshot
from orders.commands import LineRequest, PlaceOrder
from orders.errors import OutOfStock
from orders.model import OrderLine

Versions = dict[int, str]  # product id -> its row's version, as the placement priced it (PostgreSQL)


def products_for(
    conn: Connection, cmd: PlaceOrder, snapshot: CatalogSnapshot | None = None
) -> tuple[list[Product], Versions | None]:
    """The products of `cmd`'s lines: from `snapshot` with their versions when it holds every one (the
    order's insert then checks that none was written since), else read now (no versions)."""
    if snapshot is not None:
        held = [snapshot_product(snapshot, line) for line in cmd.lines]
        if all(p is not None and p.id in snapshot.versions for p in held):
            found = {p.id: p for p in held if p is not None}
            return list(found.values()), {i: snapshot.versions[i] for i in found}
    skus = [r.sku for r in cmd.lines if r.sku is not None]
    ids = [r.product_id for r in cmd.lines if r.product_id]
    return ProductRepository(conn).get_many(ids=ids, skus=skus), None


def snapshot_product(snapshot: CatalogSnapshot, line: LineRequest) -> Product | None:
    """The line's product as the snapshot holds it, found as the placement finds it (its id first)."""
    if line.product_id is not None:
        return snapshot.by_id(line.product_id)
    return snapshot.by_sku(line.sku) if line.sku is not None else None


def reserve(conn: Connection, catalog: list[Product], lines: list[OrderLine]) -> None:
    """Take the lines' units from tracked stock, or raise OutOfStock (the caller's transaction undoes it)."""
    products = ProductRepository(conn)
    needed: Counter[int] = Counter()
    for line in lines:
        if line.product_id is not None:
            needed[line.product_id] += line.quantity
    by_id = {p.id: p for p in catalog}
    # Lock products in id order so two multi-item orders never wait on each other in a cycle.
    for product_id in sorted(needed):
        product = by_id[product_id]
        if product.tracks_stock and not products.reserve(product_id, needed[product_id]):
            current = products.get_by_sku(product.sku)
            raise OutOfStock(product.sku, needed[product_id], current.stock if current else 0)
