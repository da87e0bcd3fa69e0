"""The outbox relay: real HTTP to a loopback merchant server, retries, outcomes in the order history."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest

from bot.delivery.relay import OutboxRelay, Sender
from bot.delivery.retry import RetryPolicy
from bot.delivery.senders import SIGNATURE_HEADER, MerchantWebhookSender
from catalog.service import CatalogService
from orders.commands import ChangeStatus, LineRequest, PlaceOrder
from orders.db.engine import Database
from orders.db.outbox import OutboxRepository
from orders.db.tables import outbox
from orders.model import Lead
from orders.notifications import NotificationTargets
from orders.outbox import OutboxKind, OutboxMessage, OutboxRow
from orders.services import OrderService
from orders.status import OrderStatus
from orders.store import StoreConfig
from tests.bot.delivery.relays import STEADY, build_relay
from tests.conftest import Clock
from tests.fakes import FakeServer, RecordingChannel, chat_sender, serve_fake
from tests.helpers import rows

SECRET = "whsec-test"
LEASE = timedelta(seconds=30)


@pytest.fixture
async def merchant() -> AsyncIterator[FakeServer]:
    async with serve_fake(FakeServer()) as fake:
        yield fake


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5) as client:
        yield client


def make_relay(
    db: Database,
    clock: Clock,
    merchant_url: str,
    http: httpx.AsyncClient,
    chat: RecordingChannel | None = None,
    policy: RetryPolicy = STEADY,
) -> OutboxRelay:
    senders: dict[OutboxKind, Sender] = {
        OutboxKind.MERCHANT_WEBHOOK: MerchantWebhookSender(
            merchant_url, SECRET, http, clock=lambda: 1_700_000_000
        ),
        OutboxKind.CUSTOMER_MESSAGE: chat_sender(db, clock, *([chat] if chat else [])),
    }
    return build_relay(db, clock, senders, policy=policy)


async def place(db: Database, store: StoreConfig, clock: Clock, lead: Lead | None = None) -> OrderService:
    service = OrderService(db, store, targets=NotificationTargets(merchant_webhook=True), clock=clock)
    cmd = PlaceOrder(lines=(LineRequest(2, "TEA"),), delivery_address="x", lead=lead, language="es")
    await service.place(cmd)
    return service


@dataclass
class Harness:
    """A database with the test catalog, a clock, a loopback merchant server and an HTTP client."""

    db: Database
    store: StoreConfig
    clock: Clock
    merchant: FakeServer
    http: httpx.AsyncClient

    def relay(
        self, url: str | None = None, chat: RecordingChannel | None = None, policy: RetryPolicy = STEADY
    ) -> OutboxRelay:
        return make_relay(self.db, self.clock, url or self.merchant.url, self.http, chat, policy)

    async def place(self, lead: Lead | None = None) -> OrderService:
        return await place(self.db, self.store, self.clock, lead)


@pytest.fixture
def h(
    db: Database,
    store: StoreConfig,
    clock: Clock,
    catalog: CatalogService,
    merchant: FakeServer,
    http: httpx.AsyncClient,
) -> Harness:
    return Harness(db, store, clock, merchant, http)


async def test_merchant_webhook_is_signed_sent_once_and_marked_sent(h: Harness) -> None:
    await h.place()
    relay = h.relay(h.merchant.url + "/hooks")
    assert await relay.run_once() == 1
    assert await relay.run_once() == 0
    (request,) = h.merchant.requests
    event = json.loads(request.body)
    assert (request.path, event["type"], event["data"]["number"]) == ("/hooks", "order.created", 1001)
    timestamp, signature = (p.split("=", 1)[1] for p in request.headers[SIGNATURE_HEADER.lower()].split(","))
    expected = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + request.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(signature, expected)
    assert request.headers["x-chatcart-event-id"] == event["id"]
    assert [r["status"] for r in await rows(h.db, outbox)] == ["sent"]


async def test_a_failing_receiver_is_probed_every_few_seconds_until_it_answers(h: Harness) -> None:
    h.merchant.script = [(503, {}), (500, {})]
    await h.place()
    relay = h.relay()
    await relay.run_once()
    h.clock.advance(seconds=4)
    await relay.run_once()  # the receiver fails: it is tried again after the probe interval, not before
    assert len(h.merchant.requests) == 1
    h.clock.advance(seconds=1)
    await relay.run_once()
    h.clock.advance(seconds=5)
    await relay.run_once()
    assert len(h.merchant.requests) == 3
    assert len({r.headers["x-chatcart-event-id"] for r in h.merchant.requests}) == 1  # receiver can dedupe
    (row,) = await rows(h.db, outbox)
    assert (row["status"], row["attempts"]) == ("sent", 3)


async def test_a_permanent_refusal_ends_the_row_without_retrying(h: Harness) -> None:
    h.merchant.script = [(400, {"error": "bad"})]
    await h.place()
    relay = h.relay()
    await relay.run_once()
    h.clock.advance(hours=1)
    await relay.run_once()
    assert len(h.merchant.requests) == 1
    (row,) = await rows(h.db, outbox)
    assert (row["status"], row["last_error"]) == ("dead", "HTTP 400 from receiver")


async def test_an_unreachable_receiver_is_retried_for_as_long_as_the_policy_says_then_given_up(
    h: Harness,
) -> None:
    await h.place()
    relay = h.relay(
        "http://127.0.0.1:9/nothing-listens-here", policy=RetryPolicy(give_up_after=timedelta(hours=2))
    )
    for _ in range(4):  # no attempt count ends it: eight failed attempts in a row are not "dead" any more
        await relay.run_once()
        h.clock.advance(minutes=30)
    (row,) = await rows(h.db, outbox)
    assert (row["status"], row["attempts"]) == ("pending", 4)
    h.clock.advance(minutes=31)
    await relay.run_once()
    (row,) = await rows(h.db, outbox)
    assert row["status"] == "dead" and "gave up after 2:00:00" in row["last_error"]
    assert "ConnectError" in row["last_error"]


async def test_status_message_reaches_the_shopper_in_their_language_and_is_logged(h: Harness) -> None:
    chat = RecordingChannel()
    service = await h.place(lead=Lead("telegram", "42"))
    await service.change_status(ChangeStatus(1001, OrderStatus.CONFIRMED, "ops"))
    await service.change_status(ChangeStatus(1001, OrderStatus.SHIPPED, "ops", tracking_number="TRK-7"))
    await h.relay(chat=chat).run_once()
    assert chat.sent == [
        ("42", "Tu pedido #1001 está confirmado. Total: 280,00\xa0INR. Te avisaremos cuando salga."),
        ("42", "Tu pedido #1001 está en camino. Número de seguimiento: TRK-7."),
    ]
    history = (await service.get(1001)).history
    sent = [e.data["template"] for e in history if e.kind == "notification_sent"]
    assert sent == ["status_confirmed", "status_shipped"]


async def test_a_customer_without_a_chat_channel_is_recorded_as_not_messaged(h: Harness) -> None:
    service = await h.place(lead=None)
    await service.change_status(ChangeStatus(1001, OrderStatus.CANCELLED, "ops", reason="customer called"))
    await h.relay().run_once()
    (failed,) = [e for e in (await service.get(1001)).history if e.kind == "notification_failed"]
    assert failed.data["error"] == "the customer has no chat channel to message"


async def test_a_turns_replies_are_sent_at_once_and_marked_sent_a_moment_later(h: Harness) -> None:
    chat = RecordingChannel()
    relay = h.relay(chat=chat)
    reply = OutboxMessage(OutboxKind.CUSTOMER_MESSAGE, "telegram:42", {"text": "Hi!"}, "reply:1")
    rows_sent = await h.db.write(
        lambda conn: OutboxRepository(conn).add_leased([reply], h.clock(), owner=relay.owner, lease=LEASE)
    )
    await relay.send_now(rows_sent)
    assert chat.sent == [("42", "Hi!")]
    assert [r["status"] for r in await rows(h.db, outbox)] == ["pending"]  # leased: not sent again
    assert await relay.run_once() == 0
    await relay.flush()
    assert [r["status"] for r in await rows(h.db, outbox)] == ["sent"]


async def test_a_row_committed_during_a_pass_is_sent_without_waiting_for_the_poll(
    db: Database, clock: Clock
) -> None:
    first_send_started, release_first, both_sent = asyncio.Event(), asyncio.Event(), asyncio.Event()
    sent: list[str] = []

    async def slow_then_fast(row: OutboxRow) -> None:
        if not sent:
            first_send_started.set()
            await release_first.wait()
        sent.append(row.dedupe_key)
        if len(sent) == 2:
            both_sent.set()

    # An hour between polls: only a wake-up can get the second row out.
    relay = build_relay(db, clock, {OutboxKind.MERCHANT_WEBHOOK: slow_then_fast}, idle_interval=3600)
    stop = asyncio.Event()
    running = asyncio.create_task(relay.run_forever(stop))
    await add_webhook_row(db, clock, "first")
    relay.wake()
    await first_send_started.wait()
    await add_webhook_row(db, clock, "second")  # committed while the relay is busy with "first"
    relay.wake()
    release_first.set()
    async with asyncio.timeout(10):  # a stranded row would wait the hour
        await both_sent.wait()
    stop.set()
    await running
    assert sent == ["first", "second"]


async def add_webhook_row(db: Database, clock: Clock, key: str) -> None:
    message = OutboxMessage(OutboxKind.MERCHANT_WEBHOOK, f"merchant:{key}", {"id": key}, key)
    await db.write(lambda conn: OutboxRepository(conn).add([message], clock()))
