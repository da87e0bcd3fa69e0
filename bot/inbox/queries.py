"""The conversations list's and one conversation's reads: the conversations table, the lead's orders and the
messages the outbox holds for the chat."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, func, or_, select, tuple_

from bot.conversations.sql import conversations as conv
from orders.db.order_filters import like
from orders.db.tables import orders, outbox
from orders.outbox import OutboxKind

MESSAGES_SHOWN = 50  # the newest messages of a chat; older ones stay in the outbox
ORDERS_SHOWN = 25


@dataclass(frozen=True, slots=True)
class StoredConversation:
    """A conversations row as stored: the engine's state as JSON, and when the shopper last wrote."""

    channel: str
    user_id: str
    data: dict[str, Any]
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class LeadOrders:
    """A lead's orders in figures, with the name and phone of the newest one."""

    count: int
    name: str
    phone: str


@dataclass(frozen=True, slots=True)
class Written:
    """A chat message in the outbox: what it says (text or template), whether it went, when."""

    payload: dict[str, Any]
    status: str
    last_error: str
    created_at: datetime
    sent_at: datetime | None


def _digits_of(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """A phone as its digits (how it was typed does not matter: +91 98450-12345 ~ 9845012345)."""
    for mark in (" ", "-", "+", "(", ")", "."):
        column = func.replace(column, mark, "")
    return column


def _search(query: str) -> ColumnElement[bool]:
    """The conversations whose shopper's name or phone (from their orders or their answers) or whose user id
    holds `query`. The orders are read once for the leads they match, not once per conversation."""
    text = like(query)
    digits = re.sub(r"\D", "", query)
    wanted: list[ColumnElement[bool]] = [func.lower(conv.c.user_id).like(text, escape="\\")]
    by_order = [func.lower(orders.c.customer_name).like(text, escape="\\")]
    # A phone number or part of one (reading each conversation's answers costs ~150 ms CPU per 100,000 on
    # SQLite: only a query without letters pays it).
    if len(digits) >= 3 and not any(ch.isalpha() for ch in query):
        phone = like(digits)
        by_order.append(_digits_of(orders.c.customer_phone).like(phone, escape="\\"))
        for path in (("answers", "phone"), ("known", "phone")):
            wanted.append(_digits_of(conv.c.data[path[0]][path[1]].as_string()).like(phone, escape="\\"))
    leads = select(orders.c.lead_channel, orders.c.lead_user_id).where(
        orders.c.lead_channel.is_not(None), or_(*by_order)
    )
    wanted.append(tuple_(conv.c.channel, conv.c.user_id).in_(leads))
    return or_(*wanted)


def _filtered(columns: Sequence[Any], channel: str, query: str) -> Select[Any]:
    statement = select(*columns).select_from(conv)
    if channel:
        statement = statement.where(conv.c.channel == channel)
    if query:
        statement = statement.where(_search(query))
    return statement


def page_of(
    conn: Connection, channel: str, query: str, offset: int, limit: int
) -> tuple[list[StoredConversation], int]:
    """Newest activity first (then by key, so a page boundary never shows a row twice), and how many match.
    A search counts in the same pass (its matches are few; one pass instead of two: 550 -> 280 ms CPU for
    a phone over 100,000 conversations on SQLite); the whole list counts apart (a window there would sort
    every row with its state: 40 -> 146 ms)."""
    columns: list[Any] = [conv.c.channel, conv.c.user_id, conv.c.data, conv.c.updated_at]
    if query:
        columns.append(func.count().over())
    statement = (
        _filtered(columns, channel, query)
        .order_by(conv.c.updated_at.desc(), conv.c.channel, conv.c.user_id)
        .offset(offset)
        .limit(limit)
    )
    rows = conn.execute(statement).all()
    found = [StoredConversation(*row[:4]) for row in rows]
    if query and rows:
        return found, int(rows[0][4])
    return found, count_of(conn, channel, query) if offset or not query else 0


def count_of(conn: Connection, channel: str, query: str) -> int:
    return int(conn.execute(_filtered((func.count(),), channel, query)).scalar_one())


def channels_in_use(conn: Connection) -> list[str]:
    return [
        str(c) for c in conn.execute(select(conv.c.channel).distinct().order_by(conv.c.channel)).scalars()
    ]


def lead_orders(conn: Connection, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], LeadOrders]:
    """Each lead's order count, and the name and phone their newest order gives."""
    if not keys:
        return {}
    lead = tuple_(orders.c.lead_channel, orders.c.lead_user_id)
    rows = conn.execute(
        select(orders.c.lead_channel, orders.c.lead_user_id, orders.c.customer_name, orders.c.customer_phone)
        .where(lead.in_(list(keys)))
        .order_by(orders.c.created_at.desc(), orders.c.id.desc())
    )
    found: dict[tuple[str, str], LeadOrders] = {}
    for channel, user_id, name, phone in rows:
        key = (channel, user_id)
        had = found.get(key)
        found[key] = LeadOrders(had.count + 1, had.name, had.phone) if had else LeadOrders(1, name, phone)
    return found


def one(conn: Connection, channel: str, user_id: str) -> StoredConversation | None:
    row = conn.execute(
        select(conv.c.channel, conv.c.user_id, conv.c.data, conv.c.updated_at).where(
            conv.c.channel == channel, conv.c.user_id == user_id
        )
    ).first()
    return StoredConversation(*row) if row else None


def orders_of(conn: Connection, channel: str, user_id: str) -> list[Any]:
    """The lead's newest orders: number, status, total, currency, when."""
    return list(
        conn.execute(
            select(orders.c.number, orders.c.status, orders.c.total, orders.c.currency, orders.c.created_at)
            .where(orders.c.lead_channel == channel, orders.c.lead_user_id == user_id)
            .order_by(orders.c.created_at.desc(), orders.c.id.desc())
            .limit(ORDERS_SHOWN)
        )
    )


def messages_to(conn: Connection, recipient: str) -> list[Written]:
    """The newest chat messages written for `recipient` (`telegram:42`), newest first."""
    return [
        Written(*row)
        for row in conn.execute(
            select(
                outbox.c.payload,
                outbox.c.status,
                outbox.c.last_error,
                outbox.c.created_at,
                outbox.c.sent_at,
            )
            .where(outbox.c.recipient == recipient, outbox.c.kind == OutboxKind.CUSTOMER_MESSAGE.value)
            .order_by(outbox.c.id.desc())
            .limit(MESSAGES_SHOWN)
        )
    ]
