"""The WhatsApp adapter on recorded payloads: batches, signatures, the challenge, rendering within limits."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from channels.base import ChannelError
from channels.hub import answer_challenge, verify_signature
from channels.whatsapp import (
    MAX_BUTTON_TITLE,
    MAX_INTERACTIVE_BODY,
    MAX_ROW_DESCRIPTION,
    MAX_ROW_TITLE,
    MAX_TEXT,
    WhatsAppChannel,
    parse_webhook,
    render,
)
from flows.messages import Choice, ChoiceStyle, ConversationKey, InboundKind, OutboundMessage

DATA = Path(__file__).parent.parent / "data" / "whatsapp"
KEY = ConversationKey("whatsapp", "919876543210")
SECRET = "app-secret"


def payload(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / f"{name}.json").read_text())
    return data


def only(name: str) -> Any:
    [inbound] = parse_webhook(payload(name))
    return inbound


def test_a_text_message_is_keyed_by_the_sender_with_name_and_phone() -> None:
    inbound = only("text_message")
    assert (inbound.key, inbound.kind, inbound.text) == (KEY, InboundKind.TEXT, "mujhe 2 masala chai chahiye")
    assert (inbound.contact_name, inbound.phone) == ("Asha Rao", "+919876543210")
    assert inbound.message_id.startswith("wamid.") and inbound.at.timestamp() == 1795000100


@pytest.mark.parametrize(
    ("name", "choice"),
    [("list_reply", "4:p:2"), ("button_reply", "4:co"), ("template_quick_reply", "7:cod:yes")],
)
def test_list_rows_buttons_and_template_quick_replies_are_choices(name: str, choice: str) -> None:
    inbound = only(name)
    assert (inbound.kind, inbound.choice_id) == (InboundKind.CHOICE, choice)


def test_a_shared_contact_card_gives_its_phone() -> None:
    inbound = only("contact_card")
    assert (inbound.kind, inbound.phone, inbound.text) == (
        InboundKind.TEXT,
        "+91 99887 76655",
        "+91 99887 76655",
    )


def test_images_and_other_kinds_are_unsupported_but_answered() -> None:
    assert only("image").kind is InboundKind.UNSUPPORTED


def test_delivery_statuses_carry_no_message() -> None:
    assert parse_webhook(payload("statuses")) == []


def test_every_message_of_a_batch_is_parsed_in_order() -> None:
    messages = parse_webhook(payload("batched_three"))
    assert [(m.key.user_id, m.text, m.contact_name) for m in messages] == [
        ("919876543210", "hi", "Asha Rao"),
        ("447700900123", "menu", "Tom"),
        ("5511987654321", "2 samosa", "Bia"),
    ]


@pytest.mark.parametrize(
    "bad",
    [{"object": "page", "entry": []}, {"object": "whatsapp_business_account"}],
)
def test_a_payload_that_is_no_whatsapp_webhook_is_an_error(bad: dict[str, Any]) -> None:
    with pytest.raises((KeyError, ValueError)):
        parse_webhook(bad)


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@pytest.mark.parametrize(
    ("secret", "header", "ok"),
    [
        (SECRET, sign(b"{}"), True),
        (SECRET, sign(b"{}", "other"), False),
        (SECRET, sign(b"{ }"), False),
        (SECRET, sign(b"{}").removeprefix("sha256="), False),
        (SECRET, None, False),
        (None, sign(b"{}"), False),
    ],
)
def test_only_a_signature_of_the_raw_body_with_the_app_secret_passes(
    secret: str | None, header: str | None, ok: bool
) -> None:
    assert verify_signature(secret, b"{}", header) is ok


@pytest.mark.parametrize(
    ("mode", "token", "answer"),
    [("subscribe", "vt", "1158201444"), ("subscribe", "wrong", None), ("unsubscribe", "vt", None)],
)
def test_the_challenge_is_echoed_only_for_our_verify_token(mode: str, token: str, answer: str | None) -> None:
    assert answer_challenge("vt", mode, token, "1158201444") == answer


def message(n: int, style: ChoiceStyle, label: str = "Product", text: str = "Pick one") -> OutboundMessage:
    choices = tuple(Choice(f"12345:p:{i}", f"{label} {i}", "₹120.00 · " + "d" * 80) for i in range(n))
    return OutboundMessage(KEY, text, choices, style, "See the teas")


def test_up_to_three_short_choices_are_reply_buttons() -> None:
    [out] = render(OutboundMessage(KEY, "Confirm?", (Choice("a", "Confirm"), Choice("b", "Cancel"))))
    assert out.buttons is not None and [b.title for b in out.buttons] == ["Confirm", "Cancel"]


def test_a_button_label_over_twenty_characters_makes_a_list_instead() -> None:
    [out] = render(OutboundMessage(KEY, "?", (Choice("a", "x" * (MAX_BUTTON_TITLE + 1)),)))
    assert out.buttons is None and out.rows is not None


def test_lists_keep_titles_and_descriptions_within_limits() -> None:
    [out] = render(message(10, ChoiceStyle.LIST, label="Kashmiri kahwa with saffron"))
    assert out.rows is not None and len(out.rows) == 10
    assert all(len(r.title) <= MAX_ROW_TITLE for r in out.rows)
    assert all(r.description is not None and len(r.description) <= MAX_ROW_DESCRIPTION for r in out.rows)
    assert out.rows[0].title.endswith("…") and out.list_button == "See the teas"


def test_more_than_ten_choices_are_paged_into_several_lists() -> None:
    outs = render(message(23, ChoiceStyle.LIST))
    assert [len(o.rows or ()) for o in outs] == [10, 10, 3]
    ids = [r.callback_data for o in outs for r in (o.rows or ())]
    assert ids == [f"12345:p:{i}" for i in range(23)]


def test_long_text_is_split_and_an_interactive_body_kept_under_its_limit() -> None:
    assert [len(o.text) for o in render(OutboundMessage(KEY, "a" * 5000))] == [MAX_TEXT, 904]
    outs = render(message(2, ChoiceStyle.BUTTONS, text="line\n" * 400))
    assert all(len(o.text) <= MAX_INTERACTIVE_BODY for o in outs)
    assert outs[-1].buttons is not None and all(o.buttons is None for o in outs[:-1])
    assert "".join(o.text for o in outs).count("line") == 400


def graph(
    sent: list[dict[str, Any]], status: int = 200, error: dict[str, Any] | None = None
) -> WhatsAppChannel:
    def api(request: httpx.Request) -> httpx.Response:
        sent.append({"url": str(request.url), **json.loads(request.content)})
        if error is not None:
            return httpx.Response(status, json={"error": error})
        ok = {
            "messaging_product": "whatsapp",
            "contacts": [{"input": "x", "wa_id": "x"}],
            "messages": [{"id": "m"}],
        }
        return httpx.Response(200, json=ok)

    return WhatsAppChannel(
        "106540352242922",
        "token",
        api_url="http://127.0.0.1:9999",
        app_secret=SECRET,
        verify_token="vt",
        transport=httpx.MockTransport(api),
    )


async def test_sending_goes_to_the_configured_api_url_as_interactive_json() -> None:
    sent: list[dict[str, Any]] = []
    await graph(sent).send(message(3, ChoiceStyle.LIST))
    [request] = sent
    assert request["url"].startswith("http://127.0.0.1:9999/v") and request["url"].endswith(
        "/106540352242922/messages"
    )
    assert request["to"] == "919876543210" and request["interactive"]["type"] == "list"
    [section] = request["interactive"]["action"]["sections"]
    assert section["title"] == "See the teas" and request["interactive"]["action"]["button"] == "See the teas"
    rows = section["rows"]
    assert [r["id"] for r in rows] == ["12345:p:0", "12345:p:1", "12345:p:2"]


@pytest.mark.parametrize(
    ("status", "code", "transient"),
    [(400, 131047, False), (400, 131026, False), (429, 130429, True), (500, 1, True)],
)
async def test_graph_errors_are_transient_or_permanent(status: int, code: int, transient: bool) -> None:
    error = {"message": "failed", "type": "OAuthException", "code": code, "fbtrace_id": "x"}
    with pytest.raises(ChannelError) as caught:
        await graph([], status, error).send(OutboundMessage(KEY, "hi"))
    assert caught.value.transient is transient


async def test_an_unreachable_graph_api_is_transient() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    channel = WhatsAppChannel(
        "1",
        "t",
        api_url="http://127.0.0.1:9",
        app_secret=None,
        verify_token=None,
        transport=httpx.MockTransport(refuse),
    )
    with pytest.raises(ChannelError) as caught:
        await channel.send(OutboundMessage(KEY, "hi"))
    assert caught.value.transient
