"""Recorded payloads made hostile: NUL characters leave at the channel edge, a time of 10^20 is taken as now,
and a time that is not a number is a bad payload (400), never an exception."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest

from channels import meta, telegram, whatsapp
from channels.base import BadPayload, chat_text, unix_time
from channels.console import ConsoleChannel
from channels.web import parse_chat_message
from flows.messages import Choice, InboundKind, InboundMessage, OutboundMessage

DATA = Path(__file__).parent.parent / "data"


def recorded(provider: str, name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((DATA / provider / f"{name}.json").read_text())
    return loaded


def telegram_text(text: str, date: object) -> dict[str, Any]:
    update = recorded("telegram", "text_message")
    update["message"] |= {"text": text, "date": date}
    update["message"]["from"]["first_name"] = "As\x00ha"
    return update


def whatsapp_text(text: str, timestamp: object) -> dict[str, Any]:
    update = recorded("whatsapp", "text_message")
    value = update["entry"][0]["changes"][0]["value"]
    value["messages"][0] |= {"text": {"body": text}, "timestamp": timestamp}
    value["contacts"][0]["profile"]["name"] = "As\x00ha"
    return update


def messenger_text(text: str, timestamp: object) -> dict[str, Any]:
    update = recorded("meta", "messenger_text")
    update["entry"][0]["messaging"][0] |= {"message": {"mid": "m_1", "text": text}, "timestamp": timestamp}
    return update


BUILDERS: dict[str, Callable[[str, object], dict[str, Any]]] = {
    "telegram": telegram_text,
    "whatsapp": whatsapp_text,
    "messenger": messenger_text,
}
FAR = {"telegram": 10**20, "whatsapp": str(10**20), "messenger": 10**20}
Parse = Callable[[bytes], list[InboundMessage]]


@pytest.fixture
async def parsers() -> AsyncIterator[dict[str, Parse]]:
    channels = {
        "telegram": telegram.TelegramChannel("1:T", api_url="http://x", webhook_secret="s"),
        "whatsapp": whatsapp.WhatsAppChannel(
            "1", "t", api_url="http://x", app_secret=None, verify_token=None
        ),
        "messenger": meta.MetaChannel("t", api_url="http://x", app_secret=None, verify_token=None),
    }
    yield {name: channel.parse for name, channel in channels.items()}
    for channel in channels.values():
        await channel.aclose()


@pytest.mark.parametrize("provider", BUILDERS)
def test_nul_characters_leave_and_a_time_of_ten_to_the_twenty_is_now(
    provider: str, parsers: dict[str, Parse]
) -> None:
    build, parse = BUILDERS[provider], parsers[provider]
    before = datetime.now(UTC)
    [inbound] = parse(json.dumps(build("2 sam\x00osa", FAR[provider])).encode())
    assert inbound.text == "2 samosa"
    assert "\x00" not in inbound.contact_name
    assert before <= inbound.at <= datetime.now(UTC)


@pytest.mark.parametrize("provider", BUILDERS)
@pytest.mark.parametrize("when", ["soon", None, [1]])
def test_a_time_that_is_not_a_number_is_a_bad_payload(
    provider: str, when: object, parsers: dict[str, Parse]
) -> None:
    build, parse = BUILDERS[provider], parsers[provider]
    with pytest.raises(BadPayload):
        parse(json.dumps(build("hi", when)).encode())


def test_crafted_button_data_keeps_its_text_but_no_nul(parsers: dict[str, Parse]) -> None:
    update = recorded("telegram", "callback_query")
    update["callback_query"]["data"] = "cod:y:\x00²"
    [inbound] = parsers["telegram"](json.dumps(update).encode())
    assert (inbound.kind, inbound.choice_id) == (InboundKind.CHOICE, "cod:y:²")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("a\x00b", "ab"), ("\ud800x", "?x"), ("चाय ☕", "चाय ☕"), (42, "42")],
)
def test_chat_text_is_what_every_database_stores(value: object, expected: str) -> None:
    assert chat_text(value) == expected


@pytest.mark.parametrize("far", [10**20, -(10**20), 2**63, float("inf"), 253_402_300_800])
def test_a_unix_time_no_datetime_holds_is_now(far: float) -> None:
    assert abs(unix_time(far) - datetime.now(UTC)) < timedelta(minutes=1)


def test_a_unix_time_in_milliseconds_keeps_them() -> None:
    assert unix_time(1_795_000_100_123, per_second=1000) == datetime(2026, 11, 18, 11, 8, 20, 123000, UTC)


def test_the_web_chat_drops_nul_and_lone_surrogates() -> None:
    now = datetime.now(UTC)
    body = {"session": "session-1", "id": "message-1", "text": " 2 sam\x00osa \ud800"}
    assert parse_chat_message(body, now).text == "2 samosa ?"
    assert parse_chat_message(body | {"text": None, "choice": "1:p:\x00"}, now).choice_id == "1:p:"


@pytest.mark.parametrize("typed", ["²", "١", "9" * 5000, "\x00"])
def test_the_console_sends_what_is_not_a_choice_number_as_text(typed: str) -> None:
    console = ConsoleChannel(out=StringIO())
    console._choices = [Choice("1:p:1", "Masala chai")]
    inbound = console.read(typed, datetime.now(UTC), "run")
    assert inbound.kind is InboundKind.TEXT
    assert "\x00" not in inbound.text and len(inbound.text) <= 4096


async def test_the_console_still_presses_a_choice_by_its_number() -> None:
    console = ConsoleChannel(out=StringIO())
    await console.send(OutboundMessage(console.key, "Pick", (Choice("1:p:1", "Masala chai"),)))
    assert console.read("1", datetime.now(UTC), "run").choice_id == "1:p:1"


def _telegram_shapes() -> list[dict[str, Any]]:
    """Updates whose parts have the wrong JSON type: `from` a string, a chat id that is no integer, …"""
    text, press = recorded("telegram", "text_message"), recorded("telegram", "callback_query")
    shapes: list[dict[str, Any]] = []
    for value in ("bob", 5, None, ["x"]):
        shapes.append(text | {"message": text["message"] | {"from": value}})
        shapes.append(press | {"callback_query": press["callback_query"] | {"from": value}})
    for chat_id in ("x" * 500, 10**30, True, 1.5, None, {"id": 1}):
        shapes.append(text | {"message": text["message"] | {"chat": {"id": chat_id, "type": "private"}}})
    shapes.append(text | {"message": "hello"})
    shapes.append(text | {"message": text["message"] | {"contact": "x"}})
    shapes.append(press | {"callback_query": "press"})
    shapes.append(press | {"callback_query": press["callback_query"] | {"message": "m"}})
    return shapes


@pytest.mark.parametrize("update", _telegram_shapes())
def test_a_telegram_update_of_the_wrong_shape_is_a_bad_payload(
    update: dict[str, Any], parsers: dict[str, Parse]
) -> None:
    with pytest.raises(BadPayload):
        parsers["telegram"](json.dumps(update).encode())
