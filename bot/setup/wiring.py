"""Wire settings into the database, services, senders and relay: the one place that knows them all."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import httpx
from pydantic import SecretStr
from redis.asyncio import BlockingConnectionPool, Redis

from bot.conversations.redis_storage import RedisConversationStore, RedisLocks
from bot.delivery.relay import OutboxRelay, Sender
from bot.delivery.reminders import ReminderPoller
from bot.delivery.rendering import MessageRenderer
from bot.delivery.senders import ChatMessageSender, ChatTransport, MerchantWebhookSender
from bot.delivery.windows import OutsideWindow, ServiceWindows
from bot.setup.settings import Settings
from bot.setup.store_file import load_store
from bot.templating import load_lexicon, load_phrases
from bot.turns.admin import AdminCommands
from bot.turns.catalog_cache import CatalogCache
from bot.turns.order_commands import OrderCommands
from bot.turns.runner import TurnRunner
from catalog.service import CatalogService
from channels.meta import INSTAGRAM, MESSENGER, MetaChannel
from channels.telegram import TelegramChannel
from channels.web import WebChatChannel
from channels.whatsapp import WhatsAppChannel, is_template_language
from flows.phrases import Phrasebook
from orders.db.engine import Database
from orders.notifications import NotificationTargets
from orders.outbox import OutboxKind
from orders.services import OrderService, utc_now
from orders.store import StoreConfig

log = logging.getLogger(__name__)


class ConfigurationError(ValueError):
    """Settings that cannot work together; the message says which variable to set."""


@dataclass
class Container:
    settings: Settings
    store: StoreConfig
    db: Database
    orders: OrderService
    catalog: CatalogService
    relay: OutboxRelay
    http: httpx.AsyncClient
    renderer: MessageRenderer
    phrases: Phrasebook
    turns: TurnRunner
    admin: AdminCommands
    transports: dict[str, ChatTransport]
    reminders: ReminderPoller
    web_chat: WebChatChannel  # the same object as transports["web"], which the relay sends through
    admin_ids: dict[str, str]  # channel -> the staff's user id there
    telegram: TelegramChannel | None = None
    whatsapp: WhatsAppChannel | None = None
    meta: MetaChannel | None = None  # Messenger and Instagram
    redis: Redis | None = None

    async def aclose(self) -> None:
        await self.relay.flush_sent()
        if self.redis is not None:
            await self.redis.aclose()
        if self.telegram is not None:
            await self.telegram.aclose()
        if self.whatsapp is not None:
            await self.whatsapp.aclose()
        if self.meta is not None:
            await self.meta.aclose()
        await self.http.aclose()
        await self.db.dispose()


def _senders(
    settings: Settings,
    http: httpx.AsyncClient,
    renderer: MessageRenderer,
    transports: dict[str, ChatTransport],
    outside_window: OutsideWindow,
) -> dict[OutboxKind, Sender]:
    chat = ChatMessageSender(renderer, transports, outside_window)
    senders: dict[OutboxKind, Sender] = {OutboxKind.CUSTOMER_MESSAGE: chat, OutboxKind.ADMIN_MESSAGE: chat}
    if settings.merchant_webhook_url:
        if settings.merchant_webhook_secret is None:
            raise ConfigurationError(
                "CHATCART_MERCHANT_WEBHOOK_URL needs CHATCART_MERCHANT_WEBHOOK_SECRET to sign"
            )
        secret = settings.merchant_webhook_secret.get_secret_value()
        senders[OutboxKind.MERCHANT_WEBHOOK] = MerchantWebhookSender(
            settings.merchant_webhook_url, secret, http
        )
    return senders


def _telegram(settings: Settings, transport: httpx.AsyncBaseTransport | None) -> TelegramChannel | None:
    if settings.telegram_token is None:
        return None
    secret = settings.telegram_webhook_secret.get_secret_value() if settings.telegram_webhook_secret else None
    if secret is None:
        log.warning("CHATCART_TELEGRAM_WEBHOOK_SECRET is not set: /webhooks/telegram refuses every request")
    return TelegramChannel(
        settings.telegram_token.get_secret_value(),
        api_url=settings.telegram_api_url,
        webhook_secret=secret,
        transport=transport,
    )


def _whatsapp(
    settings: Settings, store: StoreConfig, transport: httpx.AsyncBaseTransport | None
) -> WhatsAppChannel | None:
    if settings.whatsapp_phone_id is None or settings.whatsapp_token is None:
        return None
    for template in store.whatsapp_templates:
        if not is_template_language(template.language_code):
            raise ConfigurationError(
                f"whatsapp_templates: {template.event} ({template.language}) has language code "
                f"{template.language_code!r}, which WhatsApp does not know (e.g. en_US, es, hi)"
            )
    if settings.whatsapp_app_secret is None:
        log.warning("CHATCART_WHATSAPP_APP_SECRET is not set: /webhooks/whatsapp refuses every delivery")
    return WhatsAppChannel(
        settings.whatsapp_phone_id,
        settings.whatsapp_token.get_secret_value(),
        api_url=settings.whatsapp_api_url,
        app_secret=_secret(settings.whatsapp_app_secret),
        verify_token=_secret(settings.whatsapp_verify_token),
        transport=transport,
    )


def _meta(settings: Settings, transport: httpx.AsyncBaseTransport | None) -> MetaChannel | None:
    if settings.meta_page_token is None:
        return None
    if settings.meta_app_secret is None:
        log.warning("CHATCART_META_APP_SECRET is not set: /webhooks/meta refuses every delivery")
    return MetaChannel(
        settings.meta_page_token.get_secret_value(),
        api_url=settings.meta_api_url,
        app_secret=_secret(settings.meta_app_secret),
        verify_token=_secret(settings.meta_verify_token),
        transport=transport,
    )


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


def whatsapp_number(number: str) -> str:
    """A phone number as WhatsApp names its senders: digits only (`+91 98765-43210` -> `919876543210`)."""
    return "".join(ch for ch in number if ch.isdigit())


def _redis(url: str) -> Redis:
    # A blocking pool: under a burst a turn waits for a free connection instead of failing with
    # "Too many connections" (found by the 1,000-shopper benchmark).
    pool = BlockingConnectionPool.from_url(url, max_connections=64, timeout=10)
    return Redis(connection_pool=pool)


def build_container(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = utc_now,
    http: httpx.AsyncClient | None = None,
    provider_transport: httpx.AsyncBaseTransport | None = None,
    extra_transports: dict[str, ChatTransport] | None = None,
) -> Container:
    """Wire everything; `provider_transport` lets tests and benchmarks answer the chat APIs in-process."""
    store = load_store(settings)
    db = Database(settings.database_url)
    http = http or httpx.AsyncClient(timeout=httpx.Timeout(10.0))
    renderer = MessageRenderer()
    telegram = _telegram(settings, provider_transport)
    web_chat = WebChatChannel()
    transports: dict[str, ChatTransport] = {"web": web_chat, **(extra_transports or {})}
    whatsapp = _whatsapp(settings, store, provider_transport)
    admin_ids: dict[str, str] = {}
    if telegram is not None:
        transports["telegram"] = telegram
        if settings.telegram_admin_chat_id:
            admin_ids["telegram"] = settings.telegram_admin_chat_id
    meta = _meta(settings, provider_transport)
    if meta is not None:
        transports |= {MESSENGER: meta, INSTAGRAM: meta}
    if whatsapp is not None:
        transports["whatsapp"] = whatsapp
        if settings.whatsapp_admin_number:
            admin_ids["whatsapp"] = whatsapp_number(settings.whatsapp_admin_number)
    admin_recipients = tuple(f"{channel}:{user}" for channel, user in admin_ids.items())
    templated = {"whatsapp": whatsapp} if whatsapp is not None else {}
    tagged = {MESSENGER: meta} if meta is not None else {}
    outside_window = OutsideWindow(ServiceWindows(db), store, clock, templates=templated, tagged=tagged)
    relay = OutboxRelay(db, _senders(settings, http, renderer, transports, outside_window), clock)
    targets = NotificationTargets(
        admin_recipients=admin_recipients, merchant_webhook=bool(settings.merchant_webhook_url)
    )
    orders = OrderService(db, store, targets=targets, clock=clock, on_commit=relay.wake)
    catalog_cache = CatalogCache(db)
    catalog = CatalogService(db, clock, on_change=catalog_cache.invalidate)
    phrases = load_phrases()
    redis = _redis(settings.redis_url) if settings.redis_url else None
    turns = TurnRunner(
        db,
        shared_store=RedisConversationStore(redis) if redis is not None else None,
        locks=RedisLocks(redis) if redis is not None else None,
        store=store,
        catalog=catalog_cache,
        phrases=phrases,
        lexicon=load_lexicon(),
        commands=OrderCommands(orders),
        deliver_now=functools.partial(relay.deliver, mark_sent_later=True),
        clock=clock,
    )
    return Container(
        settings=settings,
        store=store,
        db=db,
        orders=orders,
        catalog=catalog,
        relay=relay,
        http=http,
        renderer=renderer,
        phrases=phrases,
        turns=turns,
        admin=AdminCommands(orders),
        transports=transports,
        reminders=ReminderPoller(db, phrases, clock, relay.wake),
        telegram=telegram,
        whatsapp=whatsapp,
        meta=meta,
        web_chat=web_chat,
        redis=redis,
        admin_ids=admin_ids,
    )
