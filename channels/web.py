"""The built-in web chat (`/chat`): the merchant's test chat, talking to the same engine as every channel.

Replies wait in a mailbox per browser session until the page fetches them: the answer to a message comes
back in the same request, later notifications (a status change) at the page's next poll. Where the mailboxes
live is the wiring's choice (the server keeps them in the database, so that any process can answer a page).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Protocol

from channels.base import BadPayload, BaseChannel, chat_text
from flows.messages import ConversationKey, InboundKind, InboundMessage, OutboundMessage

CHANNEL = "web"
MAX_TEXT = 2000
_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8}){0,4}$")  # the browser's, e.g. es-MX


class BadChatMessage(BadPayload):
    """What the page sent is not a chat message; the text says why."""


def parse_chat_message(body: object, now: datetime) -> InboundMessage:
    """`{"session", "id", "text"}` or `{"session", "id", "choice"}` from the page, checked; an optional
    `language` (the browser's) chooses the language of a new conversation when the store serves it."""
    if not isinstance(body, dict):
        raise BadChatMessage("expected a JSON object")
    session, message_id = body.get("session"), body.get("id")
    if not isinstance(session, str) or not _ID.match(session):
        raise BadChatMessage("session: 8 to 64 letters, digits, '-' or '_'")
    if not isinstance(message_id, str) or not _ID.match(message_id):
        raise BadChatMessage("id: 8 to 64 letters, digits, '-' or '_'")
    text, choice, language = body.get("text"), body.get("choice"), body.get("language", "")
    if (text is None) == (choice is None):
        raise BadChatMessage("send either text or choice")
    if language and not (isinstance(language, str) and _LANGUAGE.match(language)):
        raise BadChatMessage("language: a language tag such as en or es-MX")
    key = ConversationKey(CHANNEL, session)
    if choice is not None:
        if not isinstance(choice, str) or not 0 < len(choice) <= 200:
            raise BadChatMessage("choice: the id of a button, at most 200 characters")
        return InboundMessage(
            key, message_id, now, InboundKind.CHOICE, choice_id=chat_text(choice), language=language
        )
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        raise BadChatMessage(f"text: at most {MAX_TEXT} characters")
    return InboundMessage(
        key, message_id, now, InboundKind.TEXT, text=chat_text(text).strip(), language=language
    )


class Mailboxes(Protocol):
    """Where replies wait for their page."""

    async def put(self, message: OutboundMessage) -> None: ...

    async def take(self, session: str) -> list[OutboundMessage]:
        """Everything waiting for `session`, oldest first; it is then no longer waiting."""
        ...


class WebChatChannel(BaseChannel):
    """Sending is leaving the message in its session's mailbox; the page takes it from there."""

    name = CHANNEL

    def __init__(self, mailboxes: Mailboxes) -> None:
        self._mailboxes = mailboxes

    async def send(self, message: OutboundMessage) -> None:
        await self._mailboxes.put(message)

    async def take(self, session: str) -> list[OutboundMessage]:
        """Everything waiting for this session, oldest first; the mailbox is then empty."""
        return await self._mailboxes.take(session)
