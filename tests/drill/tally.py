"""What a scenario left behind, read from the database and from the fake Bot API: one row of the table."""

from __future__ import annotations

import asyncio
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.delivery.rendering import MessageRenderer
from tests.drill.bot_api import Delivered, FakeBotApi
from tests.drill.servers import Backend
from tests.drill.shoppers import Webhooks

DRAIN_TIMEOUT = 180.0
MAX_DELAY = 15.0  # the issue: every delayed message delivered within 15 s of recovery


@dataclass
class Row:
    """One line of the drill's table."""

    scenario: str
    backend: str
    orders_expected: int = 0
    orders_placed: int = 0
    orders_duplicated: int = 0
    orders_lost: int = 0
    messages_due: int = 0
    messages_sent: int = 0
    sent_twice: int = 0
    messages_lost: int = 0
    answers_5xx: int = 0  # answers of 500 and above, 503 included
    unexpected_5xx: int = 0  # every 5xx but a 503 during a database outage, which Telegram redelivers
    max_delay: float = 0.0  # seconds from a message being due (or its provider recovering) to its arrival
    slowest_answer: float = 0.0  # the slowest webhook answer, seconds
    kills: int = 0
    answer_limit: float | None = None  # the slowest webhook answer this row allows, when it checks one
    note: str = ""

    @property
    def kill_row(self) -> bool:
        return self.kills > 0

    def failures(self, *, timed: bool = True) -> list[str]:
        """Why this row breaks the promise; empty when it keeps it. `timed`: also the delays (the drill
        checks them; the suite, which never times anything, does not)."""
        problems = []
        if self.orders_duplicated or self.orders_lost or self.orders_placed != self.orders_expected:
            problems.append("orders")
        if self.messages_lost:
            problems.append("messages lost")
        if self.sent_twice and not self.kill_row:
            problems.append("messages sent twice")
        if self.unexpected_5xx:
            problems.append("5xx")
        if timed and self.max_delay > MAX_DELAY:
            problems.append(f"a message more than {MAX_DELAY:g} s late")
        if timed and self.answer_limit is not None and self.slowest_answer > self.answer_limit:
            problems.append(f"a webhook answer slower than {self.answer_limit:g} s")
        if self.note.startswith("ERROR"):
            problems.append("scenario error")
        return problems


def _engine_url(url: str) -> str:
    if url.startswith("sqlite:///"):
        return url.replace("sqlite:///", "sqlite+aiosqlite:///", 1)
    return url


async def read_database(backend: Backend) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every order (number, chat) and every Telegram outbox row, oldest first."""
    engine = create_async_engine(_engine_url(backend.database_url))
    try:
        async with engine.connect() as conn:
            orders = (
                await conn.execute(text("SELECT number, lead_user_id FROM orders ORDER BY id"))
            ).mappings()
            order_rows = [dict(r) for r in orders]
            rows = await conn.execute(
                text(
                    "SELECT id, recipient, payload, status, created_at FROM outbox "
                    "WHERE channel = 'telegram' ORDER BY id"
                )
            )
            outbox = [dict(r) for r in rows.mappings()]
    finally:
        await engine.dispose()
    for row in outbox:
        if isinstance(row["payload"], str | bytes):
            row["payload"] = orjson.loads(row["payload"])
    return order_rows, outbox


async def drained(backend: Backend, within: float = DRAIN_TIMEOUT) -> bool:
    """Wait until no Telegram message is pending any more."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        _, outbox = await read_database(backend)
        if all(row["status"] != "pending" for row in outbox):
            return True
        await asyncio.sleep(0.5)
    return False


def _text(payload: dict[str, Any], renderer: MessageRenderer) -> str:
    if payload.get("text") is not None:
        return str(payload["text"])
    return renderer.render(
        str(payload["template"]), str(payload.get("language", "en")), payload.get("params", {})
    )


def _as_monotonic(when: datetime | str, wall_offset: float) -> float:
    moment = datetime.fromisoformat(when) if isinstance(when, str) else when
    if moment.tzinfo is None:  # stored in UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp() - wall_offset


