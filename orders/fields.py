"""The order and item fields a store file declares, and how a value typed for one is checked."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from catalog import limits
from orders.contacts import valid_email, valid_phone
from orders.model import FieldValue

_STRICT = ConfigDict(extra="forbid", frozen=True)


class FieldValueError(ValueError):
    """A value typed for an order or item field does not fit the field's type."""


class FieldType(StrEnum):
    """What a custom field holds."""

    TEXT = "text"
    NUMBER = "number"
    SELECT = "select"


_MAX_TEXT = 1000
# Answers that become the order's customer: as long as the customer's columns hold, asked again otherwise.
_CUSTOMER_FIELDS = {
    "name": limits.CUSTOMER_NAME,
    "customer_name": limits.CUSTOMER_NAME,
    "phone": limits.PHONE,
    "email": limits.EMAIL,
}
DeliveryMethod = Literal["shipping", "pickup"]
# Fields that belong to one way of getting an order when the store file does not say otherwise.
_DEFAULT_DELIVERY: dict[str, tuple[DeliveryMethod, ...]] = {"delivery_address": ("shipping",)}


class FieldSpec(BaseModel):
    """One custom field collected per order or per item."""

    model_config = _STRICT

    name: str
    type: FieldType = FieldType.TEXT
    required: bool = False
    label: str = ""
    options: tuple[str, ...] = ()
    products: tuple[str, ...] | None = None  # item fields only: the SKUs it applies to
    delivery: tuple[DeliveryMethod, ...] | None = None  # order fields only: the methods it is asked for

    @field_validator("name")
    @classmethod
    def _name_present(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("field name must not be empty")
        return value.strip()

    @model_validator(mode="after")
    def _select_has_options(self) -> FieldSpec:
        if self.type is FieldType.SELECT and not self.options:
            raise ValueError(f"select field {self.name!r} needs options")
        if self.delivery == ():
            raise ValueError(f"field {self.name!r}: delivery needs a method (leave it out for every method)")
        return self

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()

    def applies_to(self, sku: str) -> bool:
        return self.products is None or sku in self.products

    @property
    def delivery_methods(self) -> tuple[DeliveryMethod, ...] | None:
        """The delivery methods this order field is for; None: every method. An address is for shipping."""
        return self.delivery if self.delivery is not None else _DEFAULT_DELIVERY.get(self.name)

    def applies_to_delivery(self, method: str) -> bool:
        """Whether an order delivered this way needs this field (a pickup needs no delivery address)."""
        methods = self.delivery_methods
        return methods is None or not method or method in methods

    def parse_value(self, raw: object) -> FieldValue:
        """Normalise a typed value for this field, or raise FieldValueError saying what is wrong."""
        text = str(raw).strip() if raw is not None else ""
        if not text:
            raise FieldValueError(f"{self.title} is empty")
        if self.type is FieldType.NUMBER:
            return _parse_number(self.title, raw, text)
        if self.type is FieldType.SELECT:
            for option in self.options:
                if option.casefold() == text.casefold():
                    return option
            raise FieldValueError(f"{self.title} must be one of: {', '.join(self.options)}")
        limit = _CUSTOMER_FIELDS.get(self.name, _MAX_TEXT)
        if len(text) > limit:
            raise FieldValueError(f"{self.title} is longer than {limit} characters")
        if self.name == "phone" and not valid_phone(text):
            raise FieldValueError(f"{self.title} should be a phone number: digits, spaces, maybe a + first")
        if self.name == "email" and not valid_email(text):
            raise FieldValueError(f"{self.title} should be an email address, like name@example.com")
        return text


def _parse_number(title: str, raw: object, text: str) -> FieldValue:
    if isinstance(raw, bool):
        raise FieldValueError(f"{title} must be a number")
    try:
        number = Decimal(text.replace(",", "."))
    except ArithmeticError:
        raise FieldValueError(f"{title} must be a number") from None
    if not number.is_finite():
        raise FieldValueError(f"{title} must be a number")
    return int(number) if number == number.to_integral_value() else float(number)
