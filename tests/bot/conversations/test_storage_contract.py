"""One contract for every conversation storage: the in-memory reference and SQL."""

from __future__ import annotations

import asyncio

import pytest

from bot.conversations.base import ConversationStorage, StaleConversation
from bot.conversations.memory import MemoryConversations
from bot.conversations.sql import SqlConversations
from flows.conversation import CartLine, Conversation
from flows.messages import ConversationKey
from orders.db.engine import Database
from tests.conftest import Clock


@pytest.fixture(params=["memory", "sql"])
def store(request: pytest.FixtureRequest, db: Database) -> ConversationStorage:
    return MemoryConversations() if request.param == "memory" else SqlConversations(db)


KEY = ConversationKey("telegram", "42")


def conversation(key: ConversationKey = KEY) -> Conversation:
    c = Conversation(key, "es", state="cart_menu", menu=3, last_order=1001)
    c.cart.append(CartLine("TEA", "Masala chai", 5, 12000, {"sugar": "Less"}))
    c.known["delivery_address"] = "12 MG Road"
    return c


async def test_an_unknown_conversation_loads_as_none(store: ConversationStorage) -> None:
    assert await store.load(KEY) is None


async def test_a_saved_conversation_loads_back_equal(store: ConversationStorage, clock: Clock) -> None:
    original = conversation()
    await store.save(original, clock())
    loaded = await store.load(KEY)
    assert loaded is not None
    assert loaded.to_json() == original.to_json()
    assert loaded.version == original.version == 1


async def test_a_save_from_a_stale_copy_is_refused_and_changes_nothing(
    store: ConversationStorage, clock: Clock
) -> None:
    await store.save(conversation(), clock())
    first, second = await store.load(KEY), await store.load(KEY)
    assert first is not None and second is not None
    first.cart[0].quantity = 7
    await store.save(first, clock())
    second.cart.clear()
    with pytest.raises(StaleConversation):
        await store.save(second, clock())
    stored = await store.load(KEY)
    assert stored is not None and stored.cart[0].quantity == 7 and stored.version == 2


async def test_two_new_conversations_for_one_key_cannot_both_be_saved(
    store: ConversationStorage, clock: Clock
) -> None:
    results = await asyncio.gather(
        *(store.save(conversation(), clock()) for _ in range(4)), return_exceptions=True
    )
    assert sum(r is None for r in results) == 1
    assert all(isinstance(r, StaleConversation) for r in results if r is not None)


async def test_conversations_of_different_leads_never_mix(store: ConversationStorage, clock: Clock) -> None:
    telegram, whatsapp = ConversationKey("telegram", "42"), ConversationKey("whatsapp", "42")
    await store.save(conversation(telegram), clock())
    other = Conversation(whatsapp, "en")
    await store.save(other, clock())
    loaded_tg, loaded_wa = await store.load(telegram), await store.load(whatsapp)
    assert loaded_tg is not None and loaded_wa is not None
    assert len(loaded_tg.cart) == 1 and loaded_wa.cart == []


async def test_changing_a_loaded_conversation_changes_nothing_saved(
    store: ConversationStorage, clock: Clock
) -> None:
    await store.save(conversation(), clock())
    loaded = await store.load(KEY)
    assert loaded is not None
    loaded.cart[0].quantity = 99
    again = await store.load(KEY)
    assert again is not None and again.cart[0].quantity == 5
