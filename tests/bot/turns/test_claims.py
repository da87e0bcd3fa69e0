"""A batch's claims and conversations, read together (one statement on PostgreSQL): a repeated delivery is
not claimed again and brings no conversation to its turn."""

from __future__ import annotations

from sqlalchemy import Connection

from bot.conversations.sql import SqlConversations
from bot.turns.claims import claim_and_load, claim_many
from flows.conversation import Conversation
from flows.messages import ConversationKey
from orders.db.engine import Database
from tests.conftest import Clock

ASHA, BEN, CHEN = (ConversationKey("telegram", user) for user in ("1", "2", "3"))


async def test_only_first_deliveries_are_claimed_and_only_their_saved_conversations_loaded(
    db: Database, clock: Clock
) -> None:
    store = SqlConversations(db)
    for key in (ASHA, BEN):
        await store.save(Conversation(key, "hi"), clock())
    await db.write(lambda conn: claim_many(conn, [("telegram", "m2")], clock()))  # Ben's, delivered before

    def batch(conn: Connection) -> tuple[set[tuple[str, str]], list[tuple[ConversationKey, str, int]]]:
        turns = [(("telegram", "m1"), ASHA), (("telegram", "m2"), BEN), (("telegram", "m3"), CHEN)]
        claimed, loaded = claim_and_load(conn, turns, clock())
        return claimed, [(key, c.language, c.version) for key, c in loaded.items()]

    claimed, loaded = await db.write(batch)
    assert claimed == {("telegram", "m1"), ("telegram", "m3")}
    assert loaded == [(ASHA, "hi", 1)]  # Ben's turn is a repeat; Chen has no conversation yet
    again, _ = await db.write(batch)
    assert again == set()
