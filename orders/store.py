"""The store file model (TOML): store settings, order fields and item fields, validated at start-up."""

from __future__ import annotations

import tomllib
from decimal import Decimal
from typing import Any, Literal

from babel.core import Locale, UnknownLocaleError
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from catalog import limits
from catalog.money import MoneyError, is_known_currency, parse_major, price_locale
from orders.fields import DeliveryMethod, FieldSpec
from orders.status import OrderStatus


class StoreConfigError(ValueError):
    """The store file is unusable; the message names the field and the problem."""


_STRICT = ConfigDict(extra="forbid", frozen=True)


class StoreSettings(BaseModel):
    """The store file's `[store]` table: name, currency, languages, delivery and payment."""

    model_config = _STRICT

    name: str = "chatcart store"
    currency: str = "USD"
    languages: tuple[str, ...] = ("en",)
    delivery: tuple[DeliveryMethod, ...] = ("shipping",)
    payment: tuple[Literal["cod", "online"], ...] = ("cod",)
    cod_reminder_hours: float = Field(default=6, gt=0)
    max_quantity_per_line: int = Field(default=50, ge=1, le=10_000)
    delivery_fees: dict[str, str | int | float] = Field(default_factory=dict)
    # Approximate prices quoted in chat on request ("how much in dollars?"): units of each currency that
    # one unit of the store's currency buys, as the merchant sets them. Orders stay in `currency`.
    quote_rates: dict[str, Decimal] = Field(default_factory=dict)

    @field_validator("quote_rates")
    @classmethod
    def _known_rates(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        rates = {}
        for code, rate in value.items():
            if not is_known_currency(code.strip().upper()):
                raise ValueError(f"quote_rates: unknown currency {code!r}")
            if not rate > 0 or not rate.is_finite():
                raise ValueError(f"quote_rates.{code}: must be a number above 0")
            rates[code.strip().upper()] = rate
        return rates

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        code = value.strip().upper()
        if not is_known_currency(code):
            raise ValueError(f"unknown currency {value!r} (use an ISO 4217 code such as USD, EUR, INR)")
        return code

    @field_validator("languages")
    @classmethod
    def _known_languages(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("at least one language is needed")
        for code in value:
            try:
                Locale.parse(code)
            except (UnknownLocaleError, ValueError):
                raise ValueError(f"unknown language {code!r}") from None
        return value

    @field_validator("delivery", "payment")
    @classmethod
    def _not_empty(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("at least one method is needed")
        return tuple(dict.fromkeys(value))


# The notifications a template can stand in for, and what their parameters may name.
TEMPLATE_EVENTS = frozenset(
    {"cod_reminder", "admin_new_order", *(f"status_{s.value}" for s in OrderStatus)}
    | {"payment_link", "payment_received", "payment_not_yet"}
)
TEMPLATE_PARAMS = frozenset(
    {"number", "total", "customer_name", "items", "tracking_number", "carrier", "channel", "phone"}
    | {"url", "amount", "due"}
)


class ChatTemplate(BaseModel):
    """An approved WhatsApp template for one notification in one language, used outside the 24-hour window
    (WhatsApp delivers nothing else there). Quick-reply buttons get the notification's choices in order."""

    model_config = _STRICT

    event: str  # cod_reminder, status_shipped, … (templates/messages/<language>/<event>.txt)
    language: str  # the shopper's language it serves
    name: str  # its name in WhatsApp Manager
    code: str = ""  # its language code there (en_US, hi…); the language itself when empty
    params: tuple[str, ...] = ()  # the body's {{1}}, {{2}}… in order

    @field_validator("event")
    @classmethod
    def _known_event(cls, value: str) -> str:
        if value not in TEMPLATE_EVENTS:
            raise ValueError(f"unknown event {value!r} (one of {', '.join(sorted(TEMPLATE_EVENTS))})")
        return value

    @field_validator("params")
    @classmethod
    def _known_params(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if unknown := [p for p in value if p not in TEMPLATE_PARAMS]:
            raise ValueError(
                f"unknown parameter {unknown[0]!r} (one of {', '.join(sorted(TEMPLATE_PARAMS))})"
            )
        return value

    @property
    def language_code(self) -> str:
        return self.code or self.language


class DashboardSettings(BaseModel):
    """The store file's `[dashboard]` table: when a customer counts as a VIP (either threshold)."""

    model_config = _STRICT

    vip_orders: int = Field(default=5, ge=1, le=limits.MAX_INT)  # orders placed, cancelled ones aside
    vip_spent: str | int | float = ""  # total spent in major units ("500.00"); empty: orders only


class StoreConfig(BaseModel):
    """The whole store file: settings, order and item fields, approved chat templates, the dashboard."""

    model_config = _STRICT

    store: StoreSettings = StoreSettings()
    dashboard: DashboardSettings = DashboardSettings()
    order_fields: tuple[FieldSpec, ...] = ()
    item_fields: tuple[FieldSpec, ...] = ()
    whatsapp_templates: tuple[ChatTemplate, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> StoreConfig:
        for group in ("order_fields", "item_fields"):
            seen: set[str] = set()
            for spec in getattr(self, group):
                if spec.name in seen:
                    raise ValueError(f"{group}: duplicate field name {spec.name!r}")
                seen.add(spec.name)
        if wrong := next((f.name for f in self.item_fields if f.delivery is not None), None):
            raise ValueError(f"item_fields: {wrong!r}: only order fields have delivery methods")
        for method in self.store.delivery_fees:
            if method not in self.store.delivery:
                raise ValueError(f"store.delivery_fees: {method!r} is not one of store.delivery")
            self.delivery_fee_minor(method)  # a bad amount fails at start-up, not at the first order
        _ = self.vip_spent_minor  # a bad amount fails at start-up too
        seen_templates: set[tuple[str, str]] = set()
        for template in self.whatsapp_templates:
            if template.language not in self.store.languages:
                raise ValueError(f"whatsapp_templates: {template.language!r} is not one of store.languages")
            if (template.event, template.language) in seen_templates:
                raise ValueError(
                    f"whatsapp_templates: two templates for {template.event} in {template.language}"
                )
            seen_templates.add((template.event, template.language))
        return self

    @property
    def currency(self) -> str:
        return self.store.currency

    @property
    def default_language(self) -> str:
        return self.store.languages[0]

    @property
    def price_locale(self) -> str:
        """Where typed prices are read: the first language where the currency is used (es + EUR: 12,50)."""
        return price_locale(self.default_language, self.currency)

    def delivery_fee_minor(self, method: str) -> int:
        raw = self.store.delivery_fees.get(method)
        try:
            return 0 if raw is None else parse_major(raw, self.currency, self.price_locale)
        except MoneyError as exc:
            raise ValueError(f"store.delivery_fees.{method}: {exc}") from None

    @property
    def vip_spent_minor(self) -> int | None:
        """The spend that makes a VIP, in minor units of the store currency; None: no spend threshold."""
        raw = self.dashboard.vip_spent
        if isinstance(raw, str) and not raw.strip():
            return None
        try:
            return parse_major(raw, self.currency, self.price_locale)
        except MoneyError as exc:
            raise ValueError(f"dashboard.vip_spent: {exc}") from None

    def chat_template(self, channel: str, event: str, language: str) -> ChatTemplate | None:
        """The approved template standing in for this notification outside the channel's window, if any."""
        templates = self.whatsapp_templates if channel == "whatsapp" else ()
        return next((t for t in templates if (t.event, t.language) == (event, language)), None)

    def order_field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.order_fields if f.name == name), None)

    def item_fields_for(self, sku: str) -> tuple[FieldSpec, ...]:
        return tuple(f for f in self.item_fields if f.applies_to(sku))


def _describe(error: dict[str, Any]) -> str:
    parts: list[str] = []
    for part in error["loc"]:
        if isinstance(part, int):
            parts[-1] = f"{parts[-1]} #{part + 1}" if parts else f"#{part + 1}"
        else:
            parts.append(str(part))
    where = ".".join(parts)
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown setting"
    return f"{where}: {message}" if where else message


def parse_store_config(text: str, source: str = "store file") -> StoreConfig:
    """Parse and validate TOML text; raise StoreConfigError naming the field and the problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise StoreConfigError(f"{source}: not valid TOML: {exc}") from None
    try:
        return StoreConfig.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(_describe(dict(e)) for e in exc.errors())
        raise StoreConfigError(f"{source}: {problems}") from None