@dataclass
class Matched:
    """Deliveries matched to outbox rows."""

    sent: int = 0
    twice: list[tuple[Delivered, Delivered]] = field(default_factory=list)  # (first, again)
    lost: int = 0
    max_delay: float = 0.0


def match_messages(
    outbox: list[dict[str, Any]], delivered: list[Delivered], wall_offset: float, recovered_at: float
) -> Matched:
    """(sent, sent twice, lost, max delay): each delivery matched to the oldest unmatched row of its chat
    with its text; a delivery left over is a repeat, a row left over was lost."""
    renderer = MessageRenderer()
    due: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for row in outbox:
        chat = str(row["recipient"]).partition(":")[2]
        due[chat].append((_text(row["payload"], renderer), _as_monotonic(row["created_at"], wall_offset)))
    got: dict[str, list[Delivered]] = defaultdict(list)
    for d in delivered:
        got[d.chat_id].append(d)
    matched = Matched()
    for chat in set(due) | set(got):
        firsts: dict[str, Delivered] = {}
        waiting = Counter(text for text, _ in due[chat])
        created: dict[str, list[float]] = defaultdict(list)
        for text_, at in due[chat]:
            created[text_].append(at)
        for d in got[chat]:
            if waiting[d.text] > 0:
                firsts.setdefault(d.text, d)
                waiting[d.text] -= 1
                matched.sent += 1
                due_at = max(created[d.text].pop(0), recovered_at)
                matched.max_delay = max(matched.max_delay, d.at - due_at)
            else:
                matched.twice.append((firsts.get(d.text, d), d))
        matched.lost += sum(waiting.values())
    return matched


def _repeats(twice: list[tuple[Delivered, Delivered]], kills: list[float] | None) -> str:
    """Which messages went twice, and how long before a kill -9 their first send was (the window)."""
    first, again = twice[0]
    text = f"sent twice, e.g. to {first.chat_id} {again.at - first.at:.1f} s apart: {first.text[:50]!r}"
    if kills:
        # The fake may read a request a moment after the kill that its sender made just before dying.
        gaps = [min(abs(k - f.at) for k in kills) for f, _ in twice]
        text += (
            f"; each first send was at most {max(gaps) * 1000:.0f} ms from a kill -9 "
            f"(median {sorted(gaps)[len(gaps) // 2] * 1000:.0f} ms)"
        )
    return text


async def tally(
    row: Row,
    backend: Backend,
    bot_api: FakeBotApi,
    hooks: Webhooks,
    *,
    expected_chats: set[str],
    recovered_at: float = 0.0,
    kills: list[float] | None = None,
) -> Row:
    """Fill `row` once the outbox has drained: orders per shopper, messages matched, answers counted."""
    if not await drained(backend):
        row.note = (row.note + "; " if row.note else "") + "outbox never drained"
    await asyncio.sleep(1.0)  # sends that were in flight land
    orders, outbox = await read_database(backend)
    per_chat = Counter(str(o["lead_user_id"]) for o in orders)
    row.orders_expected = len(expected_chats)
    row.orders_placed = len(orders)
    row.orders_duplicated = sum(n - 1 for n in per_chat.values() if n > 1)
    row.orders_lost = sum(1 for chat in expected_chats if per_chat[chat] == 0)
    wall_offset = time.time() - time.monotonic()
    matched = match_messages(outbox, bot_api.delivered, wall_offset, recovered_at)
    row.messages_due, row.messages_sent, row.messages_lost = len(outbox), matched.sent, matched.lost
    row.sent_twice, row.max_delay = len(matched.twice), matched.max_delay
    if matched.twice:
        row.note = (row.note + "; " if row.note else "") + _repeats(matched.twice, kills)
    row.answers_5xx = row.unexpected_5xx = hooks.count(500, 600)  # a scenario says which it expected
    row.slowest_answer = hooks.slowest
    if hooks.slowest > 10:
        row.note = (row.note + "; " if row.note else "") + f"slowest answer: {hooks.slowest_detail}"
    return row
