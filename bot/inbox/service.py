"""The conversations as staff read them: one read transaction per page, shopper-supplied text left as text
(the pages escape it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from jinja2 import TemplateError
from sqlalchemy import Connection

from bot.delivery.rendering import MessageRenderer, TemplateMissing
from bot.inbox import queries
from catalog.money import format_money
from flows.conversation import Conversation, Step
from flows.messages import ConversationKey
from orders.db.engine import Database
from orders.db.outbox_stats import STATUS_NAMES
from orders.status import OrderStatus

STEP_LABELS = {
    Step.IDLE: "Not ordering",
    Step.CHOOSING_PRODUCT: "Choosing a product",
    Step.CHOOSING_QUANTITY: "Choosing a quantity",
    Step.ITEM_FIELD: "Choosing product options",
    Step.CART_MENU: "Cart: add more or check out",
    Step.DELIVERY_METHOD: "Choosing delivery",
    Step.ORDER_FIELD: "Giving order details",
    Step.PAYMENT_METHOD: "Choosing payment",
    Step.SUMMARY: "Reviewing the order summary",
}


@dataclass(frozen=True, slots=True)
class Cart:
    """What is in a shopper's cart: lines (quantity, name, sum) and the total, in the store's currency."""

    lines: list[tuple[int, str, str]]
    items: int
    total: str

    @property
    def summary(self) -> str:
        return f"{self.items} item(s) · {self.total}" if self.items else "Empty"


@dataclass(frozen=True, slots=True)
class ConversationRow:
    """One conversation on the list."""

    channel: str
    user_id: str
    name: str
    phone: str
    step: str
    cart: Cart
    last_activity: datetime
    orders: int

    @property
    def url(self) -> str:
        return conversation_url(self.channel, self.user_id)


@dataclass(frozen=True, slots=True)
class SentMessage:
    """A message chatcart wrote for the shopper: its text, when, and whether it reached them."""

    text: str
    choices: list[str]
    at: datetime
    delivery: str  # sent, pending or failed
    error: str


@dataclass(frozen=True, slots=True)
class LeadOrder:
    """One of the shopper's orders, as the conversation page lists it."""

    number: int
    status: str
    total: str
    at: datetime


@dataclass(frozen=True, slots=True)
class ConversationFile:
    """One conversation: who, where in the flow, the cart, the orders, the messages sent (newest first)."""

    row: ConversationRow
    stored: bool  # False: the shopper's orders and messages exist, the conversation itself is gone
    language: str
    delivery_method: str
    orders: list[LeadOrder]
    messages: list[SentMessage]
    open_url: str  # the chat in the shopper's own app, where the channel gives a link


def conversation_url(channel: str, user_id: str) -> str:
    return "/admin/conversations/" + quote(f"{channel}:{user_id}", safe=":@+")


def open_url(channel: str, user_id: str, phone: str) -> str:
    """wa.me/<number> for WhatsApp (its user id is the number); Telegram only by username, which chatcart
    does not keep; other channels give no link."""
    if channel == "whatsapp":
        digits = "".join(ch for ch in (user_id or phone) if ch.isdigit())
        return f"https://wa.me/{digits}" if digits else ""
    return ""


class Inbox:
    """Reads the conversations list and one conversation; never writes."""

    def __init__(self, db: Database, currency: str, renderer: MessageRenderer | None = None) -> None:
        self._db = db
        self._currency = currency
        self._renderer = renderer or MessageRenderer()

    async def page(
        self, channel: str, query: str, page: int, per_page: int
    ) -> tuple[list[ConversationRow], int]:
        def read(conn: Connection) -> tuple[list[ConversationRow], int]:
            stored, total = queries.page_of(conn, channel, query, (page - 1) * per_page, per_page)
            figures = queries.lead_orders(conn, [(s.channel, s.user_id) for s in stored])
            return [self._row(s, figures.get((s.channel, s.user_id))) for s in stored], total

        return await self._db.read(read)

    async def channels(self) -> list[str]:
        return await self._db.read(queries.channels_in_use)

    async def one(self, channel: str, user_id: str) -> ConversationFile | None:
        return await self._db.read(lambda conn: self._one(conn, channel, user_id))

    def _one(self, conn: Connection, channel: str, user_id: str) -> ConversationFile | None:
        stored = queries.one(conn, channel, user_id)
        found = [
            LeadOrder(n, OrderStatus(s).label, format_money(t, c), at)
            for n, s, t, c, at in queries.orders_of(conn, channel, user_id)
        ]
        messages = [self._message(m) for m in queries.messages_to(conn, f"{channel}:{user_id}")]
        if stored is None and not found and not messages:
            return None
        figures = queries.lead_orders(conn, [(channel, user_id)]).get((channel, user_id))
        at = stored.updated_at if stored else max([*(m.at for m in messages), *(o.at for o in found)])
        data = stored.data if stored else {"language": "", "state": Step.IDLE.value, "cart": []}
        row = self._row(queries.StoredConversation(channel, user_id, data, at), figures)
        conversation = self._conversation(channel, user_id, data)
        return ConversationFile(
            row,
            stored is not None,
            conversation.language,
            conversation.delivery_method,
            found,
            messages,
            open_url(channel, user_id, row.phone),
        )

    def _conversation(self, channel: str, user_id: str, data: dict[str, Any]) -> Conversation:
        return Conversation.from_json(ConversationKey(channel, user_id), data, 0)

    def _row(self, stored: queries.StoredConversation, figures: queries.LeadOrders | None) -> ConversationRow:
        conversation = self._conversation(stored.channel, stored.user_id, stored.data)
        answered = conversation.answers.get("phone") or conversation.known.get("phone") or ""
        return ConversationRow(
            stored.channel,
            stored.user_id,
            figures.name if figures else "",
            (figures.phone if figures else "") or str(answered),
            _step_label(conversation.state),
            self._cart(conversation),
            stored.updated_at,
            figures.count if figures else 0,
        )

    def _cart(self, conversation: Conversation) -> Cart:
        """Each line as the chat's own summary names it: the product and its item fields' values."""
        cart = conversation.cart
        lines = [(c.quantity, c.label, format_money(c.amount, self._currency)) for c in cart]
        total = sum(c.amount for c in cart)
        return Cart(lines, sum(c.quantity for c in cart), format_money(total, self._currency))

    def _message(self, written: queries.Written) -> SentMessage:
        payload = written.payload
        text = payload.get("text")
        if text is None:
            text = self._rendered(payload)
        choices = [str(c.get("label", "")) for c in payload.get("choices") or ()]
        delivery = STATUS_NAMES.get(written.status, written.status)
        error = written.last_error if delivery != "sent" else ""
        return SentMessage(str(text), choices, written.sent_at or written.created_at, delivery, error)

    def _rendered(self, payload: dict[str, Any]) -> str:
        name, language = str(payload.get("template")), str(payload.get("language") or "en")
        try:
            return self._renderer.render(name, language, payload.get("params") or {})
        except (TemplateMissing, TemplateError):  # a template renamed or changed since the message was sent
            return f"(the “{name}” message; its template no longer reads it)"


def _step_label(state: str) -> str:
    try:
        return STEP_LABELS[Step(state)]
    except (ValueError, KeyError):  # a state a newer or older engine wrote
        return state.replace("_", " ").capitalize()
