"""The one way an OutboundMessage is written down: in the outbox, and for the web chat page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flows.messages import Choice, ChoiceStyle, ConversationKey, OutboundMessage


def to_payload(message: OutboundMessage) -> dict[str, Any]:
    """Everything but the recipient, as JSON-ready data (the recipient is the outbox row's own column)."""
    return {
        "text": message.text,
        "choices": [{"id": c.id, "label": c.label, "description": c.description} for c in message.choices],
        "style": message.style.value,
        "list_button": message.list_button,
        **({"link": {"label": message.link_label, "url": message.link_url}} if message.link_url else {}),
    }


def from_payload(key: ConversationKey, payload: Mapping[str, Any], text: str) -> OutboundMessage:
    """The message again; `text` is the payload's own, or its template rendered in the reader's language."""
    choices = tuple(
        Choice(str(c["id"]), str(c["label"]), str(c.get("description", "")))
        for c in payload.get("choices") or ()
    )
    style = ChoiceStyle(str(payload.get("style") or ChoiceStyle.BUTTONS.value))
    link = payload.get("link") or {}
    return OutboundMessage(
        key,
        text,
        choices,
        style,
        str(payload.get("list_button") or ""),
        link_label=str(link.get("label") or ""),
        link_url=str(link.get("url") or ""),
    )
