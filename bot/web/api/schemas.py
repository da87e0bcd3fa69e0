"""Request bodies of the REST API, validated at the edge into order and catalog commands.

Every value is bounded by the column that keeps it, so a value no column holds is a 422 naming the field
instead of a database error: integers by PostgreSQL's 32-bit INTEGER, text by each column's length, and
no text with a NUL character (PostgreSQL refuses it) or a lone surrogate (no encoding holds it). Types are
strict: "2" or true is not a quantity, NaN is not a number.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    StrictBool,
    StrictInt,
    StrictStr,
    StringConstraints,
    model_validator,
)

from orders.status import OrderStatus

MAX_INT = 2**31 - 1  # orders.number, product_id, price, stock, quantity: INTEGER on PostgreSQL
MAX_JSON_INT = 2**53  # a number in `fields` that every JSON reader (a merchant's JavaScript) reads exactly


def storable(value: str) -> str:
    """Refuse text that no database column keeps."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text (a lone surrogate is not)") from None
    return value


Storable = AfterValidator(storable)


def _text(max_length: int, min_length: int = 0) -> StringConstraints:
    return StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length)


Text = Annotated[StrictStr, _text(1000), Storable]
Name = Annotated[StrictStr, _text(200), Storable]
Phone = Annotated[StrictStr, _text(64), Storable]
Email = Annotated[StrictStr, _text(200), Storable]
Short = Annotated[StrictStr, _text(100), Storable]  # tracking number, carrier, category
Sku = Annotated[StrictStr, _text(64, 1), Storable]
ProductName = Annotated[StrictStr, _text(200, 1), Storable]
Description = Annotated[StrictStr, _text(10_000), Storable]
Url = Annotated[StrictStr, _text(2000), Storable]
FieldName = Annotated[StrictStr, StringConstraints(max_length=100), Storable]


def field_value(value: object) -> str | int | float:
    """An item or order field's value as sent: text, a whole number every JSON reader (a merchant's
    JavaScript) reads exactly, or a finite number; never true/false, NaN or Infinity."""
    if isinstance(value, str):
        if len(value) > 1000:
            raise ValueError("must be text of at most 1000 characters")
        return storable(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be text or a number")
    if isinstance(value, int) and not -MAX_JSON_INT <= value <= MAX_JSON_INT:
        raise ValueError(f"a whole number must be between -{MAX_JSON_INT} and {MAX_JSON_INT}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


FieldValue = Annotated[
    str | int | float, PlainValidator(field_value, json_schema_input_type=str | int | float)
]
FieldValues = dict[FieldName, FieldValue]
Quantity = Annotated[StrictInt, Field(ge=1, le=10_000)]
Price = Annotated[StrictInt, Field(ge=0, le=MAX_INT, description="integer minor units (1250 = 12.50)")]


class _Strict(BaseModel):
    """A request body that refuses unknown fields."""

    model_config = ConfigDict(extra="forbid")


class CustomerIn(_Strict):
    """Who ordered."""

    name: Name = ""
    phone: Phone = ""
    email: Email = ""


class ItemIn(_Strict):
    """One wanted item, by SKU or product id."""

    sku: Sku | None = None
    product_id: Annotated[StrictInt, Field(ge=1, le=MAX_INT)] | None = None
    quantity: Quantity
    fields: FieldValues = Field(default_factory=dict, max_length=100)

    @model_validator(mode="after")
    def _one_reference(self) -> ItemIn:
        if (self.sku is None) == (self.product_id is None):
            raise ValueError("give exactly one of sku or product_id")
        return self


class DeliveryIn(_Strict):
    """How the order reaches the customer."""

    method: Annotated[StrictStr, _text(32), Storable] = ""
    address: Text = ""


class OrderIn(_Strict):
    """`POST /api/v1/orders`: an order from another system."""

    customer: CustomerIn = Field(default_factory=CustomerIn)
    items: list[ItemIn] = Field(min_length=1, max_length=200)
    delivery: DeliveryIn = Field(default_factory=DeliveryIn)
    payment_method: Literal["cod", "online", "manual"] = "cod"
    fields: FieldValues = Field(default_factory=dict, max_length=100)
    note: Text = ""


class StatusIn(_Strict):
    """`POST /api/v1/orders/{number}/status`."""

    status: OrderStatus
    tracking_number: Short | None = None
    carrier: Short | None = None
    reason: Text = ""


class ProductIn(_Strict):
    """`POST /api/v1/products`."""

    sku: Sku
    name: ProductName
    # Strict: a string such as "12.00" must not quietly become 12 minor units (the 100x mix-up).
    price: Price
    stock: Annotated[StrictInt, Field(ge=1, le=MAX_INT)] | None = Field(
        default=None, description="null = untracked"
    )
    category: Short = ""
    description: Description = ""
    image_urls: list[Url] = Field(default_factory=list, max_length=20)
    aliases: list[Name] = Field(default_factory=list, max_length=50)
    active: StrictBool = True


class ProductPatch(_Strict):
    """`PATCH /api/v1/products/{sku}`: only the fields given change."""

    name: ProductName | None = None
    price: Price | None = None
    stock: Annotated[StrictInt, Field(ge=0, le=MAX_INT)] | None = None
    category: Short | None = None
    description: Description | None = None
    image_urls: list[Url] | None = Field(default=None, max_length=20)
    aliases: list[Name] | None = Field(default=None, max_length=50)
    active: StrictBool | None = None
