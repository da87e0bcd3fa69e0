"""What the orders list shows besides the orders: stat cards, payment badges, reminder and automation tags."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from orders.customers import CustomerKey, Marker
from orders.model import Order
from orders.status import GROUP_MEMBERS, OrderStatus, PaymentMethod, PaymentStatus, StatusGroup

CARD_LABELS: dict[StatusGroup, str] = {
    StatusGroup.NEW: "New",
    StatusGroup.IN_PROCESSING: "In processing",
    StatusGroup.IN_TRANSIT: "In transit",
    StatusGroup.DELIVERED: "Delivered",
    StatusGroup.PROBLEMATIC: "Problematic",
}
GROUP_OF: dict[OrderStatus, StatusGroup] = {s: g for g, members in GROUP_MEMBERS.items() for s in members}


@dataclass(frozen=True, slots=True)
class StatCard:
    """One card: a group (None: Total), how many orders, and how many of them in the date range."""

    group: StatusGroup | None
    label: str
    count: int
    in_period: int | None  # None without a date range


def stat_cards(counts: Mapping[OrderStatus, tuple[int, int]], with_period: bool) -> list[StatCard]:
    """Total and one card per group from (all, in period) counts per status."""

    def card(group: StatusGroup | None, label: str, statuses: frozenset[OrderStatus]) -> StatCard:
        found = [counts.get(s, (0, 0)) for s in statuses]
        period = sum(p for _, p in found) if with_period else None
        return StatCard(group, label, sum(n for n, _ in found), period)

    cards = [card(None, "Total", frozenset(OrderStatus))]
    cards += [card(g, CARD_LABELS[g], GROUP_MEMBERS[g]) for g in StatusGroup]
    return cards


@dataclass(frozen=True, slots=True)
class Badge:
    """A short label with its colour class (the words carry the meaning; colour only helps)."""

    label: str
    kind: str


_PAYMENT_BADGES = {
    PaymentStatus.PAID: Badge("Paid", "delivered"),
    PaymentStatus.PARTIALLY_PAID: Badge("Partial", "in_processing"),
    PaymentStatus.PENDING: Badge("Pending", "new"),
    PaymentStatus.REFUNDED: Badge("Refunded", "muted"),
    PaymentStatus.FAILED: Badge("Payment failed", "problematic"),
}


def payment_badge(order: Order) -> Badge:
    """Paid / Partial / Pending …; an unpaid order is cash on delivery, or not paid at all."""
    if badge := _PAYMENT_BADGES.get(order.payment_status):
        return badge
    if order.payment_method is PaymentMethod.COD:
        return Badge("Cash on delivery", "in_transit")
    return Badge("No payment", "muted")


@dataclass(frozen=True, slots=True)
class Reminder:
    """When the shopper's one COD reminder goes, or went, out (display only)."""

    remind_at: datetime | None
    sent_at: datetime | None

    def label(self, now: datetime, status: OrderStatus) -> str:
        if self.sent_at is not None:
            return "Reminder sent"
        if self.remind_at is None or status is not OrderStatus.PENDING:
            return ""  # confirmed or cancelled in time: no reminder goes out
        if self.remind_at.date() <= now.date():
            return "Remind today"
        return f"Remind {self.remind_at:%b %d}"


_OPEN_PAYMENT = {PaymentStatus.UNPAID, PaymentStatus.PENDING, PaymentStatus.FAILED}
_FINISHED = {OrderStatus.CANCELLED, OrderStatus.RETURNED, OrderStatus.DELIVERED}


def automation_tags(order: Order) -> tuple[str, ...]:
    """The follow-ups an order calls for, as tags (chatcart shows them; it does not act on them)."""
    tags: list[str] = []
    online = order.payment_method is not PaymentMethod.COD
    if online and order.status not in _FINISHED and order.payment_status in _OPEN_PAYMENT:
        tags.append("Payment control")
    if order.status is OrderStatus.SHIPPED:
        tags.append("Delivery control")
        if order.delivery.tracking_number:
            tags.append("Check tracking status")
    if order.status is OrderStatus.NOT_PICKED_UP:
        tags.append("Delivery control")
    return tuple(tags)


@dataclass(frozen=True, slots=True)
class ListedOrder:
    """An order as a row of the list: the order, its customer's markers, thumbnails, reminder, tags."""

    order: Order
    customer: CustomerKey
    markers: tuple[Marker, ...]
    thumbnails: tuple[str, ...]
    reminder: str
    tags: tuple[str, ...]
    status_group: StatusGroup
    payment: Badge
