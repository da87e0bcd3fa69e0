"""What callers ask the order services to do: place an order, change its status."""

from __future__ import annotations

from dataclasses import dataclass, field

from orders.model import Customer, FieldValue, Lead
from orders.status import OrderSource, OrderStatus, PaymentMethod


@dataclass(frozen=True, slots=True)
class LineRequest:
    """One wanted item, by SKU or product id; prices always come from the catalog."""

    quantity: int
    sku: str | None = None
    product_id: int | None = None
    fields: dict[str, FieldValue] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PlaceOrder:
    """A request to place an order; prices come from the catalog, never from the caller."""

    lines: tuple[LineRequest, ...]
    customer: Customer = field(default_factory=Customer)
    source: OrderSource = OrderSource.CHAT
    channel: str = ""
    lead: Lead | None = None
    language: str = ""
    delivery_method: str = ""
    delivery_address: str = ""
    payment_method: PaymentMethod = PaymentMethod.COD
    fields: dict[str, FieldValue] = field(default_factory=dict)
    note: str = ""
    actor: str = "system"


@dataclass(frozen=True, slots=True)
class ChangeStatus:
    """A request to move an order to another status."""

    number: int
    status: OrderStatus
    actor: str
    tracking_number: str | None = None
    carrier: str | None = None
    reason: str = ""
