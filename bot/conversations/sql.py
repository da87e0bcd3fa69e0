"""Conversation state in SQL, the default: saved inside the turn's own transaction, with the order and
its replies, or on its own behind the async storage protocol."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Connection, Integer, String, Table, bindparam, select, update

from bot.conversations.base import StaleConversation
from catalog.db.schema import JsonColumn, UtcDateTime, insert_ignoring, metadata
from flows.conversation import Conversation
from flows.messages import ConversationKey
from orders.db.engine import Database
from orders.db.statements import DriverStatement

# One row per (channel, user): the conversation engine's state, saved with a version check.
conversations = Table(
    "conversations",
    metadata,
    Column("channel", String(32), primary_key=True),
    Column("user_id", String(128), primary_key=True),
    Column("data", JsonColumn, nullable=False),
    Column("version", Integer, nullable=False),
    Column("last_inbound_at", UtcDateTime, nullable=True),
    Column("updated_at", UtcDateTime, nullable=False),
)

_LOAD = DriverStatement(
    select(conversations.c.data, conversations.c.version).where(
        conversations.c.channel == bindparam("b_channel"), conversations.c.user_id == bindparam("b_user")
    )
)
_SAVE = DriverStatement(
    update(conversations)
    .where(
        conversations.c.channel == bindparam("b_channel"),
        conversations.c.user_id == bindparam("b_user"),
        conversations.c.version == bindparam("b_version"),
    )
    .values(
        data=bindparam("b_data"),
        version=bindparam("b_version") + 1,
        updated_at=bindparam("b_now"),
        last_inbound_at=bindparam("b_now"),
    )
)
_NEW_COLUMNS = ("channel", "user_id", "data", "version", "last_inbound_at", "updated_at")
_INSERT = DriverStatement(
    lambda dialect: insert_ignoring(dialect, conversations, ["channel", "user_id"]), _NEW_COLUMNS
)


def load_in(conn: Connection, key: ConversationKey) -> Conversation | None:
    """The conversation as this transaction sees it."""
    row = _LOAD.run(conn, {"b_channel": key.channel, "b_user": key.user_id}).first()
    return Conversation.from_json(key, row[0], row[1]) if row else None


def save_in(conn: Connection, conversation: Conversation, now: datetime) -> None:
    """Save in this transaction if nobody else did since it was loaded; StaleConversation otherwise."""
    key = conversation.key
    if conversation.version == 0:
        new = {"channel": key.channel, "user_id": key.user_id, "data": conversation.to_json(), "version": 1}
        saved = _INSERT.run(conn, new | {"last_inbound_at": now, "updated_at": now}).rowcount
    else:
        params = {
            "b_channel": key.channel,
            "b_user": key.user_id,
            "b_version": conversation.version,
            "b_data": conversation.to_json(),
            "b_now": now,
        }
        saved = _SAVE.run(conn, params).rowcount
    if saved != 1:
        raise StaleConversation(str(key))
    conversation.version += 1


class SqlConversations:
    """The storage protocol over SQL, each call its own transaction (a turn saves inside its own)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def load(self, key: ConversationKey) -> Conversation | None:
        return await self._db.read(lambda conn: load_in(conn, key))

    async def save(self, conversation: Conversation, now: datetime) -> None:
        await self._db.write(lambda conn: save_in(conn, conversation, now))
