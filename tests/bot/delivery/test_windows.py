"""The 24-hour window on SQLite and PostgreSQL, and what a notification becomes once it has closed."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.delivery.windows import ServiceWindows, WindowedSend, template_values, touch
from bot.setup.channels import ConfigurationError
from bot.setup.settings import Settings
from bot.setup.wiring import build_services
from channels.base import BaseChannel, ChannelError, Notice
from channels.whatsapp import WhatsAppChannel, template_text
from flows.messages import ConversationKey, OutboundMessage
from orders.db.engine import Database
from orders.store import parse_store_config
from tests.conftest import Clock
from tests.fakes import RecordingChannel

ASHA = ConversationKey("whatsapp", "919876543210")
STORE = parse_store_config(
    """
[store]
currency = "INR"
languages = ["en", "hi"]
[[whatsapp_templates]]
event = "status_shipped"
language = "hi"
name = "order_shipped_hi"
params = ["number", "total", "items"]
"""
)


DAY = timedelta(hours=24)


class WindowedRecorder(BaseChannel):
    """A channel with WhatsApp's 24-hour window that records what went out, and how."""

    name = "whatsapp"

    def __init__(self) -> None:
        self.sent: list[OutboundMessage] = []
        self.notices: list[Notice] = []

    def window(self, channel: str) -> timedelta | None:
        return DAY

    async def send(self, message: OutboundMessage) -> None:
        self.sent.append(message)

    async def send_outside_window(self, message: OutboundMessage, notice: Notice) -> None:
        self.notices.append(notice)


def whatsapp() -> WhatsAppChannel:
    return WhatsAppChannel("1", "t", api_url="http://127.0.0.1:9", app_secret="s", verify_token="v")


async def wrote(db: Database, clock: Clock) -> None:
    await db.write(lambda conn: touch(conn, [ASHA], clock()))


async def test_the_window_is_open_for_24_hours_after_the_last_message(db: Database, clock: Clock) -> None:
    windows = ServiceWindows(db)
    assert not await windows.is_open(ASHA, DAY, clock())  # never wrote
    await wrote(db, clock)
    assert await windows.is_open(ASHA, DAY, clock() + timedelta(hours=23, minutes=59))
    assert not await windows.is_open(ASHA, DAY, clock() + timedelta(hours=24))
    clock.advance(hours=30)
    await wrote(db, clock)  # a new message reopens it
    assert await windows.is_open(ASHA, DAY, clock() + timedelta(hours=1))


async def test_channels_without_a_window_always_get_the_message_itself(db: Database, clock: Clock) -> None:
    telegram = RecordingChannel()
    key = ConversationKey("telegram", "5")
    await WindowedSend(ServiceWindows(db), STORE, clock)(telegram, note(key), notification("status_shipped"))
    assert [m.key for m in telegram.messages] == [key]


def notification(event: str, language: str = "hi", **extra: Any) -> dict[str, Any]:
    params = {"number": 1001, "total": 28000, "currency": "INR", "items": "2 × Masala chai\n1 × Samosa"}
    return {"template": event, "language": language, "params": params, **extra}


async def test_a_closed_window_hands_the_channel_the_events_template_with_its_values(
    db: Database, clock: Clock
) -> None:
    channel = WindowedRecorder()
    choices = [{"id": "cod:y:1001", "label": "Confirm"}]
    await WindowedSend(ServiceWindows(db), STORE, clock)(
        channel, note(ASHA), notification("status_shipped", choices=choices)
    )
    [notice] = channel.notices
    assert (notice.event, notice.language, channel.sent) == ("status_shipped", "hi", [])
    template = notice.template
    assert template is not None
    assert (template.name, template.code, template.quick_replies) == (
        "order_shipped_hi",
        "hi",
        ("cod:y:1001",),
    )
    body = template.body
    assert body[0] == "1001" and body[1].endswith("280.00") and "₹" in body[1]
    assert template_text(body[2]) == "2 × Masala chai 1 × Samosa"  # line breaks are not allowed there


async def test_an_open_window_or_a_free_form_reply_goes_out_as_it_is(db: Database, clock: Clock) -> None:
    channel = WindowedRecorder()
    send = WindowedSend(ServiceWindows(db), STORE, clock)
    await send(channel, note(ASHA), {"text": "a turn's reply"})
    await wrote(db, clock)
    await send(channel, note(ASHA), notification("status_shipped"))
    assert (len(channel.sent), channel.notices) == (2, [])


@pytest.mark.parametrize(("event", "language"), [("status_delivered", "hi"), ("status_shipped", "en")])
async def test_without_a_template_whatsapp_sends_nothing_and_the_reason_is_permanent(
    db: Database, clock: Clock, event: str, language: str
) -> None:
    with pytest.raises(ChannelError) as caught:
        await WindowedSend(ServiceWindows(db), STORE, clock)(
            whatsapp(), note(ASHA), notification(event, language)
        )
    assert not caught.value.transient
    assert str(caught.value).startswith("not messaged") and event in str(caught.value)


def test_template_values_follow_the_configured_order() -> None:
    [template] = STORE.whatsapp_templates
    values = template_values(template, {"items": "x", "number": 7, "total": 100, "currency": "INR"})
    assert values[0] == "7" and values[2] == "x"


def test_a_template_language_code_whatsapp_does_not_know_stops_start_up(tmp_path: Path) -> None:
    store = tmp_path / "store.toml"
    template = 'event = "cod_reminder"\nlanguage = "en"\nname = "r"\ncode = "en_XX"\n'
    store.write_text(f'[store]\nlanguages = ["en"]\n[[whatsapp_templates]]\n{template}')
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'x.db'}",
        store_config=store,
        whatsapp_phone_id="1",
        whatsapp_token="t",
    )
    with pytest.raises(ConfigurationError, match="'en_XX', which WhatsApp does not know"):
        build_services(settings)


def note(key: ConversationKey) -> OutboundMessage:
    return OutboundMessage(key, "rendered text")
