"""The terminal channel: a typed number presses a choice of the latest message, anything else is text."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from channels.console import ConsoleChannel
from flows.messages import Choice, ChoiceStyle, ConversationKey, InboundKind, OutboundMessage

NOW = datetime(2026, 11, 1, tzinfo=UTC)
KEY = ConversationKey("console", "local")


async def test_choices_are_printed_numbered_and_a_number_presses_one() -> None:
    out = io.StringIO()
    console = ConsoleChannel(out=out)
    await console.send(
        OutboundMessage(
            KEY, "Pick:", (Choice("3:p:1", "Tea", "₹120.00"), Choice("3:p:2", "Pot")), ChoiceStyle.LIST
        )
    )
    assert out.getvalue() == "bot> Pick:\n      1. Tea  (₹120.00)\n      2. Pot\n"
    pressed = console.read("2", NOW, "run1")
    assert (pressed.kind, pressed.choice_id) == (InboundKind.CHOICE, "3:p:2")
    typed = console.read("7", NOW, "run1")  # no seventh choice: it is text (a quantity, say)
    assert (typed.kind, typed.text) == (InboundKind.TEXT, "7")
    assert len({pressed.message_id, typed.message_id}) == 2


async def test_after_a_message_without_choices_a_number_is_text_not_an_old_button() -> None:
    console = ConsoleChannel(out=io.StringIO())
    await console.send(OutboundMessage(KEY, "Pick:", (Choice("3:p:1", "Tea"),)))
    await console.send(OutboundMessage(KEY, "Please send your delivery address."))
    typed = console.read("1", NOW, "run1")
    assert (typed.kind, typed.text) == (InboundKind.TEXT, "1")
