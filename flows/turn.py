"""A turn's output: replies to send and commands for the order services, plus their outcomes."""

from __future__ import annotations

from dataclasses import dataclass, field

from catalog.money import format_money
from catalog.search import CatalogSnapshot
from flows.conversation import Conversation
from flows.lexicon import Lexicon
from flows.messages import Choice, ChoiceStyle, OutboundMessage
from flows.phrases import Phrasebook
from orders.commands import PlaceOrder
from orders.model import FieldValue, OrderLine
from orders.status import OrderStatus
from orders.store import StoreConfig


@dataclass(frozen=True, slots=True)
class StoreView:
    """Everything the engine may know about the store in this turn: plain data, no I/O."""

    store: StoreConfig
    catalog: CatalogSnapshot
    phrases: Phrasebook
    lexicon: Lexicon
    online_payments: bool = False  # a payment provider is configured on this server

    @property
    def payment_methods(self) -> tuple[str, ...]:
        """How a shopper may pay here: the store's methods, online only with a provider configured."""
        methods = tuple(m for m in self.store.store.payment if m != "online" or self.online_payments)
        return methods or self.store.store.payment

    def language_for(self, hint: str) -> str:
        """The shopper's language if the store serves it, else the store's default."""
        base = hint.replace("_", "-").split("-")[0].lower()
        return base if base in self.store.store.languages else self.store.default_language


# Commands the engine asks the orchestrator to carry out inside the same transaction.
@dataclass(frozen=True, slots=True)
class PlaceOrderCommand:
    """Place the cart as an order."""

    order: PlaceOrder


@dataclass(frozen=True, slots=True)
class ConfirmOrderCommand:
    """The shopper confirms their pending order (COD)."""

    number: int


@dataclass(frozen=True, slots=True)
class CancelOrderCommand:
    """The shopper cancels their pending order."""

    number: int


@dataclass(frozen=True, slots=True)
class OrderStatusCommand:
    """Where is the shopper's order?"""

    number: int


@dataclass(frozen=True, slots=True)
class PaymentCheckCommand:
    """ "I've paid": check the payment of the shopper's order with the provider."""

    number: int


@dataclass(frozen=True, slots=True)
class ReopenOrderCommand:
    """ "Change my order": a still-pending order is cancelled and its items go back into the cart."""

    number: int


Command = (
    PlaceOrderCommand
    | ConfirmOrderCommand
    | CancelOrderCommand
    | OrderStatusCommand
    | PaymentCheckCommand
    | ReopenOrderCommand
)


# What came of a command; `flows.results.resume` turns it into replies.
@dataclass(frozen=True, slots=True)
class OrderPlaced:
    """The order was placed."""

    number: int
    total: int
    online: bool = False  # a payment link follows (instead of the cash-on-delivery confirmation)


@dataclass(frozen=True, slots=True)
class OrderRefused:
    """The order could not be placed (sold out meanwhile, or invalid); `reason` says why."""

    reason: str
    sku: str | None = None


@dataclass(frozen=True, slots=True)
class StatusMoved:
    """The order moved as the shopper asked; the status notification is the reply."""

    number: int
    status: OrderStatus


@dataclass(frozen=True, slots=True)
class StatusUnchanged:
    """The order could not move (it is no longer pending, or it is not this shopper's)."""

    number: int
    status: OrderStatus | None
    wanted: OrderStatus | None = None


@dataclass(frozen=True, slots=True)
class StatusReport:
    """The order's status, or None when it is not this shopper's."""

    number: int
    status: OrderStatus | None


@dataclass(frozen=True, slots=True)
class PaymentCheck:
    """What the payment check found at once: `status` of the shopper's order (None: not theirs), and
    whether the provider is being asked (its answer follows as a message)."""

    number: int
    status: str | None
    asking: bool = False


@dataclass(frozen=True, slots=True)
class OrderReopened:
    """The pending order was cancelled for the shopper to change it: its lines and answers come back."""

    number: int
    lines: tuple[OrderLine, ...]
    fields: dict[str, FieldValue]
    delivery_method: str


Outcome = (
    OrderPlaced | OrderRefused | StatusMoved | StatusUnchanged | StatusReport | PaymentCheck | OrderReopened
)


@dataclass
class Turn:
    """Builds one turn's replies; `show` bumps the menu so older buttons are recognised as stale."""

    conversation: Conversation
    view: StoreView
    replies: list[OutboundMessage] = field(default_factory=list)
    commands: list[Command] = field(default_factory=list)

    def t(self, key: str, **params: object) -> str:
        return self.view.phrases.text(self.conversation.language, key, **params)

    def money(self, minor: int) -> str:
        return format_money(minor, self.view.store.currency, self.conversation.language)

    def say(self, text: str) -> None:
        self.replies.append(OutboundMessage(self.conversation.key, text))

    def ask(
        self, text: str, choices: list[tuple[str, str, str]], style: ChoiceStyle, button: str = ""
    ) -> None:
        """A message with choices given as (action, label, description); ids carry the menu number."""
        self.conversation.menu += 1
        menu = self.conversation.menu
        built = tuple(
            Choice(f"{menu}:{action}", label, description) for action, label, description in choices
        )
        self.replies.append(OutboundMessage(self.conversation.key, text, built, style, button))

    def ask_raw(
        self, text: str, choices: tuple[Choice, ...], style: ChoiceStyle = ChoiceStyle.BUTTONS
    ) -> None:
        """Choices whose ids must keep working whatever the menu (order confirmation buttons)."""
        self.replies.append(OutboundMessage(self.conversation.key, text, choices, style))
