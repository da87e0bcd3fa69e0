"""The conversation storage protocol: load and save one conversation by key, with a version check."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from flows.conversation import Conversation
from flows.messages import ConversationKey


class StaleConversation(Exception):
    """Another process saved this conversation since it was loaded; the turn is retried."""


class ConversationStorage(Protocol):
    """Where conversations live between turns (SQL, Redis, or memory in tests and the reference)."""

    async def load(self, key: ConversationKey) -> Conversation | None:
        """The saved conversation with its version, or None for a new shopper."""

    async def save(self, conversation: Conversation, now: datetime) -> None:
        """Save if nobody else did since it was loaded and bump its version; StaleConversation otherwise."""
