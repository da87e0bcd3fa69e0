"""Carry out the conversation engine's commands against the order services, inside the turn's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from bot.turns.failures import refused_value
from catalog.search import CatalogSnapshot
from flows.messages import ConversationKey
from flows.results import REFUSED_OTHER, REFUSED_STOCK, REFUSED_UNAVAILABLE
from flows.turn import (
    CancelOrderCommand,
    Command,
    ConfirmOrderCommand,
    OrderPlaced,
    OrderRefused,
    OrderReopened,
    Outcome,
    PaymentCheck,
    PaymentCheckCommand,
    PlaceOrderCommand,
    ReopenOrderCommand,
    StatusMoved,
    StatusReport,
    StatusUnchanged,
)
from orders.checkouts import check_message
from orders.commands import ChangeStatus, PlaceOrder
from orders.db.orders import OrderRepository
from orders.db.outbox import OutboxRepository
from orders.db.statements import DriverSavepoint
from orders.errors import OrderError, OutOfStock, UnknownProduct
from orders.line_products import snapshot_product
from orders.model import Customer, Lead, Order
from orders.outbox import OutboxMessage
from orders.services import OrderService
from orders.status import OrderStatus, PaymentMethod, PaymentStatus

MAX_NUMBER = 2**31 - 1  # orders.number is a 32-bit INTEGER on PostgreSQL: no bigger order exists
# The customer's columns (orders/db/tables.py): a longer answer typed in chat is refused with a reason,
# the same on SQLite (which would keep it) as on PostgreSQL (which refuses it).
CUSTOMER_COLUMNS = (("name", 200), ("phone", 64), ("email", 200))


@dataclass(frozen=True, slots=True)
class Batched:
    """A command run in the runner's batch of turns; on PostgreSQL, where several conversations' turns share
    one, each statement is a round trip of the whole batch.

    `notices`: the new orders' notifications, which the batch writes with its replies in one statement.
    `shared`: the batch holds other conversations' turns. A placement there takes a savepoint (a round trip)
    only when the turn's catalog says a product tracks stock, the one refusal that can follow a write of
    its own; any other error fails the batch, whose turns then run again each alone, with savepoints. Such
    a placement is priced from the turn's catalog, not read again (its insert checks that no product changed
    since); a confirmation or cancellation there reads its order unlocked and moves it only if nobody wrote
    it since.
    """

    notices: list[OutboxMessage]
    catalog: CatalogSnapshot
    shared: bool


class OrderCommands:
    """Carries out what the engine asked (place, confirm, cancel, report) in the turn's transaction."""

    def __init__(self, orders: OrderService) -> None:
        self._orders = orders

    def run(
        self,
        conn: Connection,
        key: ConversationKey,
        command: Command,
        now: datetime,
        batched: Batched | None = None,
    ) -> Outcome:
        if isinstance(command, PlaceOrderCommand):
            return self._place(conn, command, batched)
        if isinstance(command, ConfirmOrderCommand):
            return self._move(conn, key, command.number, OrderStatus.CONFIRMED, batched)
        if isinstance(command, CancelOrderCommand):
            return self._move(conn, key, command.number, OrderStatus.CANCELLED, batched)
        if isinstance(command, PaymentCheckCommand):
            return self._check_payment(conn, key, command.number, now)
        if isinstance(command, ReopenOrderCommand):
            return self._reopen(conn, key, command.number)
        number = command.number
        order = OrderRepository(conn).get(number) if 0 < number <= MAX_NUMBER else None
        return StatusReport(number, order.status if order and _owns(order.lead, key) else None)

    def _place(self, conn: Connection, command: PlaceOrderCommand, batched: Batched | None) -> Outcome:
        if (too_long := _too_long(command.order.customer)) is not None:
            return OrderRefused(too_long)
        notices = None if batched is None else batched.notices
        # `place_in` hands over the notifications last, once nothing of the placement can fail.
        if batched is not None and batched.shared and not _tracks_stock(command.order, batched.catalog):
            # Priced from the turn's catalog, read when the products changed, not at every order (the
            # insert checks none changed since); raises, and the batch runs again.
            snapshot = batched.catalog if _versioned(conn, batched) else None
            order = self._orders.place_in(conn, command.order, notices, snapshot)
            return _placed(order)
        # A savepoint: a refused order (sold out meanwhile) undoes its reservations, not the whole turn.
        savepoint = DriverSavepoint(conn, "place_order")
        try:
            order = self._orders.place_in(conn, command.order, notices)
        except OrderError as exc:
            savepoint.rollback()
            # The engine words the refusal for the shopper; the services' text is for staff and logs.
            if isinstance(exc, OutOfStock):
                return OrderRefused(REFUSED_STOCK, exc.sku)
            return OrderRefused(REFUSED_UNAVAILABLE if isinstance(exc, UnknownProduct) else REFUSED_OTHER)
        except Exception as exc:
            if not refused_value(exc):
                raise
            # A value no column holds (a total beyond 32 bits on PostgreSQL): the shopper hears so, and
            # the turn (and with it the shopper's next messages) goes on.
            savepoint.rollback()
            return OrderRefused(REFUSED_OTHER)
        savepoint.release()
        return _placed(order)

    def _check_payment(self, conn: Connection, key: ConversationKey, number: int, now: datetime) -> Outcome:
        """ "I've paid": the provider is asked after commit (through the outbox), and the shopper told."""
        order = OrderRepository(conn).get(number) if 0 < number <= MAX_NUMBER else None
        if order is None or not _owns(order.lead, key):
            return PaymentCheck(number, None)
        waiting = order.payment_status in (PaymentStatus.PENDING, PaymentStatus.FAILED)
        if waiting and order.payment_method is PaymentMethod.ONLINE:
            OutboxRepository(conn).add([check_message(order.id, now)], now)
            return PaymentCheck(number, order.payment_status.value, asking=True)
        return PaymentCheck(number, order.payment_status.value)

    def _move(
        self,
        conn: Connection,
        key: ConversationKey,
        number: int,
        target: OrderStatus,
        batched: Batched | None,
    ) -> Outcome:
        """A shopper may confirm or cancel only their own order, and only while it is pending."""
        if not 0 < number <= MAX_NUMBER:
            return StatusUnchanged(number, None, target)
        repo, version = OrderRepository(conn), None
        if _versioned(conn, batched):
            # Read unlocked, with its children, in one statement; the move then raises (and the batch runs
            # again, each turn alone and locking) if the order was written since.
            order, version = repo.get_versioned(number) or (None, None)
        else:
            order = repo.get(number, for_update=True)
        if order is None or not _owns(order.lead, key):
            return StatusUnchanged(number, None, target)
        if order.status is not OrderStatus.PENDING:
            return StatusUnchanged(number, order.status, target)
        change = ChangeStatus(number, target, "customer")
        self._orders.change_status_in(conn, change, current=order, version=version)
        return StatusMoved(number, target)

    def _reopen(self, conn: Connection, key: ConversationKey, number: int) -> Outcome:
        """A pending order of this shopper's is cancelled (its stock put back) and handed back as a cart."""
        if not 0 < number <= MAX_NUMBER:
            return StatusUnchanged(number, None)
        order = OrderRepository(conn).get(number, for_update=True)
        if order is None or not _owns(order.lead, key):
            return StatusUnchanged(number, None)
        if order.status is not OrderStatus.PENDING:
            return StatusUnchanged(number, order.status)
        change = ChangeStatus(number, OrderStatus.CANCELLED, "customer", reason="changed in chat")
        self._orders.change_status_in(conn, change, current=order)
        return OrderReopened(number, order.lines, dict(order.fields), order.delivery.method)


def _placed(order: Order) -> OrderPlaced:
    return OrderPlaced(order.number, order.total, online=order.payment_status is PaymentStatus.PENDING)


def _versioned(conn: Connection, batched: Batched | None) -> bool:
    """Whether reads may go unlocked, guarded by row versions: in a batch shared with other turns, which
    only PostgreSQL runs (tests share batches on SQLite too, where rows have no version)."""
    return batched is not None and batched.shared and conn.dialect.name == "postgresql"


def _tracks_stock(order: PlaceOrder, catalog: CatalogSnapshot) -> bool:
    """Whether a line's product tracks stock, as far as the catalog knows (one it does not know may)."""
    for line in order.lines:
        product = snapshot_product(catalog, line)
        if product is None or product.tracks_stock:
            return True
    return False


def _too_long(customer: Customer) -> str | None:
    for field, limit in CUSTOMER_COLUMNS:
        if len(getattr(customer, field)) > limit:
            return f"the {field} is longer than {limit} characters"
    return None


def _owns(lead: Lead | None, key: ConversationKey) -> bool:
    return lead is not None and (lead.channel, lead.user_id) == (key.channel, key.user_id)
