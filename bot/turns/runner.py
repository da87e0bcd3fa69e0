"""The turn runner: one inbound message in, one transaction, replies sent right after commit."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Connection

from bot.conversations import sql
from bot.conversations.base import StaleConversation
from bot.conversations.locks import KeyedLocks
from bot.delivery import codec
from bot.delivery.relay import LEASE
from bot.delivery.windows import touch
from bot.turns.assistant import Assistant
from bot.turns.catalog_cache import CatalogCache
from bot.turns.claims import claim, claim_and_load
from bot.turns.order_commands import Batched, OrderCommands
from flows.assistant import ASSISTED_STEPS
from flows.conversation import Conversation, Step
from flows.engine import step
from flows.lexicon import Lexicon
from flows.messages import InboundKind, InboundMessage, OutboundMessage
from flows.phrases import Phrasebook
from flows.results import resume
from flows.turn import StoreView
from flows.understanding import read
from orders.db.batches import Batches
from orders.db.engine import Database
from orders.db.outbox import OutboxRepository
from orders.errors import CatalogChanged
from orders.outbox import OutboxKind, OutboxMessage, OutboxRow
from orders.store import StoreConfig

log = logging.getLogger(__name__)

MAX_STALE_RETRIES = 3


@dataclass(frozen=True, slots=True)
class _Turn:
    """One inbound message waiting for its turn, with the store as it was when it arrived."""

    provider: str
    inbound: InboundMessage
    view: StoreView


@dataclass(frozen=True, slots=True)
class TurnResult:
    """What a turn left behind: the conversation as saved, and the replies it leased to itself."""

    conversation: Conversation
    replies: list[OutboxRow]


class TurnRunner:
    """One message at a time per conversation: claim, load, `flows.step`, order commands, save, replies.

    Everything a turn changes (the claim, the conversation's new state, an order, the replies) commits in one
    transaction or not at all, on every database: a crash or an outage can never leave the chat a step behind
    its order. Two processes running turns of one conversation at once are kept apart by the version check
    (and, on SQLite, by its single writer): the later one runs again on the new state.
    """

    def __init__(
        self,
        db: Database,
        *,
        store: StoreConfig,
        catalog: CatalogCache,
        phrases: Phrasebook,
        lexicon: Lexicon,
        commands: OrderCommands,
        deliver_now: Callable[[list[OutboxRow]], Awaitable[None]],
        owner: str,
        clock: Callable[[], datetime],
        windowed: frozenset[str] = frozenset(),
        online_payments: bool = False,
        assistant: Assistant | None = None,
    ) -> None:
        self._db = db
        self._store = store
        self._catalog = catalog
        self.phrases = phrases
        self._lexicon = lexicon
        self._commands = commands
        self._deliver_now = deliver_now
        self._owner = owner  # the replies are leased to this process, which sends them right after commit
        self._clock = clock
        self._windowed = windowed  # lead channels whose service window each inbound message reopens
        self._online = online_payments  # a payment provider takes the store's "online" payments
        self._locks = KeyedLocks()
        self._assistant = assistant
        # Turns of different conversations that wait together share their statements: on PostgreSQL each
        # is a round trip. SQLite's statements are calls in-process and its group commit already shares
        # the commit among every turn waiting, so there each turn is its own unit of work, handed over at
        # once (measured: two batches of one in flight doubled the commits and cost 60 % more CPU per turn).
        self._batches = None if db.is_sqlite else Batches(db, self._turns, max_batch=64)

    async def _run(self, turn: _Turn) -> TurnResult | None:
        """The turn, committed: in a batch with others on PostgreSQL, alone in a group commit on SQLite."""
        if self._batches is not None:
            return await self._batches.submit(turn)
        return await self._db.write(lambda conn: self._turns(conn, [turn])[0])

    async def handle(self, provider: str, inbound: InboundMessage) -> TurnResult | None:
        """Process one inbound message once; None when it was a repeated delivery."""
        async with self._locks.hold(str(inbound.key)):
            snapshot = await self._catalog.snapshot()
            view = StoreView(self._store, snapshot, self.phrases, self._lexicon, self._online)
            if self._assistant is not None and inbound.kind is InboundKind.TEXT:
                inbound = await self._assisted(inbound, view)
            for attempt in range(MAX_STALE_RETRIES):
                try:
                    result = await self._run(_Turn(provider, inbound, view))
                    break
                except StaleConversation:
                    # Another process saved this conversation meanwhile: run the turn again on its state.
                    log.info("conversation %s changed meanwhile (attempt %d)", inbound.key, attempt + 1)
            else:
                raise StaleConversation(str(inbound.key))
        if result is not None and result.replies:
            await self._deliver_now(result.replies)
        return result

    async def _assisted(self, inbound: InboundMessage, view: StoreView) -> InboundMessage:
        """The message with the assistant's tool calls when the rules would not read it at this step."""
        # Asked before the turn's transaction: a slow provider holds no database lock.
        assert self._assistant is not None
        reading = read(inbound.text, view.lexicon, view.catalog)
        if reading.intent or reading.items or reading.number is not None or reading.ambiguous:
            return inbound
        if view.catalog.search(inbound.text):
            return inbound
        saved = await self._db.read(lambda conn: sql.load_in(conn, inbound.key))
        step_now = saved.step if saved else Step.IDLE
        if step_now not in ASSISTED_STEPS:
            return inbound
        language = saved.language if saved else view.language_for(inbound.language)
        calls = await self._assistant.suggest(inbound.text, view, language)
        return replace(inbound, assist=calls) if calls else inbound

    async def answer_once(
        self, provider: str, inbound: InboundMessage, work: Callable[[Connection], str]
    ) -> bool:
        """Outside the shopping flow (admin commands, refusals): claim, reply once, send after commit."""

        def transaction(conn: Connection) -> list[OutboxRow] | None:
            now = self._clock()
            if not self._claim(conn, provider, inbound, now):
                return None
            return self._queue_replies(
                conn, provider, inbound, [OutboundMessage(inbound.key, work(conn))], now
            )

        async with self._locks.hold(str(inbound.key)):
            rows = await self._db.write(transaction)
        if rows:
            await self._deliver_now(rows)
        return rows is not None

    def _turns(self, conn: Connection, batch: Sequence[_Turn]) -> list[TurnResult | None]:
        """A batch of turns of different conversations, each claim, load and save one statement for all."""
        now = self._clock()
        claims = [((t.provider, t.inbound.message_id), t.inbound.key) for t in batch]
        claimed, loaded = claim_and_load(conn, claims, now)
        fresh = [t for t in batch if (t.provider, t.inbound.message_id) in claimed]
        touch(conn, [t.inbound.key for t in fresh if t.inbound.key.channel in self._windowed], now)
        notices: list[OutboxMessage] = []  # the new orders' notifications, written with the replies
        stepped = [
            self._step(
                conn, t, loaded.get(t.inbound.key), now, Batched(notices, t.view.catalog, len(fresh) > 1)
            )
            for t in fresh
        ]
        sql.save_many_in(conn, [conversation for conversation, _ in stepped], now)
        messages = [
            self._message(turn.provider, turn.inbound, reply, i)
            for turn, (_, replies) in zip(fresh, stepped, strict=True)
            for i, reply in enumerate(replies)
        ]
        outbox = OutboxRepository(conn)
        leased = outbox.add_leased(messages, now, owner=self._owner, lease=LEASE, relayed=notices)
        by_recipient: dict[str, list[OutboxRow]] = {}
        for row in leased:
            by_recipient.setdefault(row.recipient, []).append(row)
        results = {
            id(turn): TurnResult(conversation, by_recipient.get(str(turn.inbound.key), []))
            for turn, (conversation, _) in zip(fresh, stepped, strict=True)
        }
        return [results.get(id(turn)) for turn in batch]

    def _step(
        self, conn: Connection, turn: _Turn, loaded: Conversation | None, now: datetime, batched: Batched
    ) -> tuple[Conversation, list[OutboundMessage]]:
        """The engine's step and the order commands it asked for: the conversation and its replies."""
        view, inbound = turn.view, turn.inbound
        conversation = loaded or Conversation(inbound.key, view.language_for(inbound.language))
        stepped = step(conversation, inbound, view, now)
        replies = list(stepped.replies)
        for command in stepped.commands:
            try:
                outcome = self._commands.run(conn, inbound.key, command, now, batched)
            except CatalogChanged:
                self._catalog.reload()  # the batch runs again; later turns price from a fresh load
                raise
            replies += resume(conversation, outcome, view).replies
        return conversation, replies

    def _claim(self, conn: Connection, provider: str, inbound: InboundMessage, now: datetime) -> bool:
        """Claim the provider's message id (False: a repeat); a windowed channel's window reopens."""
        if not claim(conn, provider, inbound.message_id, now):
            return False
        if inbound.key.channel in self._windowed:
            touch(conn, [inbound.key], now)
        return True

    @staticmethod
    def _message(provider: str, inbound: InboundMessage, reply: OutboundMessage, i: int) -> OutboxMessage:
        """A reply as an outbox message; the dedupe key ties it to what it answers."""
        return OutboxMessage(
            OutboxKind.CUSTOMER_MESSAGE,
            str(inbound.key),
            codec.to_payload(reply),
            f"reply:{provider}:{inbound.message_id}:{i}",
        )

    def _queue_replies(
        self,
        conn: Connection,
        provider: str,
        inbound: InboundMessage,
        replies: list[OutboundMessage],
        now: datetime,
    ) -> list[OutboxRow]:
        """Replies go to the outbox leased to this process, which sends them right after commit."""
        messages = [self._message(provider, inbound, reply, i) for i, reply in enumerate(replies)]
        return OutboxRepository(conn).add_leased(messages, now, owner=self._owner, lease=LEASE)
