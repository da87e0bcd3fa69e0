"""Order records: lines, customer, lead, delivery, payments and the append-only history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from orders.status import OrderSource, OrderStatus, PaymentMethod, PaymentStatus

FieldValue = str | int | float


@dataclass(frozen=True, slots=True)
class Customer:
    """Who the order is for, as they told us."""

    name: str = ""
    phone: str = ""
    email: str = ""


@dataclass(frozen=True, slots=True)
class Lead:
    """Who ordered, as the chat channel knows them: one lead per (channel, user id)."""

    channel: str
    user_id: str

    @property
    def address(self) -> str:
        return f"{self.channel}:{self.user_id}"


@dataclass(frozen=True, slots=True)
class Delivery:
    """How and where the order travels."""

    method: str = ""
    address: str = ""
    carrier: str = ""
    tracking_number: str = ""
    expected_date: date | None = None


@dataclass(frozen=True, slots=True)
class OrderLine:
    """One product of an order: quantity, unit price at the time, item field values."""

    product_id: int | None
    sku: str
    name: str
    quantity: int
    unit_price: int
    fields: dict[str, FieldValue] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.unit_price * self.quantity


@dataclass(frozen=True, slots=True)
class OrderEvent:
    """One entry of an order's append-only history: what happened, who did it, when."""

    kind: str
    actor: str
    at: datetime
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Payment:
    """One payment towards an order (an order may have several); a voided one stays in the list."""

    amount: int
    currency: str
    provider: str
    status: str  # orders.payments.ledger.PaymentRecordStatus
    reference: str = ""
    fee: int = 0
    net: int = 0
    created_at: datetime | None = None
    id: int = 0
    method: str = ""  # stripe, cash, bank_transfer, card_terminal, other
    comment: str = ""
    paid_at: datetime | None = None
    refunded: int = 0
    actor: str = ""
    voided_at: datetime | None = None
    voided_by: str = ""

    @property
    def counts(self) -> bool:
        """Whether it counts towards what was paid (a voided payment does not)."""
        return self.voided_at is None


@dataclass(frozen=True, slots=True)
class Order:
    """An order with its lines, parties, delivery, payments and history."""

    id: int
    number: int
    status: OrderStatus
    payment_status: PaymentStatus
    payment_method: PaymentMethod
    currency: str
    subtotal: int
    delivery_fee: int
    discount: int
    total: int
    customer: Customer
    lead: Lead | None
    source: OrderSource
    channel: str
    language: str
    delivery: Delivery
    created_at: datetime
    updated_at: datetime
    lines: tuple[OrderLine, ...] = ()
    fields: dict[str, FieldValue] = field(default_factory=dict)
    note: str = ""
    warehouse: str = ""
    assignee: str = ""  # the sales manager: a staff email or "system"
    assignee_confirmed: bool = False
    history: tuple[OrderEvent, ...] = ()
    payments: tuple[Payment, ...] = ()

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)


def totals(lines: list[OrderLine], delivery_fee: int, discount: int = 0) -> tuple[int, int]:
    """(subtotal, total) in minor units; the total never goes below zero."""
    subtotal = sum(line.total for line in lines)
    return subtotal, max(subtotal + delivery_fee - discount, 0)
