"""Conversation state in SQL (the default store) and claims of provider update ids."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, bindparam, select, update

from catalog.db.schema import insert_ignoring
from flows.conversation import Conversation
from flows.messages import ConversationKey
from orders.db.engine import Database
from orders.db.statements import DriverStatement
from orders.db.tables import conversations, inbound_claims


class StaleConversation(Exception):
    """Another process saved this conversation since it was loaded; the turn is retried."""


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
_CLAIM = DriverStatement(
    lambda dialect: insert_ignoring(dialect, inbound_claims, ["provider", "external_id"]),
    ("provider", "external_id", "claimed_at"),
)


class SqlConversationStore:
    """Loads and saves inside the turn's own transaction, so state, order and replies commit together."""

    def load(self, conn: Connection, key: ConversationKey) -> Conversation | None:
        row = _LOAD.run(conn, {"b_channel": key.channel, "b_user": key.user_id}).first()
        return Conversation.from_json(key, row[0], row[1]) if row else None

    def save(self, conn: Connection, conversation: Conversation, now: datetime) -> None:
        """Save if nobody else did since it was loaded (version check); raise StaleConversation otherwise."""
        key = conversation.key
        if conversation.version == 0:
            inserted = _INSERT.run(
                conn,
                {
                    "channel": key.channel,
                    "user_id": key.user_id,
                    "data": conversation.to_json(),
                    "version": 1,
                    "last_inbound_at": now,
                    "updated_at": now,
                },
            )
            if inserted.rowcount != 1:
                raise StaleConversation(str(key))
        else:
            params = {
                "b_channel": key.channel,
                "b_user": key.user_id,
                "b_version": conversation.version,
                "b_data": conversation.to_json(),
                "b_now": now,
            }
            if _SAVE.run(conn, params).rowcount != 1:
                raise StaleConversation(str(key))
        conversation.version += 1


class SqlConversations:
    """The SQL store behind the Redis store's async interface (a turn itself saves in its transaction)."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._store = SqlConversationStore()

    async def load(self, key: ConversationKey) -> Conversation | None:
        return await self._db.read(lambda conn: self._store.load(conn, key))

    async def save(self, conversation: Conversation, now: datetime) -> None:
        await self._db.write(lambda conn: self._store.save(conn, conversation, now))


def claim(conn: Connection, provider: str, external_id: str, now: datetime) -> bool:
    """True the first time this provider id is seen; False for a repeated delivery."""
    claimed = _CLAIM.run(conn, {"provider": provider, "external_id": external_id, "claimed_at": now})
    return claimed.rowcount == 1
