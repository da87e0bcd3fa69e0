"""Order use cases over one transaction each: place, change status, read, with outbox writes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from catalog.product import Product
from catalog.repository import ProductRepository
from orders import notifications
from orders.commands import ChangeStatus, PlaceOrder
from orders.database import Database
from orders.errors import ConcurrentUpdate, IdempotencyConflict, OrderNotFound, OutOfStock
from orders.filters import OrderFilter
from orders.model import Order, OrderEvent, OrderLine, totals
from orders.notifications import NotificationTargets
from orders.outbox import OutboxRepository
from orders.placement import check_methods, order_field_fallbacks, parse_fields, priced_lines
from orders.repository import OrderRepository
from orders.status import RELEASES_STOCK, OrderStatus, PaymentStatus, check_transition
from orders.store import StoreConfig


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Placement:
    order: Order
    created: bool  # False when an Idempotency-Key replayed an earlier placement


class OrderService:
    def __init__(
        self,
        db: Database,
        store: StoreConfig,
        *,
        targets: NotificationTargets | None = None,
        clock: Callable[[], datetime] = utc_now,
        on_commit: Callable[[], None] = lambda: None,
    ) -> None:
        self._db = db
        self._store = store
        self._targets = targets or NotificationTargets()
        self._clock = clock
        self._on_commit = on_commit  # wakes the outbox relay once side effects are durable

    async def place(self, cmd: PlaceOrder, idempotency: tuple[str, str] | None = None) -> Placement:
        """Place an order; with (key, request hash) a repeated request returns the first order."""
        try:
            return await self._place_once(cmd, idempotency)
        except IntegrityError:
            if idempotency is None:
                raise
            # A concurrent request with the same key committed first; answer with its order.
            return await self._place_once(cmd, idempotency)

    async def _place_once(self, cmd: PlaceOrder, idempotency: tuple[str, str] | None) -> Placement:
        async with self._db.write() as conn:
            orders = OrderRepository(conn)
            if idempotency is not None:
                replay = await self._replay(orders, *idempotency)
                if replay is not None:
                    return Placement(replay, created=False)
            order = await self.place_in(conn, cmd)
            if idempotency is not None:
                await orders.remember_idempotency(idempotency[0], idempotency[1], order.id, self._clock())
        self._on_commit()
        return Placement(order, created=True)

    async def _replay(self, orders: OrderRepository, key: str, request_hash: str) -> Order | None:
        stored = await orders.idempotent_order(key)
        if stored is None:
            return None
        if stored[0] != request_hash:
            raise IdempotencyConflict(key)
        return await orders.get_by_id(stored[1])

    async def place_in(self, conn: AsyncConnection, cmd: PlaceOrder) -> Order:
        """Place an order inside the caller's transaction (the chat turn uses this directly)."""
        now = self._clock()
        products = ProductRepository(conn)
        wanted = [r.sku for r in cmd.lines if r.sku is not None]
        catalog = await products.get_many(ids=[r.product_id for r in cmd.lines if r.product_id], skus=wanted)
        lines = priced_lines(cmd, catalog, self._store)
        method = check_methods(cmd, self._store)
        fields = parse_fields(self._store.order_fields, cmd.fields, "fields", order_field_fallbacks(cmd))
        await self._reserve(products, catalog, lines)
        fee = self._store.delivery_fee_minor(method)
        subtotal, total = totals(lines, fee)
        orders = OrderRepository(conn)
        number = await orders.next_number()
        order_id = await orders.insert(
            {
                "number": number,
                "status": OrderStatus.PENDING.value,
                "payment_status": PaymentStatus.UNPAID.value,
                "payment_method": cmd.payment_method.value,
                "currency": self._store.currency,
                "subtotal": subtotal,
                "delivery_fee": fee,
                "discount": 0,
                "total": total,
                "customer_name": cmd.customer.name,
                "customer_phone": cmd.customer.phone,
                "customer_email": cmd.customer.email,
                "lead_channel": cmd.lead.channel if cmd.lead else None,
                "lead_user_id": cmd.lead.user_id if cmd.lead else None,
                "source": cmd.source.value,
                "channel": cmd.channel or (cmd.lead.channel if cmd.lead else ""),
                "language": cmd.language or self._store.default_language,
                "delivery_method": method,
                "delivery_address": cmd.delivery_address,
                "fields": fields,
                "note": cmd.note,
                "created_at": now,
                "updated_at": now,
            },
            lines,
        )
        await orders.add_events(
            order_id, [OrderEvent("created", cmd.actor, now, {"source": cmd.source.value})]
        )
        order = await orders.get_by_id(order_id)
        assert order is not None
        await OutboxRepository(conn).add(notifications.on_order_placed(order, self._targets), now)
        return order

    @staticmethod
    async def _reserve(products: ProductRepository, catalog: list[Product], lines: list[OrderLine]) -> None:
        needed: Counter[int] = Counter()
        for line in lines:
            if line.product_id is not None:
                needed[line.product_id] += line.quantity
        by_id = {p.id: p for p in catalog}
        # Lock products in id order so two multi-item orders never wait on each other in a cycle.
        for product_id in sorted(needed):
            product = by_id[product_id]
            if product.tracks_stock and not await products.reserve(product_id, needed[product_id]):
                current = await products.get_by_sku(product.sku)
                raise OutOfStock(product.sku, needed[product_id], current.stock if current else 0)

    async def change_status(self, cmd: ChangeStatus) -> Order:
        """Move an order along the status table; the shopper and the merchant hear of it via the outbox."""
        async with self._db.write() as conn:
            order = await self.change_status_in(conn, cmd)
        self._on_commit()
        return order

    async def change_status_in(self, conn: AsyncConnection, cmd: ChangeStatus) -> Order:
        now = self._clock()
        orders = OrderRepository(conn)
        order = await orders.get(cmd.number, for_update=True)
        if order is None:
            raise OrderNotFound(cmd.number)
        check_transition(order.status, cmd.status)
        values: dict[str, object] = {"status": cmd.status.value, "updated_at": now}
        if cmd.tracking_number is not None:
            values["tracking_number"] = cmd.tracking_number.strip()
        if cmd.carrier is not None:
            values["carrier"] = cmd.carrier.strip()
        if not await orders.update_guarded(order.id, order.status, values):
            raise ConcurrentUpdate(f"order {cmd.number} changed meanwhile; reload and retry")
        if cmd.status in RELEASES_STOCK:
            products = ProductRepository(conn)
            for line in order.lines:
                if line.product_id is not None:
                    await products.release(line.product_id, line.quantity)
        data = {"from": order.status.value, "to": cmd.status.value}
        data |= {
            k: v
            for k, v in (
                ("reason", cmd.reason),
                ("tracking_number", cmd.tracking_number),
                ("carrier", cmd.carrier),
            )
            if v
        }
        await orders.add_events(order.id, [OrderEvent("status_changed", cmd.actor, now, data)])
        updated = await orders.get_by_id(order.id)
        assert updated is not None
        messages = notifications.on_status_changed(
            updated, order.status, self._targets, sequence=len(updated.history)
        )
        await OutboxRepository(conn).add(messages, now)
        return updated

    async def get(self, number: int) -> Order:
        async with self._db.read() as conn:
            order = await OrderRepository(conn).get(number)
        if order is None:
            raise OrderNotFound(number)
        return order

    async def search(self, f: OrderFilter) -> tuple[list[Order], int]:
        async with self._db.read() as conn:
            return await OrderRepository(conn).search(f)

    async def export(self, f: OrderFilter) -> list[list[Order]]:
        async with self._db.read() as conn:
            return await OrderRepository(conn).export_batches(f)
