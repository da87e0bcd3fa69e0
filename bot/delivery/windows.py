"""Customer-service windows: when each lead last wrote (kept in the turn's transaction), and what a
notification becomes once the lead's channel window has closed (the channel says what it allows)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Column, Connection, Dialect, String, Table, bindparam, select

from catalog.db.schema import UtcDateTime, metadata, upsert_statement
from catalog.money import format_money
from channels.base import ApprovedTemplate, Channel, Notice
from flows.messages import ConversationKey, OutboundMessage
from orders.db.engine import Database
from orders.db.statements import DriverStatement, ManyRows
from orders.store import ChatTemplate, StoreConfig

# When each lead of a channel with a customer-service window (WhatsApp: 24 hours) last wrote to us.
service_windows = Table(
    "service_windows",
    metadata,
    Column("channel", String(32), primary_key=True),
    Column("user_id", String(128), primary_key=True),
    Column("last_inbound_at", UtcDateTime, nullable=False),
)


def _upsert(dialect: Dialect) -> Any:
    insert = upsert_statement(dialect, service_windows)
    return insert.on_conflict_do_update(
        index_elements=["channel", "user_id"], set_={"last_inbound_at": insert.excluded.last_inbound_at}
    )


_COLUMNS = ("channel", "user_id", "last_inbound_at")
_TOUCH = DriverStatement(_upsert, _COLUMNS)
_TOUCH_MANY = ManyRows(
    service_windows,
    _COLUMNS,
    conflict="ON CONFLICT (channel, user_id) DO UPDATE SET last_inbound_at = excluded.last_inbound_at",
)
_LAST = select(service_windows.c.last_inbound_at).where(
    service_windows.c.channel == bindparam("b_channel"), service_windows.c.user_id == bindparam("b_user")
)


def touch(conn: Connection, keys: Sequence[ConversationKey], now: datetime) -> None:
    """Record, in the turn's transaction, that these leads wrote now: their windows open again."""
    rows = [{"channel": key.channel, "user_id": key.user_id, "last_inbound_at": now} for key in keys]
    if conn.dialect.name == "postgresql":
        if rows:
            _TOUCH_MANY.run(conn, rows)
        return
    for row in rows:
        _TOUCH.run(conn, row)


class ServiceWindows:
    """Reads when a lead last wrote."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def is_open(self, key: ConversationKey, window: timedelta, now: datetime) -> bool:
        params = {"b_channel": key.channel, "b_user": key.user_id}
        last = await self._db.read(lambda conn: conn.execute(_LAST, params).scalar())
        return last is not None and now - last < window


def template_values(template: ChatTemplate, params: Mapping[str, Any]) -> list[str]:
    """The template's body parameters from a notification's own, money in the shopper's language."""
    values = []
    for name in template.params:
        value = params.get(name)
        if name == "total" and isinstance(value, int):
            value = format_money(value, str(params.get("currency", "USD")), template.language)
        values.append("" if value is None else str(value))
    return values


class WindowedSend:
    """Sends a chat message: as it is while the lead's window is open, or when the channel has none, or
    when it answers what the shopper just wrote; otherwise as the channel allows for a notification (an
    approved template, a tagged update) or not at all, with the reason the relay records in the history."""

    def __init__(self, windows: ServiceWindows, store: StoreConfig, clock: Callable[[], datetime]) -> None:
        self._windows = windows
        self._store = store
        self._clock = clock

    async def __call__(self, channel: Channel, message: OutboundMessage, payload: Mapping[str, Any]) -> None:
        key = message.key
        window = channel.window(key.channel)
        # A reply to a message the shopper just sent carries its text, a notification names its template.
        if (
            window is None
            or "template" not in payload
            or await self._windows.is_open(key, window, self._clock())
        ):
            await channel.send(message)
            return
        await channel.send_outside_window(message, self._notice(key.channel, payload))

    def _notice(self, channel: str, payload: Mapping[str, Any]) -> Notice:
        event, language = str(payload["template"]), str(payload.get("language", ""))
        template = self._store.chat_template(channel, event, language)
        if template is None:
            return Notice(event, language, None)
        values = template_values(template, dict(payload.get("params") or {}))
        replies = [str(choice["id"]) for choice in payload.get("choices") or []]
        approved = ApprovedTemplate(template.name, template.language_code, tuple(values), tuple(replies))
        return Notice(event, language, approved)
