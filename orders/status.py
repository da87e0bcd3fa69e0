"""Fulfilment and payment statuses, the allowed-transition table and the dashboard groups."""

from __future__ import annotations

from enum import StrEnum

from orders.errors import InvalidStatusTransition


class OrderStatus(StrEnum):
    """Where an order is in fulfilment; `ALLOWED_TRANSITIONS` says where it may go next."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    COLLECTED = "collected"
    SHIPPED = "shipped"
    READY_FOR_PICKUP = "ready_for_pickup"
    NOT_PICKED_UP = "not_picked_up"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    RETURNED = "returned"

    @property
    def label(self) -> str:
        return _LABELS[self]


S = OrderStatus

_LABELS = {
    S.PENDING: "New",
    S.CONFIRMED: "Confirmed",
    S.COLLECTED: "Collected",
    S.SHIPPED: "In transit",
    S.READY_FOR_PICKUP: "Ready for pickup",
    S.NOT_PICKED_UP: "Not picked up",
    S.DELIVERED: "Delivered",
    S.CANCELLED: "Cancelled",
    S.RETURNED: "Returned",
}

ALLOWED_TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.PENDING: frozenset({S.CONFIRMED, S.CANCELLED}),
    S.CONFIRMED: frozenset({S.COLLECTED, S.SHIPPED, S.READY_FOR_PICKUP, S.CANCELLED}),
    S.COLLECTED: frozenset({S.SHIPPED, S.READY_FOR_PICKUP, S.CANCELLED}),
    S.SHIPPED: frozenset({S.DELIVERED, S.NOT_PICKED_UP, S.RETURNED}),
    S.READY_FOR_PICKUP: frozenset({S.DELIVERED, S.NOT_PICKED_UP, S.CANCELLED}),
    S.NOT_PICKED_UP: frozenset({S.SHIPPED, S.RETURNED}),
    S.DELIVERED: frozenset({S.RETURNED}),
    S.CANCELLED: frozenset(),
    S.RETURNED: frozenset(),
}

# Moves into these statuses put reserved units back on the shelf.
RELEASES_STOCK = frozenset({S.CANCELLED, S.RETURNED})


class StatusGroup(StrEnum):
    """The dashboard's groups of statuses (its stat cards and tabs)."""

    NEW = "new"
    IN_PROCESSING = "in_processing"
    IN_TRANSIT = "in_transit"
    DELIVERED = "delivered"
    PROBLEMATIC = "problematic"


GROUP_MEMBERS: dict[StatusGroup, frozenset[OrderStatus]] = {
    StatusGroup.NEW: frozenset({S.PENDING}),
    StatusGroup.IN_PROCESSING: frozenset({S.CONFIRMED, S.COLLECTED, S.READY_FOR_PICKUP}),
    StatusGroup.IN_TRANSIT: frozenset({S.SHIPPED}),
    StatusGroup.DELIVERED: frozenset({S.DELIVERED}),
    StatusGroup.PROBLEMATIC: frozenset({S.NOT_PICKED_UP, S.CANCELLED, S.RETURNED}),
}


def can_transition(current: OrderStatus, target: OrderStatus) -> bool:
    return target in ALLOWED_TRANSITIONS[current]


def check_transition(current: OrderStatus, target: OrderStatus) -> None:
    """Raise InvalidStatusTransition unless the table allows current -> target."""
    if not can_transition(current, target):
        raise InvalidStatusTransition(current.value, target.value, sorted(ALLOWED_TRANSITIONS[current]))


class PaymentStatus(StrEnum):
    """Where an order is in being paid, independent of fulfilment."""

    UNPAID = "unpaid"
    PENDING = "pending"
    PAID = "paid"
    PARTIALLY_PAID = "partially_paid"
    FAILED = "failed"
    REFUNDED = "refunded"


class PaymentMethod(StrEnum):
    """How the customer pays."""

    COD = "cod"
    ONLINE = "online"
    MANUAL = "manual"


class OrderSource(StrEnum):
    """Where an order came from."""

    CHAT = "chat"
    WEBSITE = "website"
    MANUAL = "manual"
