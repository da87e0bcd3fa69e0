"""One shopper's conversation: where they are in the flow, their cart, and what they told us already."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from flows.messages import ConversationKey
from orders.model import FieldValue

# An optional item field the shopper skipped: marks it as asked; dropped when the order is placed.
SKIPPED = "—"


class Step(StrEnum):
    """Where a shopper is in the order flow (the states of `flows.machine`)."""

    IDLE = "idle"
    CHOOSING_PRODUCT = "choosing_product"
    CHOOSING_QUANTITY = "choosing_quantity"
    ITEM_FIELD = "item_field"
    CART_MENU = "cart_menu"
    DELIVERY_METHOD = "delivery_method"
    ORDER_FIELD = "order_field"
    PAYMENT_METHOD = "payment_method"
    SUMMARY = "summary"


@dataclass(slots=True)
class CartLine:
    """A product in the cart with its quantity, price and item field values."""

    sku: str
    name: str
    quantity: int
    unit_price: int
    fields: dict[str, FieldValue] = field(default_factory=dict)

    def same_item(self, sku: str, fields: dict[str, FieldValue]) -> bool:
        return self.sku == sku and self.fields == fields

    @property
    def label(self) -> str:
        """The product with its item fields' values, as the summary and the staff's pages name the line."""
        values = ", ".join(str(v) for v in self.fields.values())
        return f"{self.name} ({values})" if self.fields else self.name

    @property
    def amount(self) -> int:
        return self.quantity * self.unit_price


@dataclass(slots=True)
class PendingItem:
    """The product being added: its quantity and the item fields answered so far."""

    sku: str
    quantity: int = 0
    fields: dict[str, FieldValue] = field(default_factory=dict)


# Not slots: the `transitions` machine sets `state` on it as its model.
@dataclass
class Conversation:
    """Everything the engine remembers about one shopper between turns."""

    key: ConversationKey
    language: str
    state: str = Step.IDLE.value
    cart: list[CartLine] = field(default_factory=list)
    pending: PendingItem | None = None
    queue: list[tuple[str, int | None]] = field(default_factory=list)  # more items named in one message
    query: str = ""  # what the product list was filtered by
    page: int = 0
    delivery_method: str = ""
    payment_method: str = ""  # cod or online, when the store offers both
    answers: dict[str, FieldValue] = field(default_factory=dict)  # order fields for this checkout
    skipped: list[str] = field(default_factory=list)  # optional order fields the shopper skipped
    known: dict[str, FieldValue] = field(default_factory=dict)  # remembered from earlier orders
    menu: int = 0  # bumped whenever choices are shown, so a button from an older menu is recognised
    last_order: int | None = None
    version: int = 0  # storage version: a save that lost a race is refused
    updated_at: datetime | None = None

    @property
    def step(self) -> Step:
        return Step(self.state)

    def clear_checkout(self) -> None:
        self.cart.clear()
        self.pending = None
        self.queue.clear()
        self.delivery_method = ""
        self.payment_method = ""
        self.answers.clear()
        self.skipped.clear()
        self.query, self.page = "", 0

    def add_to_cart(
        self, sku: str, name: str, quantity: int, unit_price: int, fields: dict[str, FieldValue]
    ) -> int:
        """Add, merging with an equal line (same product and item fields); returns the line's new quantity."""
        for line in self.cart:
            if line.same_item(sku, fields):
                line.quantity += quantity
                return line.quantity
        self.cart.append(CartLine(sku, name, quantity, unit_price, dict(fields)))
        return quantity

    def to_json(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "state": self.state,
            "cart": [[c.sku, c.name, c.quantity, c.unit_price, c.fields] for c in self.cart],
            "pending": [self.pending.sku, self.pending.quantity, self.pending.fields]
            if self.pending
            else None,
            "queue": [[sku, quantity] for sku, quantity in self.queue],
            "query": self.query,
            "page": self.page,
            "delivery_method": self.delivery_method,
            "payment_method": self.payment_method,
            "answers": self.answers,
            "skipped": self.skipped,
            "known": self.known,
            "menu": self.menu,
            "last_order": self.last_order,
        }

    @classmethod
    def from_json(cls, key: ConversationKey, data: dict[str, Any], version: int) -> Conversation:
        pending = data.get("pending")
        return cls(
            key=key,
            language=data["language"],
            state=data["state"],
            cart=[
                CartLine(sku, name, qty, price, dict(fields))
                for sku, name, qty, price, fields in data["cart"]
            ],
            pending=PendingItem(pending[0], pending[1], dict(pending[2])) if pending else None,
            queue=[(sku, quantity) for sku, quantity in data.get("queue", [])],
            query=data.get("query", ""),
            page=data.get("page", 0),
            delivery_method=data.get("delivery_method", ""),
            payment_method=data.get("payment_method", ""),
            answers=dict(data.get("answers", {})),
            skipped=list(data.get("skipped", [])),
            known=dict(data.get("known", {})),
            menu=data.get("menu", 0),
            last_order=data.get("last_order"),
            version=version,
        )
