"""Customers read from the orders table: one per lead (or per contact for orders without a chat), with
their order count, spend per currency, first and latest order."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, String, and_, case, cast, exists, func, literal, or_, select

from orders.customers import EMAIL_KEY, ORDER_KEY, PHONE_KEY, CustomerKey, CustomerSummary
from orders.db.order_filters import folded, like
from orders.db.tables import orders
from orders.status import RELEASES_STOCK

o = orders.c
# The key `orders.customers.key_of` computes, in SQL: the lead's, or (an order without a chat) its contact's.
CONTACT_CHANNEL: ColumnElement[str] = case((o.channel != "", o.channel), else_=o.source)
CONTACT_USER: ColumnElement[str] = case(
    (o.customer_phone != "", literal(PHONE_KEY) + o.customer_phone),
    (o.customer_email != "", literal(EMAIL_KEY) + func.lower(o.customer_email)),
    else_=literal(ORDER_KEY) + cast(o.number, String),
)
KEY_CHANNEL: ColumnElement[str] = func.coalesce(o.lead_channel, CONTACT_CHANNEL)
KEY_USER: ColumnElement[str] = func.coalesce(o.lead_user_id, CONTACT_USER)
_KEPT = o.status.not_in(sorted(s.value for s in RELEASES_STOCK))


def _one(key: CustomerKey) -> ColumnElement[bool]:
    """Orders of one customer, written so that an index answers (the lead's, or the phone's)."""
    user = key.user_id
    if user.startswith(PHONE_KEY):
        return and_(o.lead_channel.is_(None), o.customer_phone == user.removeprefix(PHONE_KEY), _channel(key))
    if user.startswith(EMAIL_KEY):
        email = user.removeprefix(EMAIL_KEY)
        contact = and_(o.customer_phone == "", func.lower(o.customer_email) == email)
        return and_(o.lead_channel.is_(None), contact, _channel(key))
    if user.startswith(ORDER_KEY) and user.removeprefix(ORDER_KEY).isdigit():
        lone = and_(o.customer_phone == "", o.customer_email == "")
        return and_(o.lead_channel.is_(None), o.number == int(user.removeprefix(ORDER_KEY)), lone)
    return and_(o.lead_channel == key.channel, o.lead_user_id == user)


def _many(keys: set[CustomerKey]) -> ColumnElement[bool]:
    """Orders of any of these customers and maybe a few more (the same phone on another channel: the
    caller keeps only the keys it asked for), written so that one index answers each part."""
    by_kind: dict[str, list[Any]] = defaultdict(list)
    for key in keys:
        prefix = next((p for p in (PHONE_KEY, EMAIL_KEY, ORDER_KEY) if key.user_id.startswith(p)), "")
        value = key.user_id.removeprefix(prefix)
        if prefix == ORDER_KEY and not value.isdigit():
            prefix, value = "", key.user_id
        by_kind[prefix].append((key.channel, value) if not prefix else value)
    no_lead = o.lead_channel.is_(None)
    parts: list[ColumnElement[bool]] = []
    users_by_channel: dict[str, list[str]] = defaultdict(list)
    for channel, user_id in by_kind[""]:
        users_by_channel[channel].append(user_id)
    for channel, users in users_by_channel.items():  # a row-value IN would not use the lead's index
        parts.append(and_(o.lead_channel == channel, o.lead_user_id.in_(users)))
    if phones := by_kind[PHONE_KEY]:
        parts.append(and_(no_lead, o.customer_phone.in_(phones)))
    if emails := by_kind[EMAIL_KEY]:
        parts.append(and_(no_lead, o.customer_phone == "", func.lower(o.customer_email).in_(emails)))
    if numbers := by_kind[ORDER_KEY]:
        parts.append(and_(no_lead, o.number.in_([int(n) for n in numbers])))
    return or_(*parts)


def _channel(key: CustomerKey) -> ColumnElement[bool]:
    return KEY_CHANNEL == key.channel  # noqa: SIM300 (the SQL expression first: mypy types it so)


def _same_contact(n: Any) -> ColumnElement[bool]:
    """Another order row `n` (without a lead) has the same customer key as `orders` (without one)."""
    n_channel = case((n.channel != "", n.channel), else_=n.source)
    by_phone = and_(o.customer_phone != "", n.customer_phone == o.customer_phone)
    by_email = and_(
        o.customer_phone == "",
        o.customer_email != "",
        n.customer_phone == "",
        func.lower(n.customer_email) == func.lower(o.customer_email),
    )
    return and_(n_channel == case((o.channel != "", o.channel), else_=o.source), or_(by_phone, by_email))


def orders_of(key: CustomerKey) -> ColumnElement[bool]:
    """The SQL condition for this customer's orders."""
    return _one(key)


