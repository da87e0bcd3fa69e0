"""Customer-service windows: a channel like WhatsApp delivers free-form messages only for a while after
the shopper last wrote (24 hours); past that only approved templates go through."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Connection, Dialect, bindparam, select

from bot.relay import DeliveryError
from catalog.money import format_money
from catalog.schema import upsert_statement
from flows.messages import ConversationKey
from orders.database import Database
from orders.driver_sql import DriverStatement
from orders.store import ChatTemplate, StoreConfig
from orders.tables import service_windows

WINDOWS: Mapping[str, timedelta] = {"whatsapp": timedelta(hours=24)}


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


def template_values(template: ChatTemplate, params: Mapping[str, Any]) -> list[str]:
    """The template's body parameters from a notification's own, money in the shopper's language."""
    values = []
    for name in template.params:
        value = params.get(name)
        if name == "total" and isinstance(value, int):
            value = format_money(value, str(params.get("currency", "USD")), template.language)
        values.append("" if value is None else str(value))
    return values


class OutsideWindow:
    """A notification (status change, reminder, new-order notice) to a lead whose window has closed: the
    store's approved template for that event and language instead, or no message and a clear reason."""

    def __init__(
        self,
        windows: ServiceWindows,
        store: StoreConfig,
        transports: Mapping[str, TemplateTransport],
        clock: Callable[[], datetime],
    ) -> None:
        self._windows = windows
        self._store = store
        self._transports = transports
        self._clock = clock

    async def handled(self, key: ConversationKey, payload: Mapping[str, Any]) -> bool:
        """False when the message may go out as it is; True once its template went out instead."""
        transport = self._transports.get(key.channel)
        if transport is None or "template" not in payload or await self._windows.is_open(key, self._clock()):
            return False
        event, language = str(payload["template"]), str(payload.get("language", ""))
        template = self._store.whatsapp_template(event, language)
        if template is None:
            raise DeliveryError(
                f"not messaged: the recipient has not written in {_hours(key.channel)} hours and no approved "
                f"{key.channel} template is configured for {event} in {language!r}",
                transient=False,
            )
        params = dict(payload.get("params") or {})
        replies = [str(choice["id"]) for choice in payload.get("choices") or []]
        await transport.send_template(
            key, template.name, template.language_code, template_values(template, params), replies
        )
        return True


def _hours(channel: str) -> int:
    return int(WINDOWS[channel].total_seconds() // 3600)
