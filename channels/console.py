"""The terminal as a chat channel (`chatcart chat`): replies printed with numbered choices."""

from __future__ import annotations

import itertools
import sys
from datetime import datetime
from typing import TextIO

from channels.base import BaseChannel, chat_text
from flows.messages import Choice, ConversationKey, InboundKind, InboundMessage, OutboundMessage

CHANNEL = "console"
MAX_TEXT = 4096  # as much as a Telegram or WhatsApp message holds; a pasted novel is cut there


class ConsoleChannel(BaseChannel):
    """Typing a choice's number presses it; anything else is sent as text."""

    name = CHANNEL

    def __init__(self, user: str = "local", out: TextIO | None = None) -> None:
        self.key = ConversationKey(CHANNEL, user)
        self._out = out or sys.stdout
        self._choices: list[Choice] = []
        self._ids = itertools.count(1)

    async def send(self, message: OutboundMessage) -> None:
        print(f"bot> {message.text}", file=self._out)
        for number, choice in enumerate(message.choices, start=1):
            extra = f"  ({choice.description})" if choice.description else ""
            print(f"      {number}. {choice.label}{extra}", file=self._out)
        self._choices = list(message.choices)  # a typed number refers to the latest message only
        self._out.flush()

    def read(self, line: str, now: datetime, run: str) -> InboundMessage:
        text = chat_text(line[:MAX_TEXT]).strip()
        message_id = f"{run}:{next(self._ids)}"
        # ASCII digits only: "²" is a digit to str.isdigit(), but not to int().
        if text.isascii() and text.isdigit() and len(text) < 4 and 1 <= int(text) <= len(self._choices):
            choice = self._choices[int(text) - 1]
            return InboundMessage(self.key, message_id, now, InboundKind.CHOICE, choice_id=choice.id)
        return InboundMessage(self.key, message_id, now, InboundKind.TEXT, text=text)
