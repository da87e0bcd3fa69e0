"""The turn runner: one inbound message in, one transaction, replies sent right after commit."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection

from bot.conversations import sql
from bot.conversations.base import ConversationStorage, StaleConversation
from bot.conversations.locks import KeyedLocks, RedisLocks
from bot.delivery import codec
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

# Replies are leased to the turn that wrote them: it sends them itself right after commit; the relay
# takes over only if that send fails or the process dies first.
SEND_LEASE = timedelta(seconds=30)
MAX_STALE_RETRIES = 3


@dataclass(frozen=True, slots=True)
class TurnResult:
    """What a turn left behind: the conversation as saved, and the replies it leased to itself."""

    conversation: Conversation
    replies: list[OutboxRow]


class TurnRunner:
    """One message at a time per conversation: claim, load, `flows.step`, order commands, save, replies."""

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
        clock: Callable[[], datetime],
        windowed: frozenset[str] = frozenset(),
        shared: ConversationStorage | None = None,
        locks: RedisLocks | None = None,
    ) -> None:
        self._db = db
        self._store = store
        self._catalog = catalog
        self.phrases = phrases
        self._lexicon = lexicon
        self._commands = commands
        self._deliver_now = deliver_now
        self._clock = clock
        self._windowed = windowed  # lead channels whose service window each inbound message reopens
        # Without `shared` the state is saved in the turn's own transaction. With Redis, state and locks live
        # there (shared by several workers); claims stay in SQL, atomic with the order and the replies.
        self._shared = shared
        self._locks: KeyedLocks | RedisLocks = locks or KeyedLocks()

    async def handle(self, provider: str, inbound: InboundMessage) -> TurnResult | None:
        """Process one inbound message once; None when it was a repeated delivery."""
        async with self._locks.hold(str(inbound.key)):
            snapshot = await self._catalog.snapshot()
            view = StoreView(self._store, snapshot, self.phrases, self._lexicon)
            for attempt in range(MAX_STALE_RETRIES):
                try:
                    loaded = await self._shared.load(inbound.key) if self._shared else None
                    work = functools.partial(
                        self._turn, provider=provider, inbound=inbound, view=view, loaded=loaded
                    )
                    result = await self._db.write(work)
                    if result is not None and self._shared is not None:
                        await self._shared.save(result.conversation, self._clock())
                    break
                except StaleConversation:
                    # Another process (a second worker) saved this conversation meanwhile: run the turn again.
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
            return _queue_replies(conn, provider, inbound, [OutboundMessage(inbound.key, work(conn))], now)

        async with self._locks.hold(str(inbound.key)):
            rows = await self._db.write(transaction)
        if rows:
            await self._deliver_now(rows)
        return rows is not None

    def _turn(
        self,
        conn: Connection,
        provider: str,
        inbound: InboundMessage,
        view: StoreView,
        loaded: Conversation | None,
    ) -> TurnResult | None:
        now = self._clock()
        if not self._claim(conn, provider, inbound, now):
            return None
        if self._shared is None:
            loaded = sql.load_in(conn, inbound.key)
        conversation = loaded or Conversation(inbound.key, view.language_for(inbound.language))
        turn = step(conversation, inbound, view, now)
        replies = list(turn.replies)
        for command in turn.commands:
            outcome = self._commands.run(conn, inbound.key, command, now)
            replies += resume(conversation, outcome, view).replies
        if self._shared is None:
            sql.save_in(conn, conversation, now)
        return TurnResult(conversation, _queue_replies(conn, provider, inbound, replies, now))

    def _claim(self, conn: Connection, provider: str, inbound: InboundMessage, now: datetime) -> bool:
        """Claim the provider's message id (False: a repeat); a windowed channel's window reopens."""
        if not claim(conn, provider, inbound.message_id, now):
            return False
        if inbound.key.channel in self._windowed:
            touch(conn, inbound.key, now)
        return True


def _queue_replies(
    conn: Connection, provider: str, inbound: InboundMessage, replies: list[OutboundMessage], now: datetime
) -> list[OutboxRow]:
    """Replies go to the outbox leased to this turn; the dedupe key ties each to the message it answers."""
    messages = [
        OutboxMessage(
            OutboxKind.CUSTOMER_MESSAGE,
            str(inbound.key),
            codec.to_payload(reply),
            f"reply:{provider}:{inbound.message_id}:{i}",
        )
        for i, reply in enumerate(replies)
    ]
    return OutboxRepository(conn).add_returning(messages, now, lease=SEND_LEASE)
