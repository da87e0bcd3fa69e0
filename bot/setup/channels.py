"""The chat channels this server runs, built from the settings: adding a channel is one builder line here."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import httpx
from pydantic import SecretStr

from bot.setup.settings import Settings
from channels.base import Channel
from channels.meta import MetaChannel
from channels.telegram import TelegramChannel
from channels.web import WebChatChannel
from channels.whatsapp import WhatsAppChannel, is_template_language
from orders.store import StoreConfig

log = logging.getLogger(__name__)


class ConfigurationError(ValueError):
    """Settings that cannot work together; the message says which variable to set."""


@dataclass
class Channels:
    """Every configured channel, found by its webhook name or by the lead channel it carries."""

    by_name: dict[str, Channel] = field(default_factory=dict)
    by_lead: dict[str, Channel] = field(default_factory=dict)  # `messenger` and `instagram`: Meta's adapter
    admins: dict[str, str] = field(default_factory=dict)  # lead channel -> the staff's user id there

    def add(self, channel: Channel) -> None:
        self.by_name[channel.name] = channel
        self.by_lead |= dict.fromkeys(channel.serves, channel)

    def admin_recipients(self) -> tuple[str, ...]:
        return tuple(f"{channel}:{user}" for channel, user in self.admins.items())

    async def aclose(self) -> None:
        for channel in self.by_name.values():
            await channel.aclose()


# A webhook path every server answers, configured or not (an unconfigured one says so): name -> title.
WEBHOOKS = {"telegram": "Telegram", "whatsapp": "WhatsApp", "meta": "Messenger or Instagram"}

Transport = httpx.AsyncBaseTransport | None
Builder = Callable[[Settings, StoreConfig, Transport, Channels], None]


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


def whatsapp_number(number: str) -> str:
    """A phone number as WhatsApp names its senders: digits only (`+91 98765-43210` -> `919876543210`)."""
    return "".join(ch for ch in number if ch.isdigit())


def _telegram(settings: Settings, _store: StoreConfig, transport: Transport, into: Channels) -> None:
    if settings.telegram_token is None:
        return
    secret = _secret(settings.telegram_webhook_secret)
    if secret is None:
        log.warning("CHATCART_TELEGRAM_WEBHOOK_SECRET is not set: /webhooks/telegram refuses every request")
    into.add(
        TelegramChannel(
            settings.telegram_token.get_secret_value(),
            api_url=settings.telegram_api_url,
            webhook_secret=secret,
            transport=transport,
        )
    )
    if settings.telegram_admin_chat_id:
        into.admins["telegram"] = settings.telegram_admin_chat_id


def _whatsapp(settings: Settings, store: StoreConfig, transport: Transport, into: Channels) -> None:
    if settings.whatsapp_phone_id is None or settings.whatsapp_token is None:
        return
    for template in store.whatsapp_templates:
        if not is_template_language(template.language_code):
            raise ConfigurationError(
                f"whatsapp_templates: {template.event} ({template.language}) has language code "
                f"{template.language_code!r}, which WhatsApp does not know (e.g. en_US, es, hi)"
            )
    if settings.whatsapp_app_secret is None:
        log.warning("CHATCART_WHATSAPP_APP_SECRET is not set: /webhooks/whatsapp refuses every delivery")
    into.add(
        WhatsAppChannel(
            settings.whatsapp_phone_id,
            settings.whatsapp_token.get_secret_value(),
            api_url=settings.whatsapp_api_url,
            app_secret=_secret(settings.whatsapp_app_secret),
            verify_token=_secret(settings.whatsapp_verify_token),
            transport=transport,
        )
    )
    if settings.whatsapp_admin_number:
        into.admins["whatsapp"] = whatsapp_number(settings.whatsapp_admin_number)


def _meta(settings: Settings, _store: StoreConfig, transport: Transport, into: Channels) -> None:
    if settings.meta_page_token is None:
        return
    if settings.meta_app_secret is None:
        log.warning("CHATCART_META_APP_SECRET is not set: /webhooks/meta refuses every delivery")
    into.add(
        MetaChannel(
            settings.meta_page_token.get_secret_value(),
            api_url=settings.meta_api_url,
            app_secret=_secret(settings.meta_app_secret),
            verify_token=_secret(settings.meta_verify_token),
            transport=transport,
        )
    )


BUILDERS: tuple[Builder, ...] = (_telegram, _whatsapp, _meta)


def build_channels(
    settings: Settings,
    store: StoreConfig,
    web_chat: WebChatChannel,
    *,
    transport: Transport = None,
    extra: Iterable[Channel] = (),
) -> Channels:
    """The web chat, every channel whose settings are present, and `extra` ones (the terminal's)."""
    channels = Channels()
    channels.add(web_chat)
    for build in BUILDERS:
        build(settings, store, transport, channels)
    for channel in extra:
        channels.add(channel)
    return channels
