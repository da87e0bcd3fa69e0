"""Outbox senders for payment providers: create an order's checkout; check a payment a shopper reports."""

from __future__ import annotations

from channels.base import ChannelError
from orders.outbox import OutboxRow
from orders.pay_links import PayLinks
from orders.payments.amounts import UnpayableAmount
from orders.payments.gateway import GatewayError


class CheckoutSender:
    """The provider's checkout for an order, then its link to the shopper; a provider outage is retried."""

    def __init__(self, links: PayLinks) -> None:
        self._links = links

    async def __call__(self, row: OutboxRow) -> None:
        try:
            await self._links.create(int(row.payload["order_id"]), int(row.payload["attempt"]))
        except GatewayError as exc:
            raise ChannelError(str(exc), transient=exc.transient) from None
        except UnpayableAmount as exc:
            raise ChannelError(str(exc), transient=False) from None


class PaymentCheckSender:
    """ "I've paid": asks the provider; the shopper hears the outcome."""

    def __init__(self, links: PayLinks) -> None:
        self._links = links

    async def __call__(self, row: OutboxRow) -> None:
        try:
            await self._links.check(int(row.payload["order_id"]))
        except GatewayError as exc:
            raise ChannelError(str(exc), transient=exc.transient) from None
