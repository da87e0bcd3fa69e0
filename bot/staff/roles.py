"""Staff roles and what each may do: owner (everything), manager (orders, payments, reports), ops (orders)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """A staff member's role."""

    OWNER = "owner"
    MANAGER = "manager"
    OPS = "ops"


class Area(StrEnum):
    """A part of the dashboard a role may or may not use."""

    ORDERS = "orders"  # the list, an order's page, statuses, manual orders, customers
    PAYMENTS = "payments"
    ATTRIBUTION = "attribution"  # who sold an order, and checking it
    REPORTS = "reports"
    SETTINGS = "settings"
    STAFF = "staff"


ALLOWED: dict[Role, frozenset[Area]] = {
    Role.OWNER: frozenset(Area),
    Role.MANAGER: frozenset({Area.ORDERS, Area.PAYMENTS, Area.ATTRIBUTION, Area.REPORTS}),
    Role.OPS: frozenset({Area.ORDERS}),
}


def may(role: Role, area: Area) -> bool:
    return area in ALLOWED[role]
