"""Payment use cases: provider events, staff-recorded payments, voids and settling partial payments. Each
public coroutine is one transaction; state, history and messages commit together or not at all."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from sqlalchemy import Connection

from orders import notifications
from orders.commands import ChangeStatus
from orders.db.engine import Database
from orders.db.orders import OrderRepository
from orders.db.outbox import OutboxRepository
from orders.db.payments import PaymentListing, PaymentRepository
from orders.errors import ConcurrentUpdate, InvalidOrder, OrderNotFound, PaymentNotFound, PaymentNotRecorded
from orders.filters import PaymentFilter
from orders.model import Order, OrderEvent, Payment
from orders.notifications import NotificationTargets
from orders.payments.gateway import PaymentEvent, PaymentOutcome
from orders.payments.ledger import (
    ManualMethod,
    PaymentRecordStatus,
    balance,
    payment_status,
    record_status,
)
from orders.payments.manual import ManualPayment, check_manual
from orders.services import OrderService
from orders.status import OrderStatus, PaymentMethod, PaymentStatus, can_transition


class PaymentService:
    """Payments of orders over the database; confirms an order once it is paid, telling everyone."""

    def __init__(
        self,
        db: Database,
        orders: OrderService,
        *,
        targets: NotificationTargets | None = None,
        clock: Callable[[], datetime],
        on_commit: Callable[[], None] = lambda: None,
    ) -> None:
        self._db = db
        self._orders = orders
        self._targets = targets or NotificationTargets()
        self._clock = clock
        self._on_commit = on_commit

    # --- provider events -------------------------------------------------------------------------------

    async def apply(self, event: PaymentEvent, provider: str) -> bool:
        """Apply a verified event once; False when its id was processed before."""
        applied = await self._db.write(lambda conn: self.apply_in(conn, event, provider))
        if applied:
            self._on_commit()
        return applied

    def apply_in(self, conn: Connection, event: PaymentEvent, provider: str) -> bool:
        now = self._clock()
        payments = PaymentRepository(conn)
        if not payments.claim_event(event.event_id, provider, event.kind, now):
            return False
        if event.outcome is PaymentOutcome.REFUNDED:
            self._refund(conn, event, provider, now)
            return True
        order = OrderRepository(conn).get(event.order_number or 0, for_update=True)
        if order is None:
            return True  # not an order of this store: claimed, so that its retries stop here
        payments.link_event(event.event_id, order.id)
        if event.outcome is PaymentOutcome.PAID:
            self._paid(conn, order, event, provider, now)
        elif order.payment_status in (PaymentStatus.PENDING, PaymentStatus.UNPAID):
            # Expired or declined: the order waits under "Payment failed"; its link opens a new checkout.
            history = OrderEvent("payment_failed", provider, now, {"event": event.kind})
            self._set_status(conn, order, PaymentStatus.FAILED, history, now)
        return True

    def _paid(
        self, conn: Connection, order: Order, event: PaymentEvent, provider: str, now: datetime
    ) -> None:
        payments = PaymentRepository(conn)
        if payments.by_reference(provider, event.reference) is not None:
            return  # recorded already: by the other "paid" event of the session, or by "I've paid"
        payment = Payment(
            amount=event.amount,
            currency=event.currency,
            provider=provider,
            status=PaymentRecordStatus.SUCCEEDED.value,
            reference=event.reference,
            fee=event.fee,
            net=event.net or event.amount - event.fee,
            created_at=now,
            method=provider,
            paid_at=now,
            actor=provider,
        )
        self._record_in(conn, order, payment, provider, now)

    def _refund(self, conn: Connection, event: PaymentEvent, provider: str, now: datetime) -> None:
        payments = PaymentRepository(conn)
        found = payments.by_reference(provider, event.reference)
        if found is None:
            raise PaymentNotRecorded(f"no {provider} payment {event.reference} recorded yet")
        order_id, payment = found
        payments.link_event(event.event_id, order_id)
        refunded = min(event.refunded, payment.amount)
        status = record_status(replace(payment, refunded=refunded))
        if not payments.set_refunded(payment.id, refunded, status.value):
            return  # an older refund event: the running total it reports was recorded already
        order = OrderRepository(conn).get_by_id(order_id)
        assert order is not None
        lives = [replace(p, refunded=refunded) if p.id == payment.id else p for p in order.payments]
        data = {"payment_id": payment.id, "refunded": refunded, "amount": payment.amount}
        history = OrderEvent("payment_refunded", provider, now, data)
        self._set_status(conn, replace(order, payments=tuple(lives)), None, history, now)

    # --- staff -----------------------------------------------------------------------------------------

    async def record(self, number: int, manual: ManualPayment, actor: str) -> Order:
        """Record a payment staff received; the order is paid in full or partly."""
        check_manual(manual)

        def work(conn: Connection) -> Order:
            order = self._locked(conn, number)
            now = self._clock()
            payment = Payment(
                amount=manual.amount,
                currency=order.currency,
                provider="manual",
                status=PaymentRecordStatus.SUCCEEDED.value,
                reference=manual.reference.strip(),
                fee=manual.fee,
                net=manual.amount - manual.fee,
                created_at=now,
                method=manual.method,
                comment=manual.comment.strip(),
                paid_at=manual.paid_at or now,
                actor=actor,
            )
            return self._record_in(conn, order, payment, actor, now)

        return await self._write(work)

    async def void(self, number: int, payment_id: int, actor: str) -> Order:
        """Void a payment recorded by mistake; it stays in the list and the history says who voided it."""

        def work(conn: Connection) -> Order:
            order = self._locked(conn, number)
            now = self._clock()
            if payment_id not in {p.id for p in order.payments}:
                raise PaymentNotFound(f"order {number} has no payment {payment_id}")
            if not PaymentRepository(conn).void(payment_id, actor, now):
                raise InvalidOrder(f"payment {payment_id} is voided already")
            kept = tuple(
                replace(p, voided_at=now, voided_by=actor, status="voided") if p.id == payment_id else p
                for p in order.payments
            )
            history = OrderEvent("payment_voided", actor, now, {"payment_id": payment_id})
            return self._set_status(conn, replace(order, payments=kept), None, history, now)

        return await self._write(work)

    async def settle(self, number: int, accept: bool, actor: str) -> Order:
        """A partly paid order accepted as settled (paid) or declined (cancelled), by a manager."""

        def work(conn: Connection) -> Order:
            order = self._locked(conn, number)
            now = self._clock()
            if order.payment_status is not PaymentStatus.PARTIALLY_PAID:
                raise InvalidOrder(f"order {number} is not partly paid")
            if order.status in (OrderStatus.CANCELLED, OrderStatus.RETURNED):
                raise InvalidOrder(f"order {number} is {order.status.value}: nothing to settle")
            b = balance(order.total, order.payments)
            if accept:
                history = OrderEvent("partial_payment_accepted", actor, now, {"due": b.due})
                settled = self._set_status(conn, order, PaymentStatus.PAID, history, now)
                return self._confirm(conn, settled, actor)
            history = OrderEvent("partial_payment_declined", actor, now, {"due": b.due})
            OrderRepository(conn).add_events(order.id, [history])
            declined = replace(order, history=(*order.history, history))
            if can_transition(order.status, OrderStatus.CANCELLED):
                cancel = ChangeStatus(number, OrderStatus.CANCELLED, actor, reason="partial payment declined")
                return self._orders.change_status_in(conn, cancel, current=declined)
            return declined

        return await self._write(work)

    async def collect_cash(self, number: int, actor: str) -> Order:
        """A delivered cash-on-delivery order's cash, in one click: what is due, recorded as cash."""

        def work(conn: Connection) -> Order:
            order = self._locked(conn, number)
            due = balance(order.total, order.payments).due
            if order.payment_method is not PaymentMethod.COD or order.status is not OrderStatus.DELIVERED:
                raise InvalidOrder(f"order {number} is not a delivered cash-on-delivery order")
            if due <= 0:
                raise InvalidOrder(f"order {number} has nothing left to pay")
            now = self._clock()
            payment = Payment(
                amount=due,
                currency=order.currency,
                provider="manual",
                status=PaymentRecordStatus.SUCCEEDED.value,
                net=due,
                created_at=now,
                method=ManualMethod.CASH.value,
                comment="cash on delivery",
                paid_at=now,
                actor=actor,
            )
            return self._record_in(conn, order, payment, actor, now)

        return await self._write(work)

    async def listing(self, f: PaymentFilter) -> tuple[list[PaymentListing], int]:
        return await self._db.read(lambda conn: PaymentRepository(conn).listing(f))

    # --- shared ----------------------------------------------------------------------------------------

    async def _write(self, work: Callable[[Connection], Order]) -> Order:
        order = await self._db.write(work)
        self._on_commit()
        return order

    @staticmethod
    def _locked(conn: Connection, number: int) -> Order:
        order = OrderRepository(conn).get(number, for_update=True)
        if order is None:
            raise OrderNotFound(number)
        return order

    def _record_in(
        self, conn: Connection, order: Order, payment: Payment, actor: str, now: datetime
    ) -> Order:
        """Add a payment, move the payment status, tell everyone; paid in full, a new order is confirmed."""
        added = PaymentRepository(conn).add(order.id, payment)
        with_it = replace(order, payments=(*order.payments, added))
        data = {"payment_id": added.id, "amount": added.amount, "method": added.method}
        history = OrderEvent("payment_received", actor, now, data)
        updated = self._set_status(conn, with_it, None, history, now)
        messages = notifications.on_payment_received(updated, added, self._targets)
        OutboxRepository(conn).add(
            [*messages, *notifications.on_payment(updated, self._targets, added.id)], now
        )
        if updated.payment_status is PaymentStatus.PAID:
            return self._confirm(conn, updated, actor)
        return updated

    def _confirm(self, conn: Connection, order: Order, actor: str) -> Order:
        """Payment confirms a new order with no manual step (F048); other statuses stay as they are."""
        if order.status is not OrderStatus.PENDING:
            return order
        return self._orders.change_status_in(
            conn, ChangeStatus(order.number, OrderStatus.CONFIRMED, actor), current=order
        )

    def _set_status(
        self, conn: Connection, order: Order, status: PaymentStatus | None, history: OrderEvent, now: datetime
    ) -> Order:
        """Write the payment status (`None`: what the payments add up to) with a history entry."""
        new = status or payment_status(order, order.payments)
        orders = OrderRepository(conn)
        values = {"payment_status": new.value, "updated_at": now}
        if not orders.update_guarded(order.id, order.status, values):
            raise ConcurrentUpdate(f"order {order.number} changed meanwhile; reload and retry")
        orders.add_events(order.id, [history])
        return replace(order, payment_status=new, updated_at=now, history=(*order.history, history))