def _search(query: str) -> ColumnElement[bool]:
    pattern = like(query.strip())
    columns = (o.customer_name, o.customer_phone, o.customer_email)
    return or_(*(folded(c).like(pattern, escape="\\") for c in columns))


class CustomerRepository:
    """Customers, computed from their orders inside one transaction."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def summaries(self, keys: Sequence[CustomerKey]) -> dict[CustomerKey, CustomerSummary]:
        """The figures of these customers (a page of orders' customers)."""
        wanted = set(keys)
        if not wanted:
            return {}
        return {s.key: s for s in self._summarise(_many(wanted)) if s.key in wanted}

    def page(self, query: str, offset: int, limit: int) -> tuple[list[CustomerSummary], int]:
        """Customers, the latest to order first, optionally those whose name, phone or email matches."""
        if not query.strip():
            return self._everyone(offset, limit)
        condition = _search(query)
        grouped = select(KEY_CHANNEL.label("kc"), KEY_USER.label("ku")).where(condition)
        grouped = grouped.group_by(KEY_CHANNEL, KEY_USER)
        total = self._conn.execute(select(func.count()).select_from(grouped.subquery())).scalar_one()
        newest = func.max(o.id)
        page = grouped.add_columns(newest.label("latest")).order_by(newest.desc()).limit(limit).offset(offset)
        keys = [CustomerKey(r.kc, r.ku) for r in self._conn.execute(page)]
        found = self.summaries(keys)
        return [found[k] for k in keys if k in found], int(total)

    def _everyone(self, offset: int, limit: int) -> tuple[list[CustomerSummary], int]:
        """Every customer, by their latest order: the orders no later order of the same customer follows,
        newest first. Indexes answer both the walk and the count (grouping every order took a second)."""
        newer = orders.alias("newer")
        n = newer.c
        same_lead = and_(n.lead_channel == o.lead_channel, n.lead_user_id == o.lead_user_id, n.id > o.id)
        same_contact = and_(n.lead_channel.is_(None), n.id > o.id, _same_contact(n))
        latest = and_(
            or_(o.lead_channel.is_(None), ~exists().where(same_lead)),
            or_(o.lead_channel.is_not(None), ~exists().where(same_contact)),
        )
        walk = select(KEY_CHANNEL, KEY_USER).where(latest).order_by(o.id.desc()).limit(limit).offset(offset)
        keys = [CustomerKey(kc, ku) for kc, ku in self._conn.execute(walk)]
        leads = select(o.lead_channel, o.lead_user_id).where(o.lead_channel.is_not(None)).distinct()
        # Contacts from ix_orders_contacts alone: fetching each order without a chat took 20 of 40 ms.
        others = select(CONTACT_CHANNEL, CONTACT_USER).where(o.lead_channel.is_(None)).distinct()
        count = select(func.count()).select_from
        total = sum(self._conn.execute(count(q.subquery())).scalar_one() for q in (leads, others))
        found = self.summaries(keys)
        return [found[k] for k in keys if k in found], int(total)

    def _summarise(self, condition: ColumnElement[bool]) -> list[CustomerSummary]:
        kc, ku = KEY_CHANNEL.label("kc"), KEY_USER.label("ku")
        figures = (
            select(
                kc,
                ku,
                o.currency,
                func.count().label("orders"),
                func.sum(case((_KEPT, 1), else_=0)).label("kept"),
                func.sum(case((_KEPT, o.total), else_=0)).label("spent"),
                func.min(o.created_at).label("first"),
                func.max(o.created_at).label("last"),
                func.max(o.id).label("latest"),
            )
            .where(condition)
            .group_by(KEY_CHANNEL, KEY_USER, o.currency)
        )
        rows: dict[CustomerKey, list[Any]] = defaultdict(list)
        for row in self._conn.execute(figures):
            rows[CustomerKey(row.kc, row.ku)].append(row)
        latest_ids = [max(r.latest for r in group) for group in rows.values()]
        contact = select(o.id, o.customer_name, o.customer_phone, o.customer_email).where(
            o.id.in_(latest_ids)
        )
        contacts = {r.id: r for r in self._conn.execute(contact)} if latest_ids else {}
        return [_summary(key, group, contacts[max(r.latest for r in group)]) for key, group in rows.items()]


def _summary(key: CustomerKey, group: list[Any], contact: Any) -> CustomerSummary:
    return CustomerSummary(
        key=key,
        name=contact.customer_name,
        phone=contact.customer_phone,
        email=contact.customer_email,
        first_seen=min(r.first for r in group),
        last_order_at=max(r.last for r in group),
        orders=sum(int(r.orders) for r in group),
        kept=sum(int(r.kept) for r in group),
        spent={r.currency: int(r.spent) for r in group if r.spent},
    )
