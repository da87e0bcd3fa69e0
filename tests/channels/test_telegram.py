"""The Telegram adapter on recorded payloads: parsing, secret check, rendering within limits, send errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from channels.base import BadPayload, ChannelError, Verdict, WebhookRequest, split_text
from channels.telegram import MAX_TEXT, TelegramChannel, keyboard
from flows.messages import Choice, ChoiceStyle, ConversationKey, InboundKind, InboundMessage, OutboundMessage

DATA = Path(__file__).parent.parent / "data" / "telegram"
KEY = ConversationKey("telegram", "5001234567")


def payload(name: str) -> dict[str, object]:
    data: dict[str, object] = json.loads((DATA / f"{name}.json").read_text())
    return data


def body(update: dict[str, object]) -> bytes:
    return json.dumps(update).encode()


def parse_one(update: dict[str, object]) -> InboundMessage:
    parsed = channel().parse(body(update))
    assert len(parsed) == 1
    return parsed[0]


def channel(handler: httpx.MockTransport | None = None, secret: str | None = "s3cret") -> TelegramChannel:
    return TelegramChannel("123:ABC", api_url="http://127.0.0.1:9", webhook_secret=secret, transport=handler)


def test_a_text_message_becomes_an_inbound_text() -> None:
    inbound = parse_one(payload("text_message"))
    assert inbound.ack == ""
    assert (inbound.key, inbound.message_id, inbound.kind, inbound.text) == (
        KEY,
        "813405701",
        InboundKind.TEXT,
        "mujhe 2 masala chai chahiye",
    )
    assert (inbound.language, inbound.contact_name) == ("hi", "Asha Rao")


def test_a_button_press_becomes_a_choice_answered_in_the_webhook_response() -> None:
    inbound = parse_one(payload("callback_query"))
    assert (inbound.kind, inbound.choice_id, inbound.ack) == (
        InboundKind.CHOICE,
        "4:q:2",
        "2148401234567890123",
    )
    assert channel().answer([inbound]) == {
        "method": "answerCallbackQuery",
        "callback_query_id": "2148401234567890123",
    }
    assert channel().answer([parse_one(payload("text_message"))]) == {"ok": True}


@pytest.mark.parametrize("name", ["sticker", "voice"])
def test_stickers_and_voice_notes_are_unsupported_but_answered(name: str) -> None:
    assert parse_one(payload(name)).kind is InboundKind.UNSUPPORTED


def test_a_shared_contact_carries_the_phone() -> None:
    assert parse_one(payload("contact")).phone == "+919876543210"


@pytest.mark.parametrize("name", ["edited_message", "my_chat_member"])
def test_updates_that_need_no_answer_are_ignored(name: str) -> None:
    assert channel().parse(body(payload(name))) == []


@pytest.mark.parametrize(
    ("secret", "header", "verdict"),
    [
        ("s3cret", "s3cret", Verdict.ACCEPTED),
        ("s3cret", "S3CRET", Verdict.FORGED),
        ("s3cret", None, Verdict.MISSING),
        ("s3cret", "", Verdict.FORGED),
        (None, "anything", Verdict.FORGED),
    ],
)
def test_only_the_configured_secret_is_accepted(
    secret: str | None, header: str | None, verdict: Verdict
) -> None:
    headers = {} if header is None else {"x-telegram-bot-api-secret-token": header}
    assert channel(secret=secret).verify(WebhookRequest("POST", headers, b"", b"{}")) is verdict


def message(choices: int, style: ChoiceStyle, text: str = "Pick one") -> OutboundMessage:
    items = tuple(Choice(f"12345:p:{i}", f"Product {i}", "₹120.00") for i in range(choices))
    return OutboundMessage(KEY, text, items, style)


def test_a_list_is_one_button_per_row_with_its_price() -> None:
    markup = keyboard(message(10, ChoiceStyle.LIST))
    assert markup is not None
    rows = markup["inline_keyboard"]
    assert len(rows) == 10 and all(len(r) == 1 for r in rows)
    assert rows[0][0] == {"text": "Product 0 · ₹120.00", "callback_data": "12345:p:0"}


def test_buttons_share_rows_of_three() -> None:
    markup = keyboard(message(4, ChoiceStyle.BUTTONS))
    assert markup is not None and [len(r) for r in markup["inline_keyboard"]] == [3, 1]


def test_callback_data_over_64_bytes_is_refused_before_sending() -> None:
    long_id = OutboundMessage(KEY, "x", (Choice("9" * 30 + ":p:" + "é" * 17, "A"),))
    with pytest.raises(ValueError, match="64 bytes"):
        keyboard(long_id)


def test_every_callback_the_engine_makes_fits_telegram() -> None:
    worst = Choice(f"{2**31}:p:{2**31}", "x" * 500, "y" * 500)
    markup = keyboard(OutboundMessage(KEY, "x", (worst,), ChoiceStyle.LIST))
    assert markup is not None
    button = markup["inline_keyboard"][0][0]
    assert len(button["callback_data"].encode()) <= 64 and len(button["text"]) <= 64


def test_long_text_is_split_under_the_limit_without_losing_anything() -> None:
    text = "\n".join(f"line {i} " + "x" * 90 for i in range(120)) + "\n" + "z" * 9000
    parts = split_text(text, MAX_TEXT)
    assert all(0 < len(p) <= MAX_TEXT for p in parts)
    assert "".join(parts).replace("\n", "") == text.replace("\n", "")


async def test_sending_puts_the_keyboard_on_the_last_part_only() -> None:
    sent: list[dict[str, Any]] = []

    def api(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        result = {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}}
        return httpx.Response(200, json={"ok": True, "result": result})

    await channel(httpx.MockTransport(api)).send(message(2, ChoiceStyle.BUTTONS, text="a" * 5000))
    assert [len(s["text"]) for s in sent] == [4096, 904]
    assert "reply_markup" not in sent[0]
    assert [b["callback_data"] for b in sent[1]["reply_markup"]["inline_keyboard"][0]] == [
        "12345:p:0",
        "12345:p:1",
    ]
    assert {s["chat_id"] for s in sent} == {"5001234567"}


@pytest.mark.parametrize(
    ("status", "body", "transient", "retry_after"),
    [
        (
            429,
            {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 7",
                "parameters": {"retry_after": 7},
            },
            True,
            7.0,
        ),
        (
            403,
            {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"},
            False,
            None,
        ),
        (400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}, False, None),
        (502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}, True, None),
    ],
)
async def test_provider_errors_are_transient_or_permanent(
    status: int, body: dict[str, object], transient: bool, retry_after: float | None
) -> None:
    api = httpx.MockTransport(lambda _request: httpx.Response(status, json=body))
    with pytest.raises(ChannelError) as caught:
        await channel(api).send(message(0, ChoiceStyle.BUTTONS))
    assert (caught.value.transient, caught.value.retry_after) == (transient, retry_after)


async def test_an_unreachable_api_is_transient() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(ChannelError) as caught:
        await channel(httpx.MockTransport(refuse)).send(message(0, ChoiceStyle.BUTTONS))
    assert caught.value.transient


def test_a_press_on_an_inline_mode_message_has_no_chat_and_is_ignored() -> None:
    update = payload("callback_query")
    query = update["callback_query"]
    assert isinstance(query, dict)
    del query["message"]
    assert channel().parse(body(update)) == []


def test_channel_posts_have_no_sender_and_are_ignored() -> None:
    post = {"update_id": 9, "message": {"message_id": 1, "date": 1, "chat": {"id": -100, "type": "channel"}}}
    assert channel().parse(body(post)) == []


@pytest.mark.parametrize(
    "update",
    [
        {"message": {"text": "hi"}},  # no update_id
        {"update_id": "x1", "message": {}},
        {"update_id": 1, "message": {"from": {"id": 1}, "date": 1, "text": "hi"}},  # no chat
        {"update_id": 1, "callback_query": {"id": "1", "message": {"chat": {"id": 1}, "date": 1}}},  # no from
    ],
)
def test_a_payload_missing_what_every_update_has_is_an_error(update: dict[str, object]) -> None:
    with pytest.raises(BadPayload):
        channel().parse(body(update))


def test_the_message_time_and_full_name_come_from_the_update() -> None:
    inbound = parse_one(payload("callback_query"))
    assert inbound.at.timestamp() == 1795000005 and inbound.at.tzinfo is not None
    assert inbound.contact_name == "Asha Rao"


async def test_set_webhook_registers_the_url_with_the_secret() -> None:
    calls: list[tuple[str, str]] = []

    def api(request: httpx.Request) -> httpx.Response:
        calls.append((request.url.path, request.content.decode()))
        return httpx.Response(200, json={"ok": True, "result": True})

    assert await channel(httpx.MockTransport(api)).set_webhook("https://shop.example/webhooks/telegram")
    path, body = calls[-1]
    assert path == "/bot123:ABC/setWebhook"
    assert "secret_token=s3cret" in body and "shop.example" in body
