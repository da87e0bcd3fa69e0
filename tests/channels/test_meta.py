"""Messenger and Instagram on recorded payloads: every entry and event, echoes skipped, rendering, errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from channels.base import ChannelError, Notice
from channels.meta import (
    MAX_BUTTON_TEXT,
    MAX_QUICK_REPLIES,
    MAX_QUICK_REPLY_TITLE,
    MAX_TEXT,
    MetaChannel,
    parse_webhook,
    render,
)
from flows.messages import Choice, ChoiceStyle, ConversationKey, InboundKind, OutboundMessage

DATA = Path(__file__).parent.parent / "data" / "meta"
PSID = "6914230151979876"


def payload(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / f"{name}.json").read_text())
    return data


def only(name: str) -> Any:
    [inbound] = parse_webhook(payload(name))
    return inbound


def test_a_page_message_is_a_messenger_lead_and_an_instagram_one_is_not() -> None:
    messenger, instagram = only("messenger_text"), only("instagram_text")
    assert (messenger.key, messenger.kind, messenger.text) == (
        ConversationKey("messenger", PSID),
        InboundKind.TEXT,
        "I want to order",
    )
    assert messenger.at.timestamp() == pytest.approx(1795000100.123)
    assert instagram.key == ConversationKey("instagram", "17841400008460056")


@pytest.mark.parametrize(
    ("name", "choice"), [("messenger_quick_reply", "4:q:2"), ("messenger_postback", "cod:y:1001")]
)
def test_quick_replies_and_postbacks_are_choices(name: str, choice: str) -> None:
    inbound = only(name)
    assert (inbound.kind, inbound.choice_id) == (InboundKind.CHOICE, choice)


def test_attachments_are_unsupported_but_answered() -> None:
    assert only("messenger_attachment").kind is InboundKind.UNSUPPORTED


def test_every_entry_is_read_and_echoes_and_receipts_are_skipped() -> None:
    messages = parse_webhook(payload("messenger_batch_with_echo_and_read"))
    assert [(m.key.user_id, m.message_id, m.text) for m in messages] == [
        (PSID, "m_B1", "hi"),
        ("7001234567890123", "m_B3", "menu"),
    ]


@pytest.mark.parametrize("bad", [{"object": "whatsapp_business_account", "entry": []}, {"object": "page"}])
def test_a_payload_that_is_no_messenger_webhook_is_an_error(bad: dict[str, Any]) -> None:
    with pytest.raises((KeyError, ValueError)):
        parse_webhook(bad)


def message(
    n: int, style: ChoiceStyle, channel: str = "messenger", text: str = "Pick one"
) -> OutboundMessage:
    choices = tuple(Choice(f"1:p:{i}", f"Kashmiri kahwa no. {i:02d}", f"₹{100 + i}.00") for i in range(n))
    return OutboundMessage(ConversationKey(channel, PSID), "Pick one", choices, style)


def test_up_to_three_short_actions_are_a_button_template() -> None:
    actions = (Choice("cod:y:1", "Confirm order"), Choice("cod:n:1", "Cancel order"))
    [out] = render(OutboundMessage(ConversationKey("messenger", PSID), "Confirm?", actions))
    template = out["attachment"]["payload"]
    assert template["template_type"] == "button" and template["text"] == "Confirm?"
    assert [(b["type"], b["title"], b["payload"]) for b in template["buttons"]] == [
        ("postback", "Confirm order", "cod:y:1"),
        ("postback", "Cancel order", "cod:n:1"),
    ]


def test_lists_are_quick_replies_within_limits_with_descriptions_in_the_text() -> None:
    [out] = render(message(10, ChoiceStyle.LIST))
    assert len(out["quick_replies"]) == 10
    assert all(len(q["title"]) <= MAX_QUICK_REPLY_TITLE for q in out["quick_replies"])
    assert "• Kashmiri kahwa no. 03 — ₹103.00" in out["text"]


def test_more_than_thirteen_choices_are_paged() -> None:
    outs = render(message(20, ChoiceStyle.LIST))
    assert [len(o["quick_replies"]) for o in outs] == [MAX_QUICK_REPLIES, 7]
    assert [q["payload"] for o in outs for q in o["quick_replies"]] == [f"1:p:{i}" for i in range(20)]


@pytest.mark.parametrize("channel", ["messenger", "instagram"])
def test_long_text_is_split_under_the_channels_limit(channel: str) -> None:
    outs = render(OutboundMessage(ConversationKey(channel, PSID), "word " * 900))
    assert all(len(o["text"]) <= MAX_TEXT[channel] for o in outs) and len(outs) > 1


def test_a_long_question_keeps_its_buttons_under_the_template_limit() -> None:
    outs = render(OutboundMessage(ConversationKey("messenger", PSID), "line\n" * 300, (Choice("a", "Yes"),)))
    assert all(len(o.get("text", "")) <= MAX_BUTTON_TEXT for o in outs)
    assert len(outs[-1]["attachment"]["payload"]["text"]) <= MAX_BUTTON_TEXT


def channel(handler: Any) -> MetaChannel:
    return MetaChannel(
        "page-token", api_url="http://127.0.0.1:9", app_secret="s", verify_token="v", transport=handler
    )


async def test_sending_posts_to_me_messages_with_the_page_token_and_an_optional_tag() -> None:
    sent: list[tuple[str, str, dict[str, Any]]] = []

    def api(request: httpx.Request) -> httpx.Response:
        sent.append((str(request.url), request.headers["Authorization"], json.loads(request.content)))
        return httpx.Response(200, json={"recipient_id": PSID, "message_id": "m_out"})

    meta = channel(httpx.MockTransport(api))
    await meta.send(OutboundMessage(ConversationKey("messenger", PSID), "hi"))
    shipped = OutboundMessage(ConversationKey("messenger", PSID), "shipped")
    await meta.send_outside_window(shipped, Notice("status_shipped", "en", None))
    (url, auth, first), (_, _, tagged) = sent
    assert url == "http://127.0.0.1:9/v21.0/me/messages" and auth == "Bearer page-token"
    assert first == {"recipient": {"id": PSID}, "message": {"text": "hi"}, "messaging_type": "RESPONSE"}
    assert (tagged["messaging_type"], tagged["tag"]) == ("MESSAGE_TAG", "POST_PURCHASE_UPDATE")


@pytest.mark.parametrize(
    ("channel_name", "event"),
    [("instagram", "status_shipped"), ("messenger", "admin_new_order")],
)
async def test_outside_the_window_instagram_and_other_notices_are_refused_for_good(
    channel_name: str, event: str
) -> None:
    meta = channel(httpx.MockTransport(lambda _r: httpx.Response(500)))
    message = OutboundMessage(ConversationKey(channel_name, PSID), "x")
    with pytest.raises(ChannelError) as caught:
        await meta.send_outside_window(message, Notice(event, "en", None))
    assert not caught.value.transient and f"{channel_name} allows no {event} message" in str(caught.value)


@pytest.mark.parametrize(
    ("status", "error", "transient"),
    [
        (400, {"message": "(#100) No matching user found", "code": 100}, False),
        (400, {"message": "(#10) outside of allowed window", "code": 10, "error_subcode": 2018278}, False),
        (400, {"message": "(#613) Calls to this api have exceeded the rate limit", "code": 613}, True),
        (500, {"message": "An unexpected error has occurred", "code": 1, "is_transient": True}, True),
    ],
)
async def test_graph_errors_are_transient_or_permanent(
    status: int, error: dict[str, Any], transient: bool
) -> None:
    meta = channel(httpx.MockTransport(lambda _r: httpx.Response(status, json={"error": error})))
    with pytest.raises(ChannelError) as caught:
        await meta.send(OutboundMessage(ConversationKey("messenger", PSID), "hi"))
    assert caught.value.transient is transient
