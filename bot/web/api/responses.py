"""Response bodies of the REST API as typed models (the OpenAPI document), and its documented errors.

The JSON itself is written by `orders.formats.order_to_dict` and `catalog.product.product_to_dict` (merchant
webhooks publish the same Order); these models describe it field for field, and a test holds them to it.
A key the formatters gain later passes through (`extra="allow"`) until it is described here.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from orders.status import OrderSource, OrderStatus, PaymentMethod, PaymentStatus

Timestamp = Annotated[str, Field(json_schema_extra={"format": "date-time"})]
Minor = Annotated[int, Field(description="integer minor units of `currency` (28000 = ₹280.00)")]


def _quiet_extras(schema: dict[str, Any]) -> None:
    # JSON Schema allows other keys by default; saying so explicitly puts `additionalProp1` in every example.
    schema.pop("additionalProperties", None)


class _Out(BaseModel):
    """A response body: every documented key, plus any the formatter adds before it is documented."""

    model_config = ConfigDict(extra="allow", json_schema_extra=_quiet_extras)


class ErrorOut(BaseModel):
    """Every error: a message for people and a stable code for programs."""

    error: str
    code: str


class ProblemOut(BaseModel):
    """One invalid field of a request."""

    field: str
    problem: str


class ValidationErrorOut(ErrorOut):
    """A request that is not valid: the summary, and each field's problem."""

    details: list[ProblemOut] = Field(default_factory=list)


class OrderLineOut(_Out):
    """One line of an order, priced when it was placed."""

    name: str
    sku: str
    product_id: int | None
    quantity: int
    unit_price: Minor
    total: Minor
    fields: dict[str, Any] = Field(description="item field values, e.g. size")


class PaymentOut(_Out):
    """A payment recorded against an order; a voided one stays, with who voided it."""

    id: int
    amount: Minor
    currency: str
    method: str = Field(examples=["cash", "bank_transfer", "card_terminal", "other", "stripe"])
    provider: str = Field(examples=["stripe", "manual"])
    reference: str
    status: str = Field(examples=["succeeded", "partially_refunded", "refunded", "voided"])
    fee: Minor
    net: Minor
    refunded: Minor
    comment: str
    paid_at: Timestamp | None
    created_at: Timestamp | None
    recorded_by: str
    voided_at: Timestamp | None
    voided_by: str


class EventOut(_Out):
    """An entry of the order's append-only history."""

    kind: str = Field(examples=["status_changed"])
    actor: str = Field(examples=["api"])
    at: Timestamp
    data: dict[str, Any]


class CustomerOut(_Out):
    """Who ordered."""

    name: str
    phone: str
    email: str


class LeadOut(_Out):
    """The chat the order came from: one lead per channel and user."""

    channel: str
    user_id: str


class DeliveryOut(_Out):
    """How the order reaches the customer."""

    method: str
    address: str
    carrier: str
    tracking_number: str
    expected_date: Annotated[str, Field(json_schema_extra={"format": "date"})] | None


class OrderOut(_Out):
    """An order, as the REST API and the merchant webhooks publish it."""

    id: int
    number: int = Field(examples=[1001])
    status: OrderStatus
    status_label: str = Field(examples=["New"])
    payment_status: PaymentStatus
    payment_method: PaymentMethod
    currency: str = Field(examples=["INR"])
    subtotal: Minor
    delivery_fee: Minor
    discount: Minor
    total: Minor
    items: list[OrderLineOut]
    customer: CustomerOut
    lead: LeadOut | None
    delivery: DeliveryOut
    channel: str = Field(examples=["telegram"])
    source: OrderSource
    language: str
    fields: dict[str, Any] = Field(description="order field values, e.g. delivery_address")
    warehouse: str
    note: str
    assignee: str
    assignee_confirmed: bool
    payments: list[PaymentOut]
    amount_paid: Minor = Field(description="received, net of refunds; voided payments do not count")
    amount_due: Minor = Field(description="what is still to be paid (refunded money is not due again)")
    created_at: Timestamp
    updated_at: Timestamp
    history: list[EventOut]


class PaymentRowOut(PaymentOut):
    """A payment in the list across orders, with its order."""

    order_number: int
    order_total: Minor
    share: str = Field(examples=["50%"], description="the amount as a share of the order total")
    customer_name: str


class PaymentListOut(_Out):
    """One page of payments, newest first."""

    items: list[PaymentRowOut]
    total: int
    page: int
    per_page: int


class OrderPaymentsOut(_Out):
    """An order's payments and what they add up to."""

    number: int
    payment_status: PaymentStatus
    currency: str
    total: Minor
    amount_paid: Minor
    amount_due: Minor
    items: list[PaymentOut]


class OrderListOut(_Out):
    """One page of orders, newest first."""

    items: list[OrderOut]
    total: int = Field(description="orders matching the filters, on every page")
    page: int
    per_page: int


class ProductOut(_Out):
    """A catalog product."""

    id: int
    sku: str = Field(examples=["CHAI-MASALA"])
    name: str
    price: Minor
    stock: int | None = Field(description="units left; null = untracked")
    category: str
    description: str
    image_urls: list[str]
    aliases: list[str]
    active: bool


class ProductListOut(_Out):
    """Products, and how many there are in all."""

    items: list[ProductOut]
    total: int


class ToolsOut(_Out):
    """Order tools as chat-completions functions: {"type": "function", "function": {name, parameters}}."""

    tools: list[dict[str, Any]]


Responses = dict[int | str, dict[str, Any]]


def errors(*statuses: int) -> Responses:
    """A route's `responses=`: what each of its error statuses means, in the `{"error", "code"}` shape."""
    return {
        s: {
            "model": _MODELS.get(s, ErrorOut),
            "description": _MEANING[s],
            "content": {"application/json": {"example": _EXAMPLES[s]}},
        }
        for s in statuses
    }


_MEANING = {
    401: "No bearer token, a wrong one, or the API is off (CHATCART_API_TOKEN is not set).",
    404: "No such order or product.",
    409: "Refused by the current state: a move the status table forbids, sold out, a duplicate SKU, "
    "or an Idempotency-Key reused with another body. Nothing changed.",
    422: "The request is not valid: each field's problem is in `details`.",
}
_MODELS: dict[int, type[BaseModel]] = {422: ValidationErrorOut}
_EXAMPLES: dict[int, dict[str, Any]] = {
    401: {"error": "missing or wrong bearer token", "code": "unauthorized"},
    404: {"error": "order 1001 does not exist", "code": "order_not_found"},
    409: {"error": "cannot move an order from pending to shipped", "code": "invalid_status_transition"},
    422: {
        "error": "items.0.quantity: Input should be greater than or equal to 1",
        "code": "validation_error",
        "details": [{"field": "items.0.quantity", "problem": "Input should be greater than or equal to 1"}],
    },
}
