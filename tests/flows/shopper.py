"""Drive the pure engine like a shopper: type text, press buttons by their label, see the replies."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import count

from bot.templating import load_lexicon, load_phrases
from catalog.product import Product
from catalog.search import CatalogSnapshot
from flows.conversation import Conversation, Step
from flows.engine import step
from flows.messages import ConversationKey, InboundKind, InboundMessage, OutboundMessage
from flows.results import resume
from flows.turn import Command, Outcome, StoreView, Turn
from orders.store import StoreConfig, parse_store_config

NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)

CATALOG = [
    Product(1, "CHAI-MASALA", "Masala chai", 12000, 200, "Tea", aliases=("chai", "masala tea")),
    Product(2, "CHAI-GINGER", "Ginger chai", 11000, 3, "Tea", aliases=("adrak chai",)),
    Product(3, "LEMON-TEA", "Lemon tea", 9000, None, "Tea"),
    Product(4, "SAMOSA", "Samosa", 6000, 50, "Snacks"),
    Product(5, "KAHWA", "Kashmiri kahwa", 18000, 0, "Tea"),
    Product(6, "TSHIRT", "Chai T-shirt", 50000, 10, "Merch"),
]

STORE = """
[store]
name = "Chai Corner"
currency = "INR"
languages = ["en", "es", "hi"]
delivery = ["shipping", "pickup"]
delivery_fees = { shipping = "40" }
[[order_fields]]
name = "delivery_address"
required = true
[[order_fields]]
name = "phone"
required = true
[[order_fields]]
name = "note"
[[item_fields]]
name = "size"
type = "select"
options = ["S", "M", "L"]
required = true
products = ["TSHIRT"]
"""


PHRASES = load_phrases()
WORDS = load_lexicon()


def make_view(store: StoreConfig | None = None, products: list[Product] | None = None) -> StoreView:
    return StoreView(store or parse_store_config(STORE), CatalogSnapshot(products or CATALOG), PHRASES, WORDS)


@dataclass
class Shopper:
    view: StoreView = field(default_factory=make_view)
    language: str = "en"
    user_id: str = "42"
    phone: str = ""
    outcomes: list[Outcome] = field(default_factory=list)  # answers to the next commands, in order
    commands: list[Command] = field(default_factory=list)
    replies: list[OutboundMessage] = field(default_factory=list)
    _ids: count[int] = field(default_factory=count)

    def __post_init__(self) -> None:
        self.conversation = Conversation(ConversationKey("test", self.user_id), self.language)

    def _run(self, inbound: InboundMessage) -> list[OutboundMessage]:
        turn: Turn = step(self.conversation, inbound, self.view, NOW)
        replies = list(turn.replies)
        for command in turn.commands:
            self.commands.append(command)
            if self.outcomes:
                replies += resume(self.conversation, self.outcomes.pop(0), self.view).replies
        self.replies = replies
        return replies

    def _inbound(
        self, kind: InboundKind = InboundKind.TEXT, text: str = "", choice_id: str = ""
    ) -> InboundMessage:
        return InboundMessage(
            self.conversation.key,
            f"m{next(self._ids)}",
            NOW,
            kind,
            text,
            choice_id,
            phone=self.phone,
            contact_name="Asha",
        )

    def presses_id(self, choice_id: str) -> list[OutboundMessage]:
        """Press a button by its id, as an old message's button would be pressed."""
        return self._run(self._inbound(InboundKind.CHOICE, choice_id=choice_id))

    @property
    def step(self) -> Step:
        return self.conversation.step

    def says(self, text: str) -> list[OutboundMessage]:
        return self._run(self._inbound(text=text))

    def presses(
        self, label: str, *, from_replies: list[OutboundMessage] | None = None
    ) -> list[OutboundMessage]:
        """Press the button or list row with this label in the latest replies (or in older ones)."""
        for message in reversed(from_replies or self.replies):
            for choice in message.choices:
                if choice.label == label:
                    return self.presses_id(choice.id)
        labels = [c.label for m in (from_replies or self.replies) for c in m.choices]
        raise AssertionError(f"no {label!r} among {labels}")

    def sends_sticker(self) -> list[OutboundMessage]:
        return self._run(self._inbound(InboundKind.UNSUPPORTED))

    @property
    def texts(self) -> list[str]:
        return [m.text for m in self.replies]

    @property
    def labels(self) -> list[str]:
        return [c.label for m in self.replies for c in m.choices]


def checkout_to_summary(s: Shopper, address: str = "12 MG Road") -> None:
    s.presses("Checkout")
    s.presses("Delivery")
    s.says(address)
    s.says("+91 98765 43210")
    s.presses("Skip")
