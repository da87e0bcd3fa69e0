"""Wire settings into the database, services, senders and relay: the one place that knows them all."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import httpx

from bot.messages import MessageRenderer
from bot.relay import OutboxRelay, Sender
from bot.senders import ChatMessageSender, ChatTransport, MerchantWebhookSender
from bot.settings import Settings
from bot.store_file import load_store
from catalog.service import CatalogService
from orders.database import Database
from orders.notifications import NotificationTargets
from orders.outbox import OutboxKind
from orders.services import OrderService, utc_now
from orders.store import StoreConfig


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

    async def aclose(self) -> None:
        await self.http.aclose()
        await self.db.dispose()


def _senders(
    settings: Settings, http: httpx.AsyncClient, renderer: MessageRenderer
) -> dict[OutboxKind, Sender]:
    transports: dict[str, ChatTransport] = {}  # channel adapters register here as they are configured
    chat = ChatMessageSender(renderer, transports)
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


def build_container(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = utc_now,
    http: httpx.AsyncClient | None = None,
) -> Container:
    store = load_store(settings)
    db = Database(settings.database_url)
    http = http or httpx.AsyncClient(timeout=httpx.Timeout(10.0))
    renderer = MessageRenderer()
    relay = OutboxRelay(db, _senders(settings, http, renderer), clock)
    targets = NotificationTargets(admin_recipients=(), merchant_webhook=bool(settings.merchant_webhook_url))
    orders = OrderService(db, store, targets=targets, clock=clock, on_commit=relay.wake)
    return Container(settings, store, db, orders, CatalogService(db, clock), relay, http, renderer)
