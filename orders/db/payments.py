"""Payment persistence: payment rows, pay links, provider events claimed once, and the list across orders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, func, select, update

from catalog.db.schema import insert_ignoring
from orders.db.orders import payment_from_row
from orders.db.tables import orders, payment_events, payment_links, payments
from orders.filters import PaymentFilter
from orders.model import Payment


@dataclass(frozen=True, slots=True)
class PayLink:
    """An order's pay link: our token, and the provider's current session behind it."""

    order_id: int
    token: str
    provider: str
    attempt: int
    session_id: str
    url: str
    expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class PaymentListing:
    """A payment with the order it belongs to, for lists across orders."""

    payment: Payment
    order_number: int
    order_total: int
    customer_name: str


def _day(d: date) -> datetime:
    return datetime.combine(d, time(0, 0, tzinfo=UTC))


def _conditions(f: PaymentFilter) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if f.status == "voided":
        conds.append(payments.c.voided_at.is_not(None))
    elif f.status:
        conds += [payments.c.status == f.status, payments.c.voided_at.is_(None)]
    if f.provider:
        conds.append(payments.c.provider == f.provider)
    if f.date_from is not None:
        conds.append(payments.c.created_at >= _day(f.date_from))
    if f.date_to is not None:
        conds.append(payments.c.created_at < _day(f.date_to + timedelta(days=1)))
    return conds


class PaymentRepository:
    """The payment tables, inside one transaction."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, order_id: int, payment: Payment) -> Payment:
        values = {
            "order_id": order_id,
            "amount": payment.amount,
            "currency": payment.currency,
            "provider": payment.provider,
            "reference": payment.reference,
            "status": payment.status,
            "fee": payment.fee,
            "net": payment.net,
            "created_at": payment.created_at,
            "method": payment.method,
            "comment": payment.comment,
            "paid_at": payment.paid_at,
            "refunded": payment.refunded,
            "actor": payment.actor,
        }
        payment_id = self._conn.execute(payments.insert().returning(payments.c.id), values).scalar_one()
        return self.get(int(payment_id)) or payment

    def get(self, payment_id: int) -> Payment | None:
        row = self._conn.execute(select(payments).where(payments.c.id == payment_id)).first()
        return payment_from_row(row._mapping) if row else None

    def order_id_of(self, payment_id: int) -> int | None:
        found = self._conn.execute(select(payments.c.order_id).where(payments.c.id == payment_id))
        return found.scalar_one_or_none()

    def by_reference(self, provider: str, reference: str) -> tuple[int, Payment] | None:
        """(order id, payment) of the provider's reference (a Stripe PaymentIntent), if recorded."""
        query = select(payments).where(payments.c.provider == provider, payments.c.reference == reference)
        row = self._conn.execute(query.order_by(payments.c.id)).first()
        return (row._mapping["order_id"], payment_from_row(row._mapping)) if row else None

    def void(self, payment_id: int, actor: str, now: datetime) -> bool:
        """Void a payment still counting; False when it was voided already."""
        statement = (
            update(payments)
            .where(payments.c.id == payment_id, payments.c.voided_at.is_(None))
            .values(voided_at=now, voided_by=actor, status="voided")
        )
        return self._conn.execute(statement).rowcount == 1

    def set_refunded(self, payment_id: int, refunded: int, status: str) -> bool:
        """Refunds only grow (Stripe reports the running total): an older event never lowers them."""
        statement = (
            update(payments)
            .where(payments.c.id == payment_id, payments.c.refunded < refunded)
            .values(refunded=refunded, status=status)
        )
        return self._conn.execute(statement).rowcount == 1

    def claim_event(self, event_id: str, provider: str, kind: str, now: datetime) -> bool:
        """Claim a provider's event id; False when it was processed before (a replay or a retry)."""
        values = {"event_id": event_id, "provider": provider, "kind": kind, "received_at": now}
        values |= {"order_id": None}
        statement = insert_ignoring(self._conn, payment_events, ["event_id"])
        return self._conn.execute(statement, values).rowcount == 1

    def link_event(self, event_id: str, order_id: int) -> None:
        statement = update(payment_events).where(payment_events.c.event_id == event_id)
        self._conn.execute(statement.values(order_id=order_id))

    def pay_link(self, order_id: int, *, for_update: bool = False) -> PayLink | None:
        query = select(payment_links).where(payment_links.c.order_id == order_id)
        row = self._conn.execute(query.with_for_update() if for_update else query).first()
        return _link(row._mapping) if row else None

    def pay_link_by_token(self, token: str) -> PayLink | None:
        row = self._conn.execute(select(payment_links).where(payment_links.c.token == token)).first()
        return _link(row._mapping) if row else None

    def create_pay_link(
        self, order_id: int, token: str, provider: str, now: datetime, expires: datetime
    ) -> None:
        """The link, with the first session's planned expiry: every retry of its creation sends the same."""
        values = {
            "order_id": order_id,
            "token": token,
            "provider": provider,
            "attempt": 1,
            "session_id": "",
            "url": "",
            "expires_at": expires,
            "created_at": now,
        }
        self._conn.execute(insert_ignoring(self._conn, payment_links, ["order_id"]), values)

    def store_session(
        self, order_id: int, attempt: int, session_id: str, url: str, expires: datetime
    ) -> bool:
        """Record the provider's session of this attempt; an older attempt never overwrites a newer one."""
        statement = (
            update(payment_links)
            .where(payment_links.c.order_id == order_id, payment_links.c.attempt <= attempt)
            .values(attempt=attempt, session_id=session_id, url=url, expires_at=expires)
        )
        return self._conn.execute(statement).rowcount == 1

    def renew(self, order_id: int, attempt: int, expires: datetime) -> bool:
        """Move to the next attempt once (False when another request did already)."""
        statement = (
            update(payment_links)
            .where(payment_links.c.order_id == order_id, payment_links.c.attempt == attempt)
            .values(attempt=attempt + 1, session_id="", url="", expires_at=expires)
        )
        return self._conn.execute(statement).rowcount == 1

    def reopen(self, order_id: int, now: datetime) -> bool:
        """A failed payment is pending again (a new checkout was opened); False if it moved meanwhile."""
        statement = (
            update(orders)
            .where(orders.c.id == order_id, orders.c.payment_status == "failed")
            .values(payment_status="pending", updated_at=now)
        )
        return self._conn.execute(statement).rowcount == 1

    def listing(self, f: PaymentFilter) -> tuple[list[PaymentListing], int]:
        where = and_(True, *_conditions(f))
        joined = payments.join(orders, orders.c.id == payments.c.order_id)
        total = self._conn.execute(select(func.count()).select_from(joined).where(where)).scalar_one()
        query = (
            select(payments, orders.c.number, orders.c.total.label("order_total"), orders.c.customer_name)
            .select_from(joined)
            .where(where)
            .order_by(payments.c.created_at.desc(), payments.c.id.desc())
            .limit(f.per_page)
            .offset(f.offset)
        )
        rows = [
            PaymentListing(payment_from_row(m), m["number"], m["order_total"], m["customer_name"])
            for m in (r._mapping for r in self._conn.execute(query))
        ]
        return rows, int(total)


def _link(m: Any) -> PayLink:
    return PayLink(
        m["order_id"], m["token"], m["provider"], m["attempt"], m["session_id"], m["url"], m["expires_at"]
    )
