"""Conversation state in SQL, the default: saved inside the turn's own transaction, with the order and
its replies, or on its own behind the async storage protocol."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Connection, Integer, String, Table, bindparam, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from bot.conversations.base import StaleConversation
from catalog.db.schema import JsonColumn, UtcDateTime, insert_ignoring, metadata
from flows.conversation import Conversation
from flows.messages import ConversationKey
from orders.db.engine import Database
from orders.db.statements import DriverStatement, ManyRows

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


# The same three for many conversations at once on PostgreSQL, one round trip each (a batch of turns).
LOAD_MANY_SQL = (
    "SELECT c.channel, c.user_id, c.data, c.version FROM conversations AS c "
    "JOIN unnest(CAST(:channels AS VARCHAR[]), CAST(:users AS VARCHAR[])) AS k(channel, user_id) "
    "ON c.channel = k.channel AND c.user_id = k.user_id "
    # Another process's turn of the same chat waits here for this one's commit rather than failing its
    # version check later; rows locked in key order, so two batches never wait on each other.
    "ORDER BY c.channel, c.user_id FOR NO KEY UPDATE OF c"
)
LOAD_MANY_BINDS = (bindparam("channels", type_=ARRAY(String)), bindparam("users", type_=ARRAY(String)))
_LOAD_MANY = DriverStatement(
    text(LOAD_MANY_SQL)
    .bindparams(*LOAD_MANY_BINDS)
    .columns(conversations.c.channel, conversations.c.user_id, conversations.c.data, conversations.c.version)
)
_SAVE_MANY = DriverStatement(
    text(
        "UPDATE conversations AS c SET data = s.data, version = c.version + 1, "
        "updated_at = :now, last_inbound_at = :now "
        "FROM unnest(CAST(:channels AS VARCHAR[]), CAST(:users AS VARCHAR[]), CAST(:datas AS JSONB[]), "
        "CAST(:versions AS INTEGER[])) AS s(channel, user_id, data, version) "
        "WHERE c.channel = s.channel AND c.user_id = s.user_id AND c.version = s.version "
        "RETURNING c.channel, c.user_id"
    ).bindparams(
        bindparam("channels", type_=ARRAY(String)),
        bindparam("users", type_=ARRAY(String)),
        bindparam("datas", type_=ARRAY(JSONB)),
        bindparam("versions", type_=ARRAY(Integer)),
        bindparam("now", type_=UtcDateTime),
    )
)
_INSERT_MANY = ManyRows(
    conversations, _NEW_COLUMNS, conflict="ON CONFLICT DO NOTHING", returning=("channel", "user_id")
)


def load_in(conn: Connection, key: ConversationKey) -> Conversation | None:
    """The conversation as this transaction sees it."""
    row = _LOAD.run(conn, {"b_channel": key.channel, "b_user": key.user_id}).first()
    return Conversation.from_json(key, row[0], row[1]) if row else None


def save_in(conn: Connection, conversation: Conversation, now: datetime) -> None:
    """Save in this transaction if nobody else did since it was loaded; StaleConversation otherwise."""
    key = conversation.key
    if conversation.version == 0:
        saved = _INSERT.run(conn, _new_row(conversation, now)).rowcount
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


def load_many_in(conn: Connection, keys: Sequence[ConversationKey]) -> dict[ConversationKey, Conversation]:
    """The conversations of `keys` that exist, as this transaction sees them."""
    if conn.dialect.name != "postgresql":
        return {key: one for key in keys if (one := load_in(conn, key)) is not None}
    return loaded_from(_LOAD_MANY.run(conn, load_many_params(keys)).rows)


def load_many_params(keys: Sequence[ConversationKey]) -> dict[str, list[str]]:
    """The parameters of `LOAD_MANY_SQL` for these keys."""
    return {"channels": [k.channel for k in keys], "users": [k.user_id for k in keys]}


def loaded_from(rows: Iterable[Sequence[Any]]) -> dict[ConversationKey, Conversation]:
    """Conversations from rows of `LOAD_MANY_SQL` (channel, user id, data, version)."""
    loaded: dict[ConversationKey, Conversation] = {}
    for channel, user_id, data, version in rows:
        key = ConversationKey(channel, user_id)
        loaded[key] = Conversation.from_json(key, data, version)
    return loaded


def save_many_in(conn: Connection, conversations_: Sequence[Conversation], now: datetime) -> None:
    """`save_in` for each; on PostgreSQL, the known ones in one statement and the new ones in another."""
    if conn.dialect.name != "postgresql":
        for conversation in conversations_:
            save_in(conn, conversation, now)
        return
    known = [c for c in conversations_ if c.version > 0]
    new = [c for c in conversations_ if c.version == 0]
    saved: set[tuple[str, str]] = set()
    if known:
        params = {
            "channels": [c.key.channel for c in known],
            "users": [c.key.user_id for c in known],
            "datas": [c.to_json() for c in known],
            "versions": [c.version for c in known],
            "now": now,
        }
        saved |= {(str(ch), str(u)) for ch, u in _SAVE_MANY.run(conn, params).rows}
    if new:
        rows = [_new_row(c, now) for c in new]
        saved |= {(str(ch), str(u)) for ch, u in _INSERT_MANY.run(conn, rows).rows}
    for conversation in conversations_:
        if (conversation.key.channel, conversation.key.user_id) not in saved:
            raise StaleConversation(str(conversation.key))
    for conversation in conversations_:
        conversation.version += 1


def _new_row(conversation: Conversation, now: datetime) -> dict[str, object]:
    key = conversation.key
    return {
        "channel": key.channel,
        "user_id": key.user_id,
        "data": conversation.to_json(),
        "version": 1,
        "last_inbound_at": now,
        "updated_at": now,
    }


class SqlConversations:
    """The storage protocol over SQL, each call its own transaction (a turn saves inside its own)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def load(self, key: ConversationKey) -> Conversation | None:
        return await self._db.read(lambda conn: load_in(conn, key))

    async def save(self, conversation: Conversation, now: datetime) -> None:
        """Save it (StaleConversation if someone else did since it was loaded); its version moves on only
        once that is committed."""
        # A write may run more than once: alone again after a batch it shared was rolled back (where its
        # save may have succeeded). Each run starts from the version the caller holds.
        version = conversation.version

        def attempt(conn: Connection) -> None:
            conversation.version = version
            save_in(conn, conversation, now)

        try:
            await self._db.write(attempt)
        except BaseException:
            conversation.version = version
            raise
