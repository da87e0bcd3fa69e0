"""Order use cases: place, change status, read. Each public coroutine is one transaction; each `*_in` method
runs inside the caller's (a chat turn's). Side effects go to the outbox in the same transaction."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import prometheus_client
from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from catalog.db.products import ProductRepository
from catalog.money import format_money
from catalog.search import CatalogSnapshot
from orders import notifications
from orders.checkouts import open_pay_link
from orders.commands import ChangeStatus, PlaceOrder
from orders.db.commit_hooks import when_committed
from orders.db.engine import Database
from orders.db.orders import OrderRepository
from orders.db.outbox import OutboxRepository
from orders.db.status_moves import Move, write_move
from orders.errors import ConcurrentUpdate, IdempotencyConflict, InvalidOrder, OrderNotFound
from orders.filters import OrderFilter
from orders.line_products import products_for, reserve
from orders.model import Order, OrderEvent, OrderLine, totals
from orders.notifications import NotificationTargets
from orders.outbox import OutboxMessage
from orders.placement import (
    check_methods,
    check_references,
    check_total,
    order_field_fallbacks,
    parse_fields,
    priced_lines,
)
from orders.status import RELEASES_STOCK, OrderStatus, PaymentMethod, PaymentStatus, check_transition
from orders.store import StoreConfig

log = logging.getLogger(__name__)

ORDERS_PLACED = prometheus_client.Counter(
    "chatcart_orders_placed", "Orders placed (committed) by this process, by channel.", ["channel"]
)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Placement:
    """A placed order, and whether this request created it."""

    order: Order
    created: bool  # False when an Idempotency-Key replayed an earlier placement


class OrderService:
    """Places and moves orders over the database, and wakes the outbox relay after each commit."""

    def __init__(
        self,
        db: Database,
        store: StoreConfig,
        *,
        targets: NotificationTargets | None = None,
        clock: Callable[[], datetime] = utc_now,
        on_commit: Callable[[], None] = lambda: None,
        payment_provider: str = "",
    ) -> None:
        self._db = db
        self._store = store
        # Who takes online payments ("stripe"); none: they are refused.
        self.payment_provider = payment_provider
        self._targets = targets or NotificationTargets()
        self._clock = clock
        self._on_commit = on_commit  # wakes the outbox relay once side effects are durable

    def now(self) -> datetime:
        return self._clock()

    def after_commit(self) -> None:
        """Another service's transaction wrote outbox rows: wake the relay."""
        self._on_commit()

    async def place(self, cmd: PlaceOrder, idempotency: tuple[str, str] | None = None) -> Placement:
        """Place an order; with (key, request hash) a repeated request returns the first order."""
        try:
            placement = await self._db.write(lambda conn: self._place_idempotent(conn, cmd, idempotency))
        except IntegrityError:
            if idempotency is None:
                raise
            # A concurrent request with the same key committed first; answer with its order.
            placement = await self._db.write(lambda conn: self._place_idempotent(conn, cmd, idempotency))
        if placement.created:
            self._on_commit()
        return placement

    def _place_idempotent(
        self, conn: Connection, cmd: PlaceOrder, idempotency: tuple[str, str] | None
    ) -> Placement:
        if idempotency is None:
            return Placement(self.place_in(conn, cmd), created=True)
        key, request_hash = idempotency
        orders = OrderRepository(conn)
        stored = orders.idempotent_order(key)
        if stored is not None:
            if stored[0] != request_hash:
                raise IdempotencyConflict(key)
            replay = orders.get_by_id(stored[1])
            assert replay is not None
            return Placement(replay, created=False)
        order = self.place_in(conn, cmd)
        orders.remember_idempotency(key, request_hash, order.id, self._clock())
        return Placement(order, created=True)

    def place_in(
        self,
        conn: Connection,
        cmd: PlaceOrder,
        notices: list[OutboxMessage] | None = None,
        snapshot: CatalogSnapshot | None = None,
    ) -> Order:
        """Place an order inside the caller's transaction (the chat turn uses this directly); its
        notifications are written now, or added to `notices` for the caller to write with its own rows.
        Priced from `snapshot` (PostgreSQL), it raises CatalogChanged if a product changed since."""
        now = self._clock()
        catalog, versions = products_for(conn, cmd, snapshot)
        lines = priced_lines(cmd, catalog, self._store)
        method = check_methods(cmd, self._store)
        if cmd.payment_method is PaymentMethod.ONLINE and not self.payment_provider:
            raise InvalidOrder("online payment is not configured on this server")
        check_total(totals(lines, self._store.delivery_fee_minor(method))[1])
        fields = parse_fields(
            self._store.order_fields, cmd.fields, "fields", order_field_fallbacks(cmd), method=method
        )
        reserve(conn, catalog, lines)
        values = self._new_order(cmd, lines, method, now) | {"fields": fields}
        created = OrderEvent("created", cmd.actor, now, {"source": cmd.source.value})
        order = OrderRepository(conn).insert(values, lines, created, unchanged=versions)
        told = notifications.on_order_placed(order, self._targets)
        if notices is None:
            OutboxRepository(conn).add(told, now)
        if order.payment_status is PaymentStatus.PENDING:
            open_pay_link(conn, order, self.payment_provider, now)
        if notices is not None:  # last: an order refused before this point leaves no notification behind
            notices += told
        when_committed(conn, lambda: _announce_placed(order))
        return order

    def _new_order(
        self, cmd: PlaceOrder, lines: list[OrderLine], method: str, now: datetime
    ) -> dict[str, Any]:
        """The new order's row but its number and fields: totals, parties, delivery, the reminder time."""
        fee = self._store.delivery_fee_minor(method)
        subtotal, total = totals(lines, fee)
        lead = cmd.lead
        # An online order waits for its checkout; a zero total never gets one.
        online = cmd.payment_method is PaymentMethod.ONLINE and total > 0
        return {
            "status": OrderStatus.PENDING.value,
            "payment_status": (PaymentStatus.PENDING if online else PaymentStatus.UNPAID).value,
            "payment_method": cmd.payment_method.value,
            "currency": self._store.currency,
            "subtotal": subtotal,
            "delivery_fee": fee,
            "discount": 0,
            "total": total,
            "customer_name": cmd.customer.name,
            "customer_phone": cmd.customer.phone,
            "customer_email": cmd.customer.email,
            "lead_channel": lead.channel if lead else None,
            "lead_user_id": lead.user_id if lead else None,
            "source": cmd.source.value,
            "channel": cmd.channel or (lead.channel if lead else ""),
            "language": cmd.language or self._store.default_language,
            "delivery_method": method,
            "delivery_address": cmd.delivery_address,
            "note": cmd.note,
            "remind_at": self._reminder_time(cmd, now),
            "created_at": now,
            "updated_at": now,
        }

    def _reminder_time(self, cmd: PlaceOrder, now: datetime) -> datetime | None:
        """A chat COD order gets one reminder if the shopper has not confirmed it by then."""
        if cmd.payment_method is not PaymentMethod.COD or cmd.lead is None:
            return None
        return now + timedelta(hours=self._store.store.cod_reminder_hours)

    async def change_status(self, cmd: ChangeStatus) -> Order:
        """Move an order along the status table; the shopper and the merchant hear of it via the outbox."""
        order = await self._db.write(lambda conn: self.change_status_in(conn, cmd))
        self._on_commit()
        return order

    def change_status_in(
        self, conn: Connection, cmd: ChangeStatus, current: Order | None = None, version: str | None = None
    ) -> Order:
        """`current`: the order as the caller loaded it in this transaction, locked, or unlocked with its
        row's `version` (PostgreSQL), in which case the change fails if the row was written since."""
        now = self._clock()
        order = current or OrderRepository(conn).get(cmd.number, for_update=True)
        if order is None:
            raise OrderNotFound(cmd.number)
        check_transition(order.status, cmd.status)
        check_references(cmd)
        values: dict[str, object] = {"status": cmd.status.value, "updated_at": now}
        if cmd.tracking_number is not None:
            values["tracking_number"] = cmd.tracking_number.strip()
        if cmd.carrier is not None:
            values["carrier"] = cmd.carrier.strip()
        event, updated = _moved(order, cmd, values, now)
        sequence = len(updated.history)
        told = notifications.on_status_changed(updated, order.status, self._targets, sequence=sequence)
        if not write_move(conn, Move(order.id, order.status, values, event, told, version), now):
            raise ConcurrentUpdate(f"order {cmd.number} changed meanwhile; reload and retry")
        if cmd.status in RELEASES_STOCK:
            products = ProductRepository(conn)
            for line in order.lines:
                if line.product_id is not None:
                    products.release(line.product_id, line.quantity)
        when_committed(conn, lambda: _announce_moved(updated, order.status, cmd.actor))
        return updated

    async def get(self, number: int) -> Order:
        order = await self._db.read(lambda conn: OrderRepository(conn).get(number))
        if order is None:
            raise OrderNotFound(number)
        return order

    async def search(self, f: OrderFilter) -> tuple[list[Order], int]:
        return await self._db.read(lambda conn: OrderRepository(conn).search(f))

    async def export(self, f: OrderFilter) -> list[list[Order]]:
        return await self._db.read(lambda conn: OrderRepository(conn).export_batches(f))


