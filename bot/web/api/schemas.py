"""Request bodies of the REST API, validated at the edge into order and catalog commands."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints, model_validator

from orders.status import OrderStatus

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]
FieldValues = dict[str, str | int | float]


class _Strict(BaseModel):
    """A request body that refuses unknown fields."""

    model_config = ConfigDict(extra="forbid")


class CustomerIn(_Strict):
    """Who ordered."""

    name: Text = ""
    phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)] = ""
    email: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""


class ItemIn(_Strict):
    """One wanted item, by SKU or product id."""

    sku: str | None = None
    product_id: int | None = None
    quantity: int = Field(ge=1, le=10_000)
    fields: FieldValues = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_reference(self) -> ItemIn:
        if (self.sku is None) == (self.product_id is None):
            raise ValueError("give exactly one of sku or product_id")
        return self


class DeliveryIn(_Strict):
    """How the order reaches the customer."""

    method: str = ""
    address: Text = ""


class OrderIn(_Strict):
    """`POST /api/v1/orders`: an order from another system."""

    customer: CustomerIn = Field(default_factory=CustomerIn)
    items: list[ItemIn] = Field(min_length=1, max_length=200)
    delivery: DeliveryIn = Field(default_factory=DeliveryIn)
    payment_method: Literal["cod", "online", "manual"] = "cod"
    fields: FieldValues = Field(default_factory=dict)
    note: Text = ""


class StatusIn(_Strict):
    """`POST /api/v1/orders/{number}/status`."""

    status: OrderStatus
    tracking_number: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None
    carrier: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None
    reason: Text = ""


Sku = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class ProductIn(_Strict):
    """`POST /api/v1/products`."""

    sku: Sku
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    # Strict: a string such as "12.00" must not quietly become 12 minor units (the 100x mix-up).
    price: StrictInt = Field(ge=0, description="integer minor units (1250 = 12.50)")
    stock: int | None = Field(default=None, ge=1, description="null = untracked")
    category: str = ""
    description: str = ""
    image_urls: list[str] = Field(default_factory=list)
    aliases: list[str] = Field(default_factory=list)
    active: bool = True


class ProductPatch(_Strict):
    """`PATCH /api/v1/products/{sku}`: only the fields given change."""

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] | None = None
    price: StrictInt | None = Field(default=None, ge=0, description="integer minor units")
    stock: int | None = Field(default=None, ge=0)
    category: str | None = None
    description: str | None = None
    image_urls: list[str] | None = None
    aliases: list[str] | None = None
    active: bool | None = None
