"""The built-in web chat (`/chat`): the merchant's test chat, talking to the same engine as every channel.

Replies wait in a small mailbox per browser session until the page fetches them: the answer to a message
comes back in the same request, later notifications (a status change) at the page's next poll. Mailboxes
live in this process, so the web chat is for one server process (it is a test chat, not a channel at scale).
"""

from __future__ import annotations

import re
from collections import OrderedDict, deque
from datetime import datetime

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


class WebChatChannel(BaseChannel):
    """Mailboxes of the latest sessions; the oldest session's mailbox goes when there are too many."""

    name = CHANNEL

    def __init__(self, *, max_sessions: int = 10_000, max_waiting: int = 50) -> None:
        self._mailboxes: OrderedDict[str, deque[OutboundMessage]] = OrderedDict()
        self._max_sessions = max_sessions
        self._max_waiting = max_waiting

    async def send(self, message: OutboundMessage) -> None:
        session = message.key.user_id
        mailbox = self._mailboxes.get(session)
        if mailbox is None:
            mailbox = self._mailboxes[session] = deque(maxlen=self._max_waiting)
            if len(self._mailboxes) > self._max_sessions:
                self._mailboxes.popitem(last=False)
        self._mailboxes.move_to_end(session)
        mailbox.append(message)

    def take(self, session: str) -> list[OutboundMessage]:
        """Everything waiting for this session, oldest first; the mailbox is then empty."""
        mailbox = self._mailboxes.pop(session, None)
        return list(mailbox) if mailbox else []
