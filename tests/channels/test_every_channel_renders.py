"""Every message the engine and the notifications produce, rendered on every channel within its limits.

The messages come from whole conversations through the real engine (three languages, a long catalog with
long names, item fields, a big cart, an order placed) and from every notification template in every
language; nothing is hand-made, so a new prompt that breaks a channel's limits fails here.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import pytest

from bot.delivery.rendering import MessageRenderer
from catalog.product import Product
from channels import meta, telegram, whatsapp
from channels.base import split_text
from flows.messages import Choice, ConversationKey, OutboundMessage
from flows.turn import OrderPlaced
from tests.flows.shopper import Shopper, make_view

LONG_CATALOG = [
    Product(i, f"SKU-{i}", f"Single-estate Darjeeling first flush no. {i}", 12000 + i * 137, 500, "Tea")
    for i in range(1, 26)
] + [Product(99, "TSHIRT", "Chai T-shirt", 50000, 10, "Merch")]
PARAMS: dict[str, object] = {
    "number": 1001,
    "total": 1234567,
    "currency": "INR",
    "customer_name": "Asha Rao",
    "items": "\n".join(f"{n} × Single-estate Darjeeling first flush no. {n}" for n in range(1, 30)),
    "status": "shipped",
    "previous_status": "confirmed",
    "tracking_number": "AWB1234567890",
    "carrier": "BlueDart",
    "channel": "whatsapp",
    "phone": "+91 98765 43210",
    "total_text": "₹12,345.67",
    "since": "2026-11-01 09:00:00",  # a channel's failure and recovery, for staff
    "error": "HTTP 502 from Bot API: Bad Gateway " * 3,
    "duration": "12 min",
    "amount": 617283,  # payments: a part paid, what is still due, and the pay link
    "due": 617284,
    "paid_in_full": False,
    "amount_text": "₹6,172.83",
    "due_text": "₹6,172.84",
    "method": "bank_transfer",
    "url": "https://shop.example/pay/" + "x" * 32,
}


def conversation(language: str) -> list[OutboundMessage]:
    s = Shopper(view=make_view(products=LONG_CATALOG), language=language)
    seen: list[OutboundMessage] = []

    def press(suffix: str = "") -> None:
        """The newest choice whose id ends with `suffix` (the first one when no suffix is given)."""
        choices = [c for m in reversed(s.replies) for c in m.choices if c.id.endswith(suffix)]
        seen.extend(s.presses_id(choices[0].id))

    seen.extend(s.says("menu"))
    press(":pg:1")  # More…
    seen.extend(s.says("help"))
    for i in range(1, 6):  # five long lines in the cart
        seen.extend(s.says(f"2 single-estate darjeeling first flush no {i}"))
    press(":more")
    seen.extend(s.says("t-shirt"))
    press()  # the T-shirt
    press()  # 1
    press()  # size S
    seen.extend(s.says("cart"))
    seen.extend(s.sends_sticker())
    press(":co")
    press()  # shipping
    seen.extend(s.says("12 MG Road, Indiranagar, Bengaluru 560038, near the big banyan tree " * 3))
    seen.extend(s.says("+91 98765 43210"))
    seen.extend(s.says("ring twice"))
    s.outcomes = [OrderPlaced(1001, 1234567)]
    press()  # Confirm
    return seen


@cache
def all_messages() -> list[OutboundMessage]:
    key = ConversationKey("test", "42")
    messages = [m for language in ("en", "es", "hi") for m in conversation(language)]
    renderer = MessageRenderer()
    folder = resources.files("templates").joinpath("messages")
    for language_dir in folder.iterdir():
        if not language_dir.is_dir():
            continue
        for template in language_dir.iterdir():
            name = template.name.removesuffix(".txt")
            text = renderer.render(name, language_dir.name, PARAMS)
            cod = (Choice("cod:y:1001", "Confirm order"), Choice("cod:n:1001", "Cancel order"))
            messages.append(OutboundMessage(key, text, cod if name == "cod_reminder" else ()))
    return messages


def on(channel: str, message: OutboundMessage) -> OutboundMessage:
    return OutboundMessage(
        ConversationKey(channel, "42"), message.text, message.choices, message.style, message.list_button
    )


def test_the_conversations_cover_every_kind_of_message() -> None:
    messages = all_messages()
    assert any(len(m.choices) == 10 for m in messages)  # a full list page (nine and "More…")
    assert any(0 < len(m.choices) <= 3 for m in messages)  # a few buttons
    assert any(not m.choices for m in messages)  # plain text
    assert any("Order #1001 is placed" in m.text for m in messages)  # the COD confirmation
    assert any(len(m.text) > 1000 for m in messages)  # past Instagram's text limit
    assert any(len(c.label) > 24 for m in messages for c in m.choices)  # past a row title


def test_every_message_fits_telegram() -> None:
    for message in all_messages():
        check_telegram(message)


def test_every_message_fits_whatsapp_and_keeps_every_choice() -> None:
    for message in all_messages():
        assert check_whatsapp(on("whatsapp", message)) == [c.id for c in message.choices], message.text


@pytest.mark.parametrize("channel", [meta.MESSENGER, meta.INSTAGRAM])
def test_every_message_fits_messenger_and_instagram_and_keeps_every_choice(channel: str) -> None:
    for message in all_messages():
        assert check_meta(on(channel, message)) == [c.id for c in message.choices], message.text


def check_telegram(message: OutboundMessage) -> None:
    assert all(len(part) <= telegram.MAX_TEXT for part in split_text(message.text, telegram.MAX_TEXT))
    markup = telegram.keyboard(message)
    buttons = [b for row in markup["inline_keyboard"] for b in row] if markup else []
    assert [b["callback_data"] for b in buttons] == [c.id for c in message.choices]
    assert all(len(b["callback_data"].encode()) <= 64 and len(b["text"]) <= 64 for b in buttons)


def check_whatsapp(message: OutboundMessage) -> list[str]:
    ids: list[str] = []
    for out in whatsapp.render(message):
        interactive = out.buttons or out.rows
        assert len(out.text) <= (whatsapp.MAX_INTERACTIVE_BODY if interactive else whatsapp.MAX_TEXT)
        assert len(out.buttons or ()) <= whatsapp.MAX_BUTTONS
        for button in out.buttons or ():
            assert len(button.title) <= whatsapp.MAX_BUTTON_TITLE
            ids.append(str(button.callback_data))
        if out.rows:
            assert len(out.rows) <= whatsapp.MAX_ROWS and len(out.list_button) <= whatsapp.MAX_LIST_BUTTON
        for row in out.rows or ():
            assert len(row.title) <= whatsapp.MAX_ROW_TITLE and len(str(row.callback_data)) <= 200
            assert row.description is None or len(row.description) <= whatsapp.MAX_ROW_DESCRIPTION
            ids.append(str(row.callback_data))
    return ids


def check_meta(message: OutboundMessage) -> list[str]:
    ids: list[str] = []
    for out in meta.render(message):
        if "attachment" in out:
            template = out["attachment"]["payload"]
            assert (
                len(template["text"]) <= meta.MAX_BUTTON_TEXT and len(template["buttons"]) <= meta.MAX_BUTTONS
            )
            assert all(len(b["title"]) <= meta.MAX_BUTTON_TITLE for b in template["buttons"])
            ids += [b["payload"] for b in template["buttons"]]
            continue
        assert len(out["text"]) <= meta.MAX_TEXT[message.key.channel]
        replies = out.get("quick_replies", [])
        assert len(replies) <= meta.MAX_QUICK_REPLIES
        assert all(
            len(q["title"]) <= meta.MAX_QUICK_REPLY_TITLE and len(q["payload"]) <= 1000 for q in replies
        )
        ids += [q["payload"] for q in replies]
    return ids
