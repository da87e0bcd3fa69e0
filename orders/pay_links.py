"""Pay links: the provider's checkout behind an order's own link, created after commit, renewed once expired,
and re-checked when the shopper says they paid."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Connection

from catalog.money import format_money
from orders.checkouts import CHECKOUT_LIFETIME, MIN_AHEAD, checkout_message
from orders.db.engine import Database
from orders.db.orders import OrderRepository
from orders.db.outbox import OutboxRepository
from orders.db.payments import PayLink, PaymentRepository
from orders.model import Order, OrderEvent
from orders.outbox import OutboxKind, OutboxMessage
from orders.payment_services import PaymentService
from orders.payments.gateway import CheckoutRequest, PaymentEvent, PaymentGateway, PaymentOutcome
from orders.status import OrderStatus, PaymentStatus

# A link for these leads to no checkout: nothing is owed, or the order is over.
_SETTLED = frozenset({PaymentStatus.PAID, PaymentStatus.REFUNDED})
_CLOSED = frozenset({OrderStatus.CANCELLED, OrderStatus.RETURNED})


@dataclass(frozen=True, slots=True)
class LinkAnswer:
    """Where an opened pay link sends the shopper: to the checkout, or to a page saying why not."""

    url: str = ""
    order_number: int = 0
    state: str = "checkout"  # checkout | paid | closed | unknown


class PayLinks:
    """Creates and renews checkouts with the provider; `public_url` is where shoppers reach this server."""

    def __init__(
        self,
        db: Database,
        gateway: PaymentGateway,
        payments: PaymentService,
        *,
        public_url: str,
        clock: Callable[[], datetime],
        on_commit: Callable[[], None] = lambda: None,
    ) -> None:
        self._db = db
        self._gateway = gateway
        self._payments = payments
        self._public = public_url.rstrip("/")
        self._clock = clock
        self._on_commit = on_commit

    @property
    def provider(self) -> str:
        return self._gateway.name

    def link_url(self, token: str) -> str:
        return f"{self._public}/pay/{token}"

    async def create(self, order_id: int, attempt: int) -> None:
        """The outbox's job: this attempt's checkout, then the shopper gets the link (once per attempt)."""
        found = await self._db.read(lambda conn: _load(conn, order_id))
        if found is None:
            return
        order, link = found
        if not _payable(order):
            return  # paid meanwhile, or cancelled: nothing to pay
        if link.attempt == attempt and not link.url:
            if link.expires_at is None or link.expires_at - self._clock() < MIN_AHEAD:
                await self._renew(order, link)  # waited too long in the outbox: plan a new one
                return
            checkout = await self._gateway.checkout(self._request(order, link))
        else:
            checkout = None  # opened (or renewed) through the link already: only the message is owed

        def store(conn: Connection) -> None:
            now = self._clock()
            if checkout is not None:
                expires = checkout.expires_at or link.expires_at or now
                payments = PaymentRepository(conn)
                payments.store_session(order.id, attempt, checkout.reference, checkout.url, expires)
                data = {"attempt": attempt, "session": checkout.reference}
                created = OrderEvent("payment_link_created", self.provider, now, data)
                OrderRepository(conn).add_events(order.id, [created])
            # The link is ours and never changes, so whichever attempt sends it, the shopper gets it once.
            OutboxRepository(conn).add(self._link_messages(order, link, attempt), now)

        await self._db.write(store)
        self._on_commit()

    async def url_of(self, order_id: int) -> str | None:
        """The order's pay link (for staff to copy), if it has one."""
        link = await self._db.read(lambda conn: PaymentRepository(conn).pay_link(order_id))
        return self.link_url(link.token) if link is not None else None

    async def resend(self, order_id: int) -> bool:
        """Send the shopper their pay link again ("Send again"); False when there is nothing to pay."""
        found = await self._db.read(lambda conn: _load(conn, order_id))
        if found is None or not _payable(found[0]) or found[0].lead is None:
            return False
        order, link = found

        def work(conn: Connection) -> None:
            now = self._clock()
            messages = self._link_messages(order, link, 0)
            again = [replace(m, dedupe_key=f"{m.dedupe_key}:again:{now.isoformat()}") for m in messages]
            OutboxRepository(conn).add(again, now)

        await self._db.write(work)
        self._on_commit()
        return True

    async def open(self, token: str) -> LinkAnswer:
        """An opened pay link: the current checkout, or a new one if it expired (the link keeps working)."""
        found = await self._db.read(lambda conn: _by_token(conn, token))
        if found is None:
            return LinkAnswer(state="unknown")
        order, link = found
        if not _payable(order):
            state = "paid" if order.payment_status in _SETTLED else "closed"
            return LinkAnswer(order_number=order.number, state=state)
        now = self._clock()
        fresh = link.expires_at is not None and link.expires_at - now > MIN_AHEAD
        if link.url and fresh and order.payment_status is not PaymentStatus.FAILED:
            return LinkAnswer(link.url, order.number)
        if link.url or not fresh:
            link = await self._renew(order, link, send=False)
        checkout = await self._gateway.checkout(self._request(order, link))

        def store(conn: Connection) -> None:
            payments = PaymentRepository(conn)
            expires = checkout.expires_at or link.expires_at or now
            payments.store_session(order.id, link.attempt, checkout.reference, checkout.url, expires)
            if payments.reopen(order.id, now):
                data = {"attempt": link.attempt, "session": checkout.reference}
                renewed = OrderEvent("payment_link_renewed", self.provider, now, data)
                OrderRepository(conn).add_events(order.id, [renewed])

        await self._db.write(store)
        return LinkAnswer(checkout.url, order.number)

    async def check(self, order_id: int) -> bool:
        """ "I've paid": ask the provider; a paid session is applied now (its webhook then adds nothing)."""
        found = await self._db.read(lambda conn: _load(conn, order_id))
        if found is None:
            return False
        order, link = found
        state = await self._gateway.session(link.session_id) if link.session_id else None
        if state is None or not state.paid:
            await self._db.write(lambda conn: self._not_yet(conn, order, link))
            self._on_commit()
            return False
        event = PaymentEvent(
            event_id=f"check:{state.session_id}",
            kind="check",
            outcome=PaymentOutcome.PAID,
            order_number=found[0].number,
            amount=state.amount,
            currency=state.currency,
            reference=state.reference,
            session_id=state.session_id,
        )
        await self._payments.apply(event, self.provider)
        return True

    async def _renew(self, order: Order, link: PayLink, *, send: bool = True) -> PayLink:
        """The next attempt with a new expiry; `send`: created by the outbox, which then sends the link."""
        expires = self._clock() + CHECKOUT_LIFETIME

        def work(conn: Connection) -> PayLink:
            payments = PaymentRepository(conn)
            if payments.renew(order.id, link.attempt, expires) and send:
                OutboxRepository(conn).add([checkout_message(order.id, link.attempt + 1)], self._clock())
            renewed = payments.pay_link(order.id)
            assert renewed is not None
            return renewed

        renewed = await self._db.write(work)
        self._on_commit()
        return renewed

    def _request(self, order: Order, link: PayLink) -> CheckoutRequest:
        assert link.expires_at is not None
        return CheckoutRequest(
            order_number=order.number,
            amount=order.total,
            currency=order.currency,
            description=f"Order #{order.number}",
            success_url=f"{self.link_url(link.token)}/done?session_id={{CHECKOUT_SESSION_ID}}",
            cancel_url=self.link_url(link.token),
            expires_at=link.expires_at,
            # Our random token, not the order id: two stores on one Stripe account never share a key.
            idempotency_key=f"chatcart-checkout-{link.token}-{link.attempt}",
        )

    def _not_yet(self, conn: Connection, order: Order, link: PayLink) -> None:
        """The provider has no payment yet: the shopper gets the link again."""
        if order.lead is None:
            return
        now = self._clock()
        params = {"number": order.number, "url": self.link_url(link.token)}
        payload = {
            "template": "payment_not_yet",
            "language": order.language,
            "params": params,
            "link": {"label": "pay", "url": self.link_url(link.token)},
        }
        key = f"order:{order.id}:notyet:{now.isoformat()}"
        message = OutboxMessage(OutboxKind.CUSTOMER_MESSAGE, order.lead.address, payload, key, order.id)
        OutboxRepository(conn).add([message], now)

    def _link_messages(self, order: Order, link: PayLink, attempt: int) -> list[OutboxMessage]:
        if order.lead is None:
            return []  # an order from the API or the dashboard: staff copy the link from the order page
        params = {
            "number": order.number,
            "total": order.total,
            "currency": order.currency,
            "total_text": format_money(order.total, order.currency, order.language),
            "url": self.link_url(link.token),
        }
        payload = {
            "template": "payment_link",
            "language": order.language,
            "params": params,
            "link": {"label": "pay", "url": self.link_url(link.token)},
        }
        key = f"order:{order.id}:paylink:{attempt}:customer"
        return [OutboxMessage(OutboxKind.CUSTOMER_MESSAGE, order.lead.address, payload, key, order.id)]


def _payable(order: Order) -> bool:
    return order.payment_status not in _SETTLED and order.status not in _CLOSED and order.total > 0


def _load(conn: Connection, order_id: int) -> tuple[Order, PayLink] | None:
    order = OrderRepository(conn).get_by_id(order_id)
    link = PaymentRepository(conn).pay_link(order_id)
    return (order, link) if order is not None and link is not None else None


def _by_token(conn: Connection, token: str) -> tuple[Order, PayLink] | None:
    if not token.isascii() or len(token) > 64:
        return None
    link = PaymentRepository(conn).pay_link_by_token(token)
    return _load(conn, link.order_id) if link is not None else None
