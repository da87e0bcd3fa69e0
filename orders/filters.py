"""What an order list asks for: status, group, channel, payment, text search, dates and a page."""

from __future__ import annotations

from dataclasses import dataclass
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
