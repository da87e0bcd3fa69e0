"""`PATCH /api/v1/orders/{number}`: edit an order as the dashboard does (same service, validation and stock
rules): customer, delivery, items, discount, delivery fee, note, warehouse, sales manager."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, ConfigDict, Field, StrictInt, model_validator

from bot.web.api.auth import require_token
from bot.web.api.responses import OrderOut, errors
from bot.web.api.schemas import MAX_INT, Email, FieldValues, Name, Phone, Short, Sku, Storable, Text
from bot.web.deps import AppServices, Editor
from orders.editing import EditOrder, InvalidEdit, Keep, LineEdit
from orders.formats import order_to_dict

router = APIRouter(
    prefix="/api/v1", tags=["orders"], dependencies=[Depends(require_token)], responses=errors(401)
)
Number = Annotated[int, Path(ge=1, le=MAX_INT, description="the order number")]
Minor = Annotated[StrictInt, Field(ge=0, le=MAX_INT, description="integer minor units")]
Note = Annotated[str, Field(max_length=10_000), Storable]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CustomerPatch(_Strict):
    """Only the fields given change."""

    name: Name | None = None
    phone: Phone | None = None
    email: Email | None = None


class DeliveryPatch(_Strict):
    """Only the fields given change; `expected_date: null` clears the date."""

    method: Annotated[str, Field(max_length=32), Storable] | None = None
    address: Text | None = None
    carrier: Short | None = None
    tracking_number: Short | None = None
    expected_date: date | None = None


class ItemPatch(_Strict):
    """One line of the order's new item list; an item equal to an existing one keeps its price."""

    sku: Sku | None = None
    product_id: Annotated[StrictInt, Field(ge=1, le=MAX_INT)] | None = None
    quantity: Annotated[StrictInt, Field(ge=1, le=10_000)]
    fields: FieldValues = Field(default_factory=dict, max_length=100)

    @model_validator(mode="after")
    def _one_reference(self) -> ItemPatch:
        if (self.sku is None) == (self.product_id is None):
            raise ValueError("give exactly one of sku or product_id")
        return self


class OrderPatch(_Strict):
    """`PATCH /api/v1/orders/{number}`: what is left out stays as it is; `items` replaces the whole list."""

    customer: CustomerPatch | None = None
    delivery: DeliveryPatch | None = None
    items: list[ItemPatch] | None = Field(default=None, max_length=200)
    discount: Minor | None = None
    delivery_fee: Minor | None = None
    note: Note | None = None
    warehouse: Short | None = None
    sales_manager: Email | None = None


def edit_of(number: int, body: OrderPatch) -> EditOrder:
    """The body as an order edit by the API."""
    c = body.customer or CustomerPatch()
    d = body.delivery or DeliveryPatch()
    expected: date | Keep | None = d.expected_date if "expected_date" in d.model_fields_set else Keep.KEEP
    items = body.items
    return EditOrder(
        number,
        "api",
        customer_name=c.name,
        customer_phone=c.phone,
        customer_email=c.email,
        delivery_method=d.method,
        delivery_address=d.address,
        carrier=d.carrier,
        tracking_number=d.tracking_number,
        expected_delivery=expected,
        warehouse=body.warehouse,
        note=body.note,
        discount=body.discount,
        delivery_fee=body.delivery_fee,
        assignee=body.sales_manager,
        lines=None
        if items is None
        else tuple(LineEdit(i.quantity, i.sku, i.product_id, dict(i.fields)) for i in items),
    )


@router.patch("/orders/{number}", response_model=OrderOut, responses=errors(404, 409, 422))
async def edit_order(app: AppServices, editor: Editor, number: Number, body: OrderPatch) -> dict[str, Any]:
    who = body.sales_manager
    if who not in (None, "", "system") and who not in {m.email for m in await app.staff.members()}:
        raise InvalidEdit({"sales_manager": "not a staff member (or system)"})
    return order_to_dict(await editor.edit(edit_of(number, body)))
