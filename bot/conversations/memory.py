"""The reference conversation storage, in memory: what every other storage must behave like."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from bot.conversations.base import StaleConversation
from flows.conversation import Conversation
from flows.messages import ConversationKey


class MemoryConversations:
    """Kept as JSON, as real storages keep it: what was loaded never shares state with what was saved."""

    def __init__(self) -> None:
        self._saved: dict[ConversationKey, tuple[int, bytes]] = {}

    async def load(self, key: ConversationKey) -> Conversation | None:
        saved = self._saved.get(key)
        if saved is None:
            return None
        version, data = saved
        state: dict[str, Any] = orjson.loads(data)
        return Conversation.from_json(key, state, version)

    async def save(self, conversation: Conversation, now: datetime) -> None:
        version = self._saved.get(conversation.key, (0, b""))[0]
        if version != conversation.version:
            raise StaleConversation(str(conversation.key))
        conversation.version += 1
        self._saved[conversation.key] = (conversation.version, orjson.dumps(conversation.to_json()))
