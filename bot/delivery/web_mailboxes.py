"""The web chat's mailboxes in the database: what one server process writes, any other hands to the page."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Column, Connection, Index, Integer, String, Table, delete, insert

from bot.delivery import codec
from catalog.db.schema import JsonColumn, UtcDateTime, metadata
from channels.web import CHANNEL
from flows.messages import ConversationKey, OutboundMessage
from orders.db.engine import Database

# One row per message waiting for its page; taking a session's messages deletes them.
web_chat_messages = Table(
    "web_chat_messages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("session", String(64), nullable=False),
    Column("payload", JsonColumn, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_web_chat_messages_session", "session", "id"),
    Index("ix_web_chat_messages_created_at", "created_at"),
)
KEEP = timedelta(days=1)  # a page closed for a day will not come back for its messages


class SqlMailboxes:
    """Each browser session's undelivered messages, shared by every process on the database."""

    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._clock = clock

    async def put(self, message: OutboundMessage) -> None:
        """Leave `message` for its session's page; messages nobody fetched for a day go."""
        session, payload = message.key.user_id, codec.to_payload(message)
        row = {"session": session, "payload": payload, "created_at": self._clock()}
        await self._db.write(functools.partial(_put, row))

    async def take(self, session: str) -> list[OutboundMessage]:
        """Everything waiting for `session`, oldest first; it is then no longer waiting."""
        rows = await self._db.write(functools.partial(_take, session))
        key = ConversationKey(CHANNEL, session)
        rows.sort(key=lambda row: row[0])  # DELETE … RETURNING promises no order
        return [codec.from_payload(key, payload, str(payload.get("text", ""))) for _, payload in rows]


def _put(row: dict[str, Any], conn: Connection) -> None:
    conn.execute(delete(web_chat_messages).where(web_chat_messages.c.created_at < row["created_at"] - KEEP))
    conn.execute(insert(web_chat_messages), row)


def _take(session: str, conn: Connection) -> list[tuple[int, dict[str, Any]]]:
    taken = (
        delete(web_chat_messages)
        .where(web_chat_messages.c.session == session)
        .returning(web_chat_messages.c.id, web_chat_messages.c.payload)
    )
    return [(row.id, row.payload) for row in conn.execute(taken)]
