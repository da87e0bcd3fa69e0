"""Failures told apart by what a redelivery can fix, on real errors of SQLite, PostgreSQL and Redis; a
webhook message that fails for good is acknowledged and recorded once, an outage answered 503."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import Connection, create_engine, select, text

from bot.conversations.base import StaleConversation
from bot.turns.failures import FailedUpdates, is_transient, refused_value
from bot.web.webhooks import Record, channel_webhook
from channels.base import WebhookRequest
from channels.telegram import SECRET_HEADER, TelegramChannel
from channels.whatsapp import WhatsAppChannel
from flows.messages import InboundMessage
from orders.db.engine import Database
from orders.db.tables import counters, orders
from tests.conftest import POSTGRES_URL, Clock

DATA = Path(__file__).parents[2] / "data"


async def error_of(work: Callable[[], Awaitable[object]]) -> Exception:
    try:
        await work()
    except Exception as exc:
        return exc
    raise AssertionError("no error")


def number_beyond_the_column(conn: Connection) -> object:
    return conn.execute(select(orders).where(orders.c.number == 2**63)).all()


async def test_a_value_no_column_holds_is_refused_for_good(db: Database) -> None:
    exc = await error_of(lambda: db.read(number_beyond_the_column))
    assert not is_transient(exc) and refused_value(exc)


@pytest.mark.postgres
@pytest.mark.skipif(POSTGRES_URL is None, reason="CHATCART_TEST_POSTGRES_URL not set")
@pytest.mark.parametrize("db", ["postgres"], indirect=True)  # SQLite keeps all three
@pytest.mark.parametrize(
    "statement",
    [
        counters.insert().values(name="a\x00b", value=1),  # PostgreSQL text holds no NUL
        counters.insert().values(name="x" * 33, value=1),  # String(32)
        counters.insert().values(name="big", value=2**31),  # INTEGER is 32 bits
    ],
    ids=["nul", "too-long", "int32"],
)
async def test_values_postgresql_refuses_are_not_transient(db: Database, statement: object) -> None:
    exc = await error_of(lambda: db.write(lambda conn: conn.execute(statement)))  # type: ignore[call-overload]
    assert not is_transient(exc) and refused_value(exc)


async def test_a_refused_connection_to_postgresql_or_redis_is_transient() -> None:
    database = Database("postgresql+asyncpg://postgres@127.0.0.1:1/nowhere")
    try:
        assert is_transient(await error_of(database.ping))
    finally:
        await database.dispose()
    redis = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=1)
    try:
        assert is_transient(await error_of(redis.ping))
    finally:
        await redis.aclose()


async def test_a_locked_sqlite_database_is_transient(tmp_path: Path) -> None:
    path = tmp_path / "locked.db"
    holder = create_engine(f"sqlite:///{path}", connect_args={"isolation_level": None})
    waiter = create_engine(f"sqlite:///{path}", connect_args={"timeout": 0})
    with holder.connect() as held:
        held.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        held.exec_driver_sql("BEGIN IMMEDIATE")
        with pytest.raises(Exception) as caught, waiter.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))
        held.exec_driver_sql("ROLLBACK")
    holder.dispose()
    waiter.dispose()
    assert is_transient(caught.value) and not refused_value(caught.value)


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (ValueError("a bug"), False),
        (KeyError("a bug"), False),
        (TimeoutError(), True),
        (StaleConversation("telegram:1"), True),
    ],
)
def test_bugs_are_permanent_and_timeouts_or_racing_workers_are_not(error: Exception, transient: bool) -> None:
    assert is_transient(error) is transient


# --- the webhook ----------------------------------------------------------------------------------------

UPDATE = (DATA / "telegram" / "text_message.json").read_bytes()


def telegram_request(body: bytes = UPDATE) -> WebhookRequest:
    return WebhookRequest("POST", {SECRET_HEADER.lower(): "s3cret"}, b"", body)


def failing(
    error: Exception | None, seen: list[str] | None = None
) -> Callable[[InboundMessage], Awaitable[None]]:
    async def dispatch(inbound: InboundMessage) -> None:
        if seen is not None:
            seen.append(inbound.text)
        if error is not None and (seen is None or inbound.text == "menu"):
            raise error

    return dispatch


@pytest.fixture
def failures(db: Database, clock: Clock) -> FailedUpdates:
    return FailedUpdates(db, clock)


@pytest.fixture
def telegram() -> TelegramChannel:
    return TelegramChannel("1:T", api_url="http://127.0.0.1:9", webhook_secret="s3cret")


async def test_a_message_that_fails_for_good_is_acknowledged_and_recorded_once(
    db: Database, failures: FailedUpdates, telegram: TelegramChannel
) -> None:
    bad_value = await error_of(lambda: db.read(number_beyond_the_column))
    handle = channel_webhook("Telegram", telegram, failing(bad_value), failures.record)
    first, again = await handle(telegram_request()), await handle(telegram_request())
    assert first.status == again.status == 200
    [recorded] = await failures.latest()
    assert (recorded.provider, recorded.external_id) == ("telegram", "813405701")
    assert recorded.error.startswith(type(bad_value).__name__)
    assert '"update_id"' in recorded.payload


async def test_an_outage_is_answered_503_and_nothing_is_recorded(
    failures: FailedUpdates, telegram: TelegramChannel
) -> None:
    outage = await error_of(Database("postgresql+asyncpg://postgres@127.0.0.1:1/nowhere").ping)
    handle = channel_webhook("Telegram", telegram, failing(outage), failures.record)
    response = await handle(telegram_request())
    assert (response.status, response.body) == (
        503,
        b'{"error":"temporarily unavailable","code":"unavailable"}',
    )
    assert await failures.latest() == []


async def test_a_failure_that_cannot_be_recorded_is_answered_503_to_come_again(
    telegram: TelegramChannel,
) -> None:
    async def database_gone(*_args: object) -> None:
        raise ConnectionRefusedError("the database went away")

    record: Record = database_gone
    response = await channel_webhook("Telegram", telegram, failing(ValueError("a bug")), record)(
        telegram_request()
    )
    assert response.status == 503


async def test_the_rest_of_a_batch_is_handled_after_a_message_that_fails_for_good(
    failures: FailedUpdates,
) -> None:
    secret = "wa-secret"
    whatsapp = WhatsAppChannel(
        "1",
        "t",
        api_url="http://127.0.0.1:9",
        app_secret=secret,
        verify_token=None,
        transport=httpx.MockTransport(lambda r: httpx.Response(500)),
    )
    body = (DATA / "whatsapp" / "batched_three.json").read_bytes()
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    seen: list[str] = []
    handle = channel_webhook("WhatsApp", whatsapp, failing(ValueError("a bug"), seen), failures.record)
    response = await handle(WebhookRequest("POST", {"x-hub-signature-256": signature}, b"", body))
    await whatsapp.aclose()
    assert response.status == 200
    assert seen == ["hi", "menu", "2 samosa"]
    assert [f.external_id for f in await failures.latest()] == ["wamid.HBgMOTE5ODc2NTQzMjEwFQIAEhggB2"]


async def test_a_failure_is_recorded_whatever_its_text_holds(failures: FailedUpdates) -> None:
    await failures.record("whatsapp", "wamid.\x00" + "x" * 300, ValueError("bad \x00 value"), b"{\x00\xff}")
    [recorded] = await failures.latest()
    assert recorded.external_id.startswith("wamid.\\x00x") and len(recorded.external_id) == 200
    assert (recorded.error, recorded.payload) == ("ValueError: bad \\x00 value", "{\\x00\ufffd}")
