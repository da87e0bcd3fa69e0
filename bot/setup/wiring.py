"""The composition root: settings in, the services `serve`, `worker` and the CLI run on out."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

import httpx
from redis.asyncio import BlockingConnectionPool, Redis

from bot.delivery.health import ChannelHealth
from bot.delivery.outcomes import OutcomeLog
from bot.delivery.payments import CheckoutSender, PaymentCheckSender
from bot.delivery.relay import OutboxRelay, Sender
from bot.delivery.reminders import ReminderPoller
from bot.delivery.rendering import MessageRenderer
from bot.delivery.retry import RetryPolicy
from bot.delivery.senders import ChatMessageSender, MerchantWebhookSender
from bot.delivery.web_mailboxes import SqlMailboxes
from bot.delivery.windows import ServiceWindows, WindowedSend
from bot.delivery.worker import Worker
from bot.setup.channels import Channels, ConfigurationError, build_channels
from bot.setup.settings import Settings
from bot.setup.store_file import load_store
from bot.staff.accounts import StaffAccounts
from bot.staff.sessions import SignIns
from bot.templating import load_lexicon, load_phrases
from bot.turns.admin import AdminCommands
from bot.turns.assistant import Assistant
from bot.turns.catalog_cache import CatalogCache
from bot.turns.dispatch import Dispatcher
from bot.turns.order_commands import OrderCommands
from bot.turns.runner import TurnRunner
from catalog.service import CatalogService
from channels.base import Channel
from channels.web import WebChatChannel
from orders.db.engine import Database
from orders.list_service import ListService
from orders.notifications import NotificationTargets
from orders.outbox import MERCHANT, PAYMENTS, OutboxKind
from orders.pay_links import PayLinks
from orders.payment_services import PaymentService
from orders.payments.gateway import PaymentGateway
from orders.payments.stripe_gateway import StripeGateway
from orders.services import OrderService, utc_now
from orders.store import StoreConfig


@dataclass
class Services:
    """What a running chatcart is made of; each entry point takes the parts it needs."""

    settings: Settings
    store: StoreConfig
    db: Database
    clock: Callable[[], datetime]
    orders: OrderService
    catalog: CatalogService
    channels: Channels
    web_chat: WebChatChannel  # also in `channels`: the relay delivers into its mailboxes (in the database)
    dispatch: Dispatcher
    turns: TurnRunner
    worker: Worker
    staff: StaffAccounts
    sign_ins: SignIns
    listing: ListService  # the orders list, its counters, the customers (read only)
    http: httpx.AsyncClient
    payments: PaymentService
    gateway: PaymentGateway | None = None  # the merchant's Stripe account, when configured
    pay_links: PayLinks | None = None
    redis: Redis | None = None

    async def aclose(self) -> None:
        await self.worker.relay.close()
        if self.redis is not None:
            await self.redis.aclose()
        await self.channels.aclose()
        await self.http.aclose()
        if self.gateway is not None:
            await self.gateway.aclose()
        await self.db.dispose()


def _senders(
    settings: Settings, http: httpx.AsyncClient, chat: ChatMessageSender
) -> dict[OutboxKind, Sender]:
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


def _redis(url: str) -> Redis:
    # A blocking pool: under a burst a turn waits for a free connection instead of failing with
    # "Too many connections" (found by the 1,000-shopper benchmark).
    pool = BlockingConnectionPool.from_url(url, max_connections=64, timeout=10)
    return Redis.from_pool(pool)  # the client owns the pool: closing it closes every connection


def gateway(settings: Settings) -> StripeGateway | None:
    """The merchant's Stripe account, when its secret key is set (the webhook secret is then required)."""
    if settings.stripe_secret_key is None:
        return None
    if settings.stripe_webhook_secret is None:
        raise ConfigurationError("CHATCART_STRIPE_SECRET_KEY needs CHATCART_STRIPE_WEBHOOK_SECRET")
    return StripeGateway(
        settings.stripe_secret_key.get_secret_value(),
        settings.stripe_webhook_secret.get_secret_value(),
        settings.stripe_api_url,
    )


def _relay(
    settings: Settings, store: StoreConfig, db: Database, channels: Channels, clock: Callable[[], datetime]
) -> tuple[OutboxRelay, httpx.AsyncClient, dict[OutboxKind, Sender]]:
    http = httpx.AsyncClient(timeout=httpx.Timeout(10.0))
    windowed_send = WindowedSend(ServiceWindows(db), store, clock)
    chat = ChatMessageSender(MessageRenderer(), channels.by_lead, windowed_send)
    senders = _senders(settings, http, chat)
    # What this process can deliver: its channels, chat rows without a channel (they fail at once, with the
    # reason in the order's history), the merchant's webhooks if it knows where they go, and the payment
    # provider's calls if one is configured (their senders are added once the services exist).
    deliverable = {*channels.by_lead, "", *([MERCHANT] if OutboxKind.MERCHANT_WEBHOOK in senders else [])}
    if settings.stripe_secret_key is not None:
        deliverable.add(PAYMENTS)
    health = ChannelHealth(channels.admin_recipients(), clock)
    relay = OutboxRelay(
        db,
        senders,
        clock,
        owner=uuid.uuid4().hex,
        channels=deliverable,
        outcomes=OutcomeLog(db, clock, health, RetryPolicy()),
        health=health,
    )
    return relay, http, senders


