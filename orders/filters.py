"""What an order list asks for: status, group, channel, payment, delivery, text search, dates and a page."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from orders.status import GROUP_MEMBERS, OrderStatus, PaymentStatus, StatusGroup

MAX_PER_PAGE = 100


@dataclass(frozen=True, slots=True)
class OrderFilter:
    """The filters and page of an order list, shared by the API, the CLI and admin commands."""

    statuses: tuple[OrderStatus, ...] = ()
    group: StatusGroup | None = None
    channel: str | None = None
    payment_status: PaymentStatus | None = None
    query: str = ""
    date_from: date | None = None
    date_to: date | None = None
    page: int = 1
    per_page: int = 25
    carrier: str | None = None  # the delivery service, as typed on the order (any case)
    warehouse: str | None = None
    tracking: str | None = None  # an exact tracking number (TTN)

    @property
    def wanted_statuses(self) -> frozenset[OrderStatus] | None:
        """Statuses allowed by both `statuses` and `group`; None means any."""
        wanted: frozenset[OrderStatus] | None = frozenset(self.statuses) if self.statuses else None
        if self.group is not None:
            members = GROUP_MEMBERS[self.group]
            wanted = members if wanted is None else wanted & members
        return wanted

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def without_group(self) -> OrderFilter:
        """The same list before a stat card narrowed it (the cards count within it)."""
        return replace(self, group=None, statuses=())

    @property
    def without_dates(self) -> OrderFilter:
        return replace(self, date_from=None, date_to=None)

    @property
    def has_dates(self) -> bool:
        return self.date_from is not None or self.date_to is not None


@dataclass(frozen=True, slots=True)
class PaymentFilter:
    """The Payments tab's and `GET /api/v1/payments`' filters."""

    status: str = ""
    provider: str = ""
    date_from: date | None = None
    date_to: date | None = None
    page: int = 1
    per_page: int = 50

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page
