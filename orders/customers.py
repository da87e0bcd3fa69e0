"""Customers as the dashboard shows them: one per lead (channel + user id), their totals and markers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from urllib.parse import quote

from orders.model import Order

# Orders without a chat lead (website, manual) belong to whoever their phone or email says, per channel.
PHONE_KEY = "tel:"
EMAIL_KEY = "mail:"
ORDER_KEY = "order:"  # no lead and no contact: the order is its own customer


@dataclass(frozen=True, slots=True)
class CustomerKey:
    """Who a customer is: a channel and a user id there. The same person on two channels is two keys."""

    channel: str
    user_id: str

    @property
    def id(self) -> str:
        """The customer's id in URLs: `telegram:5551234` (the user id may hold ':' itself)."""
        return f"{self.channel}:{self.user_id}"

    @property
    def url(self) -> str:
        return "/admin/customers/" + quote(self.id, safe=":@+")

    @classmethod
    def parse(cls, customer_id: str) -> CustomerKey | None:
        channel, colon, user_id = customer_id.partition(":")
        if not colon or not channel or not user_id:
            return None
        return cls(channel, user_id)


def key_of(order: Order) -> CustomerKey:
    """The customer an order belongs to (the SQL in `orders.db.customers` computes the same key)."""
    if order.lead is not None:
        return CustomerKey(order.lead.channel, order.lead.user_id)
    channel = order.channel or order.source.value
    if order.customer.phone:
        return CustomerKey(channel, PHONE_KEY + order.customer.phone)
    if order.customer.email:
        return CustomerKey(channel, EMAIL_KEY + order.customer.email.lower())
    return CustomerKey(channel, f"{ORDER_KEY}{order.number}")


class Marker(StrEnum):
    """A customer's badge on the list and their page."""

    NEW = "New"  # one order so far
    VIP = "VIP"  # at or above the store's threshold of orders or spend


@dataclass(frozen=True, slots=True)
class VipRule:
    """The store's VIP thresholds (`[dashboard]` in the store file)."""

    min_orders: int = 5
    min_spent: int | None = None  # minor units of `currency`
    currency: str = ""


@dataclass(frozen=True, slots=True)
class CustomerSummary:
    """A customer and their orders in figures. `orders` counts every order; `spent` (per currency) and
    `kept` leave out cancelled and returned ones, which nobody paid for in the end."""

    key: CustomerKey
    name: str
    phone: str
    email: str
    first_seen: datetime
    last_order_at: datetime
    orders: int
    kept: int
    spent: dict[str, int] = field(default_factory=dict)

    def markers(self, rule: VipRule) -> tuple[Marker, ...]:
        if self.orders <= 1:
            return (Marker.NEW,)
        big_spender = rule.min_spent is not None and self.spent.get(rule.currency, 0) >= rule.min_spent
        return (Marker.VIP,) if self.kept >= rule.min_orders or big_spender else ()