def _assistant(settings: Settings, http: httpx.AsyncClient) -> Assistant | None:
    """The optional AI assistant: on only with CHATCART_LLM_URL and CHATCART_LLM_MODEL."""
    if not (settings.llm_url and settings.llm_model):
        return None
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    return Assistant(http, settings.llm_url, settings.llm_model, key, settings.llm_timeout)


def _turns(
    db: Database,
    *,
    store: StoreConfig,
    orders: OrderService,
    relay: OutboxRelay,
    channels: Channels,
    clock: Callable[[], datetime],
    assistant: Assistant | None,
) -> tuple[TurnRunner, CatalogCache]:
    """The turn runner and the catalog cache it searches; online payments offered with a provider."""
    online = bool(orders.payment_provider)
    catalog_cache = CatalogCache(db)
    turns = TurnRunner(
        db,
        store=store,
        catalog=catalog_cache,
        phrases=load_phrases(),
        lexicon=load_lexicon(),
        commands=OrderCommands(orders),
        deliver_now=relay.send_now,
        owner=relay.owner,
        clock=clock,
        windowed=frozenset(lead for lead, c in channels.by_lead.items() if c.window(lead) is not None),
        online_payments=online,
        assistant=assistant,
    )
    return turns, catalog_cache


def _pay_links(
    settings: Settings,
    stripe: StripeGateway | None,
    db: Database,
    payments: PaymentService,
    senders: dict[OutboxKind, Sender],
    *,
    wake: Callable[[], None],
    clock: Callable[[], datetime],
) -> PayLinks | None:
    """With a Stripe key: the pay links, and the senders of their outbox kinds."""
    if stripe is None:
        return None
    pay_links = PayLinks(db, stripe, payments, public_url=settings.public_url, clock=clock, on_commit=wake)
    senders[OutboxKind.PAYMENT_CHECKOUT] = CheckoutSender(pay_links)
    senders[OutboxKind.PAYMENT_CHECK] = PaymentCheckSender(pay_links)
    return pay_links


class _Commerce(NamedTuple):
    """What takes orders and payments."""

    orders: OrderService
    payments: PaymentService
    gateway: StripeGateway | None
    pay_links: PayLinks | None


def _commerce(
    settings: Settings,
    store: StoreConfig,
    db: Database,
    channels: Channels,
    senders: dict[OutboxKind, Sender],
    *,
    wake: Callable[[], None],
    clock: Callable[[], datetime],
) -> _Commerce:
    """The order and payment services, and Stripe with its pay links when a key is set."""
    targets = NotificationTargets(channels.admin_recipients(), bool(settings.merchant_webhook_url))
    stripe = gateway(settings)
    provider = stripe.name if stripe is not None and "online" in store.store.payment else ""
    orders = OrderService(db, store, targets=targets, clock=clock, on_commit=wake, payment_provider=provider)
    payments = PaymentService(db, orders, targets=targets, clock=clock, on_commit=wake)
    links = _pay_links(settings, stripe, db, payments, senders, wake=wake, clock=clock)
    return _Commerce(orders, payments, stripe, links)


def build_services(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = utc_now,
    provider_transport: httpx.AsyncBaseTransport | None = None,
    extra_channels: Iterable[Channel] = (),
) -> Services:
    """Wire everything; `provider_transport` lets tests and benchmarks answer the chat APIs in-process."""
    store = load_store(settings)
    db = Database(settings.database_url)
    web_chat = WebChatChannel(SqlMailboxes(db, clock))
    channels = build_channels(settings, store, web_chat, transport=provider_transport, extra=extra_channels)
    relay, http, senders = _relay(settings, store, db, channels, clock)
    money = _commerce(settings, store, db, channels, senders, wake=relay.wake, clock=clock)
    llm = _assistant(settings, http)
    turns, catalog_cache = _turns(
        db, store=store, orders=money.orders, relay=relay, channels=channels, clock=clock, assistant=llm
    )
    return Services(
        settings=settings,
        store=store,
        db=db,
        clock=clock,
        orders=money.orders,
        catalog=CatalogService(db, clock, on_change=catalog_cache.invalidate),
        channels=channels,
        web_chat=web_chat,
        dispatch=Dispatcher(turns, AdminCommands(money.orders), channels.admins),
        turns=turns,
        worker=Worker(db, relay, ReminderPoller(db, turns.phrases, clock, relay.wake)),
        staff=StaffAccounts(db, clock),
        sign_ins=SignIns(db, clock),
        listing=ListService(db, store, clock),
        http=http,
        payments=money.payments,
        gateway=money.gateway,
        pay_links=money.pay_links,
        redis=_redis(settings.redis_url) if settings.redis_url else None,
    )
