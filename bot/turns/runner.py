"""The turn runner: one inbound message in, one transaction, replies sent right after commit."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from bot.conversations import sql
from bot.conversations.base import StaleConversation
from bot.conversations.locks import KeyedLocks
from bot.delivery import codec
from bot.delivery.relay import LEASE
from bot.delivery.windows import touch
from bot.turns.catalog_cache import CatalogCache
from bot.turns.claims import claim
from bot.turns.order_commands import OrderCommands
from flows.conversation import Conversation
from flows.engine import step
from flows.lexicon import Lexicon
from flows.messages import InboundMessage, OutboundMessage
from flows.phrases import Phrasebook
from flows.results import resume
from flows.turn import StoreView
from orders.db.engine import Database
from orders.db.outbox import OutboxRepository
from orders.outbox import OutboxKind, OutboxMessage, OutboxRow
from orders.store import StoreConfig

log = logging.getLogger(__name__)

MAX_STALE_RETRIES = 3


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
        self._locks = KeyedLocks()

    async def handle(self, provider: str, inbound: InboundMessage) -> TurnResult | None:
        """Process one inbound message once; None when it was a repeated delivery."""
        async with self._locks.hold(str(inbound.key)):
            snapshot = await self._catalog.snapshot()
            view = StoreView(self._store, snapshot, self.phrases, self._lexicon)
            work = functools.partial(self._turn, provider=provider, inbound=inbound, view=view)
            for attempt in range(MAX_STALE_RETRIES):
                try:
                    result = await self._db.write(work)
                    break
                except StaleConversation:
                    # Another process saved this conversation meanwhile: run the turn again on its state.
                    log.info("conversation %s changed meanwhile (attempt %d)", inbound.key, attempt + 1)
            else:
                raise StaleConversation(str(inbound.key))
        if result is not None and result.replies:
            await self._deliver_now(result.replies)
        return result

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

    def _turn(
        self, conn: Connection, provider: str, inbound: InboundMessage, view: StoreView
    ) -> TurnResult | None:
        now = self._clock()
        if not self._claim(conn, provider, inbound, now):
            return None
        loaded = sql.load_in(conn, inbound.key)
        conversation = loaded or Conversation(inbound.key, view.language_for(inbound.language))
        turn = step(conversation, inbound, view, now)
        replies = list(turn.replies)
        for command in turn.commands:
            outcome = self._commands.run(conn, inbound.key, command, now)
            replies += resume(conversation, outcome, view).replies
        sql.save_in(conn, conversation, now)
        return TurnResult(conversation, self._queue_replies(conn, provider, inbound, replies, now))

    def _claim(self, conn: Connection, provider: str, inbound: InboundMessage, now: datetime) -> bool:
        """Claim the provider's message id (False: a repeat); a windowed channel's window reopens."""
        if not claim(conn, provider, inbound.message_id, now):
            return False
        if inbound.key.channel in self._windowed:
            touch(conn, inbound.key, now)
        return True

    def _queue_replies(
        self,
        conn: Connection,
        provider: str,
        inbound: InboundMessage,
        replies: list[OutboundMessage],
        now: datetime,
    ) -> list[OutboxRow]:
        """Replies go to the outbox leased to this process; the dedupe key ties each to what it answers."""
        messages = [
            OutboxMessage(
                OutboxKind.CUSTOMER_MESSAGE,
                str(inbound.key),
                codec.to_payload(reply),
                f"reply:{provider}:{inbound.message_id}:{i}",
            )
            for i, reply in enumerate(replies)
        ]
        return OutboxRepository(conn).add_leased(messages, now, owner=self._owner, lease=LEASE)
