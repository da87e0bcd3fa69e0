"""`GET /api/v1/orders/stats` (the stat cards for the list's filters) and `GET /api/v1/customers`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from bot.web.api.auth import require_token
from bot.web.api.orders import Filters
from bot.web.api.responses import Minor, Timestamp, errors
from bot.web.api.schemas import Storable
from bot.web.deps import Listing
from orders.customers import CustomerSummary
from orders.filters import MAX_PER_PAGE

router = APIRouter(
    prefix="/api/v1", tags=["orders"], dependencies=[Depends(require_token)], responses=errors(401)
)


class StatCardOut(BaseModel):
    """One stat card: a group of statuses (null for Total) and its count."""

    group: str | None = Field(examples=["in_transit"])
    label: str = Field(examples=["In transit"])
    count: int
    in_period: int | None = Field(description="of them, created between date_from and date_to (null without)")


class StatsOut(BaseModel):
    """The stat cards of the orders list for the same filters (its `group` aside)."""

    cards: list[StatCardOut]


@router.get("/orders/stats", response_model=StatsOut, responses=errors(422))
async def order_stats(listing: Listing, filters: Filters) -> dict[str, Any]:
    cards = await listing.stats(filters)
    return {
        "cards": [
            {
                "group": c.group.value if c.group else None,
                "label": c.label,
                "count": c.count,
                "in_period": c.in_period,
            }
            for c in cards
        ]
    }


class CustomerOut(BaseModel):
    """A customer: one per channel and user (the same person on two channels is two customers)."""

    id: str = Field(examples=["telegram:5551234"])
    channel: str
    user_id: str
    name: str
    phone: str
    email: str
    first_seen: Timestamp
    last_order_at: Timestamp
    orders: int
    spent: dict[str, Minor] = Field(description="per currency, cancelled and returned orders aside")
    markers: list[str] = Field(examples=[["VIP"]])


class CustomerListOut(BaseModel):
    """One page of customers, the latest to order first."""

    items: list[CustomerOut]
    total: int
    page: int
    per_page: int


def customer_to_dict(customer: CustomerSummary, markers: list[str]) -> dict[str, Any]:
    return {
        "id": customer.key.id,
        "channel": customer.key.channel,
        "user_id": customer.key.user_id,
        "name": customer.name,
        "phone": customer.phone,
        "email": customer.email,
        "first_seen": customer.first_seen.isoformat(),
        "last_order_at": customer.last_order_at.isoformat(),
        "orders": customer.orders,
        "spent": customer.spent,
        "markers": markers,
    }


@router.get("/customers", response_model=CustomerListOut, responses=errors(422))
async def list_customers(
    listing: Listing,
    q: Annotated[str, Query(max_length=200, description="name, phone or email"), Storable] = "",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 25,
) -> dict[str, Any]:
    found, total = await listing.customers(q, page, per_page)
    items = [customer_to_dict(c, [m.value for m in c.markers(listing.vip)]) for c in found]
    return {"items": items, "total": total, "page": page, "per_page": per_page}