def _moved(
    order: Order, cmd: ChangeStatus, values: dict[str, object], now: datetime
) -> tuple[OrderEvent, Order]:
    """The status change's history entry, and the order as it is once `values` are applied."""
    data = {"from": order.status.value, "to": cmd.status.value}
    extras = (("reason", cmd.reason), ("tracking_number", cmd.tracking_number), ("carrier", cmd.carrier))
    data |= {k: v for k, v in extras if v}
    event = OrderEvent("status_changed", cmd.actor, now, data)
    delivery = replace(
        order.delivery,
        tracking_number=str(values.get("tracking_number", order.delivery.tracking_number)),
        carrier=str(values.get("carrier", order.delivery.carrier)),
    )
    moved = replace(
        order, status=cmd.status, delivery=delivery, updated_at=now, history=(*order.history, event)
    )
    return event, moved


def _facts(order: Order) -> dict[str, object]:
    """What an operator searches the logs for, as JSON log fields too."""
    channel = order.channel or order.source.value
    return {"order": order.number, "channel": channel, "total": order.total, "currency": order.currency}


def _announce_placed(order: Order) -> None:
    facts = _facts(order)
    ORDERS_PLACED.labels(facts["channel"]).inc()
    total = format_money(order.total, order.currency)
    log.info("order #%d placed: channel %s, total %s", order.number, facts["channel"], total, extra=facts)


def _announce_moved(order: Order, previous: OrderStatus, actor: str) -> None:
    facts = _facts(order) | {"status": order.status.value, "previous_status": previous.value, "actor": actor}
    total = format_money(order.total, order.currency)
    log.info(
        "order #%d %s -> %s by %s: channel %s, total %s",
        order.number,
        previous.value,
        order.status.value,
        actor,
        facts["channel"],
        total,
        extra=facts,
    )
