"""What crosses the channel boundary: conversation keys, inbound messages, outbound replies and choices."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class ConversationKey:
    """One shopper on one channel; the same person on two channels is two keys (two leads)."""

    channel: str
    user_id: str

    def __str__(self) -> str:
        return f"{self.channel}:{self.user_id}"


class InboundKind(StrEnum):
    """What a shopper sent: text, a press of an offered choice, or something the engine cannot read."""

    TEXT = "text"
    CHOICE = "choice"  # a button or list row the bot offered
    UNSUPPORTED = "unsupported"  # a sticker, voice note, photo…


@dataclass(frozen=True, slots=True)
class ToolCall:
    """One order tool the optional AI assistant asked for (flows.assistant checks and runs it)."""

    name: str
    arguments: dict[str, object]


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """One message from a shopper, as every channel hands it to the engine."""

    key: ConversationKey
    message_id: str  # the provider's id: claimed once so a repeated delivery is processed once
    at: datetime
    kind: InboundKind = InboundKind.TEXT
    text: str = ""
    choice_id: str = ""
    language: str = ""  # the client's language hint, if the provider sends one
    contact_name: str = ""
    phone: str = ""
    ack: str = ""  # what acknowledges this message in the webhook's answer (a Telegram button press's id)
    assist: tuple[ToolCall, ...] = ()  # what the AI assistant made of a message the rules did not read


class ChoiceStyle(StrEnum):
    """How choices are shown: a few buttons, or a list."""

    BUTTONS = "buttons"  # a few short actions (Confirm / Cancel)
    LIST = "list"  # up to ten items to pick from (products, quantities)


@dataclass(frozen=True, slots=True)
class Choice:
    """One button or list row; its id comes back when pressed."""

    id: str  # short and opaque: channels put it in callback data (Telegram: 64 bytes)
    label: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """One reply to a shopper: text with optional choices."""

    key: ConversationKey
    text: str
    choices: tuple[Choice, ...] = field(default=())
    style: ChoiceStyle = ChoiceStyle.BUTTONS
    list_button: str = ""  # the label that opens a list (WhatsApp)
    link_label: str = (
        ""  # a button opening `link_url` where the channel has URL buttons (the text has it too)
    )
    link_url: str = ""
