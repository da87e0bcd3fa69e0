"""Customer-service windows: a channel like WhatsApp delivers free-form messages only for a while after
the shopper last wrote (24 hours); past that only approved templates go through."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Connection, Dialect, bindparam, select

from bot.delivery.relay import DeliveryError
from catalog.db.schema import upsert_statement
from catalog.money import format_money
from channels.meta import ORDER_UPDATE_TAG
from flows.messages import ConversationKey, OutboundMessage
from orders.db.engine import Database
from orders.db.statements import DriverStatement
from orders.db.tables import service_windows
from orders.store import ChatTemplate, StoreConfig

WINDOWS: Mapping[str, timedelta] = {
    "whatsapp": timedelta(hours=24),
    "messenger": timedelta(hours=24),
    "instagram": timedelta(hours=24),
}


def _upsert(dialect: Dialect) -> Any:
    insert = upsert_statement(dialect, service_windows)
    return insert.on_conflict_do_update(
        index_elements=["channel", "user_id"], set_={"last_inbound_at": insert.excluded.last_inbound_at}
    )


_TOUCH = DriverStatement(_upsert, ("channel", "user_id", "last_inbound_at"))
_LAST = select(service_windows.c.last_inbound_at).where(
    service_windows.c.channel == bindparam("b_channel"), service_windows.c.user_id == bindparam("b_user")
)


def has_window(channel: str) -> bool:
    return channel in WINDOWS


def touch(conn: Connection, key: ConversationKey, now: datetime) -> None:
    """Record, in the turn's transaction, that this lead wrote now: their window opens again."""
    _TOUCH.run(conn, {"channel": key.channel, "user_id": key.user_id, "last_inbound_at": now})


class ServiceWindows:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def is_open(self, key: ConversationKey, now: datetime) -> bool:
        """True on channels without a window, or when the lead wrote within it."""
        window = WINDOWS.get(key.channel)
        if window is None:
            return True
        params = {"b_channel": key.channel, "b_user": key.user_id}
        last = await self._db.read(lambda conn: conn.execute(_LAST, params).scalar())
        return last is not None and now - last < window


class TemplateTransport(Protocol):
    async def send_template(
        self, key: ConversationKey, name: str, code: str, body: list[str], quick_replies: list[str]
    ) -> None: ...


class TaggedTransport(Protocol):
    async def send(self, message: OutboundMessage, *, tag: str | None = None) -> None: ...


def template_values(template: ChatTemplate, params: Mapping[str, Any]) -> list[str]:
    """The template's body parameters from a notification's own, money in the shopper's language."""
    values = []
    for name in template.params:
        value = params.get(name)
        if name == "total" and isinstance(value, int):
            value = format_money(value, str(params.get("currency", "USD")), template.language)
        values.append("" if value is None else str(value))
    return values


def _is_order_update(event: str) -> bool:
    return event.startswith("status_") or event == "cod_reminder"


class OutsideWindow:
    """A notification (status change, reminder, new-order notice) to a lead whose window has closed.

    WhatsApp: the store's approved template for that event and language. Messenger: the message itself,
    tagged as an order update. Otherwise (Instagram, or no template) no message, and a clear reason that
    the relay records in the order's history.
    """

    def __init__(
        self,
        windows: ServiceWindows,
        store: StoreConfig,
        clock: Callable[[], datetime],
        *,
        templates: Mapping[str, TemplateTransport],
        tagged: Mapping[str, TaggedTransport],
    ) -> None:
        self._windows = windows
        self._store = store
        self._clock = clock
        self._templates = templates
        self._tagged = tagged

    async def handled(self, message: OutboundMessage, payload: Mapping[str, Any]) -> bool:
        """False when the message may go out as it is; True once it went out in the window's stead."""
        key = message.key
        if "template" not in payload or await self._windows.is_open(key, self._clock()):
            return False
        event = str(payload["template"])
        if (templated := self._templates.get(key.channel)) is not None:
            await self._send_template(templated, key, payload)
            return True
        if (tagged := self._tagged.get(key.channel)) is not None and _is_order_update(event):
            await tagged.send(message, tag=ORDER_UPDATE_TAG)
            return True
        reason = f"{key.channel} allows no {event} message after that"
        raise DeliveryError(f"{_not_messaged(key.channel)}, and {reason}", transient=False)

    async def _send_template(
        self, transport: TemplateTransport, key: ConversationKey, payload: Mapping[str, Any]
    ) -> None:
        event, language = str(payload["template"]), str(payload.get("language", ""))
        template = self._store.whatsapp_template(event, language)
        if template is None:
            reason = f"no approved {key.channel} template is configured for {event} in {language!r}"
            raise DeliveryError(f"{_not_messaged(key.channel)} and {reason}", transient=False)
        values = template_values(template, dict(payload.get("params") or {}))
        replies = [str(choice["id"]) for choice in payload.get("choices") or []]
        await transport.send_template(key, template.name, template.language_code, values, replies)


def _not_messaged(channel: str) -> str:
    hours = int(WINDOWS[channel].total_seconds() // 3600)
    return f"not messaged: the recipient has not written in {hours} hours"
