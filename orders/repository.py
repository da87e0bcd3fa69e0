"""Order persistence in SQLAlchemy Core: numbering, inserts, guarded status updates and filtered lists."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, and_, cast, func, or_, select, update
from sqlalchemy import String as SqlString
from sqlalchemy.ext.asyncio import AsyncConnection

from orders.filters import OrderFilter
from orders.model import Customer, Delivery, Lead, Order, OrderEvent, OrderLine, Payment
from orders.status import OrderSource, OrderStatus, PaymentMethod, PaymentStatus
from orders.tables import FIRST_ORDER_NUMBER, counters, idempotency_keys, order_events, order_lines, orders
from orders.tables import payments as payments_table

_UTC_DAY_START = time(0, 0, tzinfo=UTC)


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _conditions(f: OrderFilter) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    wanted = f.wanted_statuses
    if wanted is not None:
        conds.append(orders.c.status.in_(sorted(s.value for s in wanted)))
    if f.channel:
        conds.append(orders.c.channel == f.channel)
    if f.payment_status is not None:
        conds.append(orders.c.payment_status == f.payment_status.value)
    if f.date_from is not None:
        conds.append(orders.c.created_at >= datetime.combine(f.date_from, _UTC_DAY_START))
    if f.date_to is not None:
        end = datetime.combine(f.date_to + timedelta(days=1), _UTC_DAY_START)
        conds.append(orders.c.created_at < end)
    if f.query.strip():
        pattern = _like(f.query.strip())
        text_match = [
            func.lower(col).like(pattern, escape="\\")
            for col in (orders.c.customer_name, orders.c.customer_phone, orders.c.tracking_number)
        ]
        conds.append(or_(cast(orders.c.number, SqlString).like(pattern, escape="\\"), *text_match))
    return conds


def _to_order(row: Row[Any], lines: list[OrderLine], events: list[OrderEvent], paid: list[Payment]) -> Order:
    m = row._mapping
    lead = Lead(m["lead_channel"], m["lead_user_id"]) if m["lead_channel"] else None
    return Order(
        id=m["id"],
        number=m["number"],
        status=OrderStatus(m["status"]),
        payment_status=PaymentStatus(m["payment_status"]),
        payment_method=PaymentMethod(m["payment_method"]),
        currency=m["currency"],
        subtotal=m["subtotal"],
        delivery_fee=m["delivery_fee"],
        discount=m["discount"],
        total=m["total"],
        customer=Customer(m["customer_name"], m["customer_phone"], m["customer_email"]),
        lead=lead,
        source=OrderSource(m["source"]),
        channel=m["channel"],
        language=m["language"],
        delivery=Delivery(
            m["delivery_method"],
            m["delivery_address"],
            m["carrier"],
            m["tracking_number"],
            m["expected_delivery_date"],
        ),
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        lines=tuple(lines),
        fields=dict(m["fields"] or {}),
        note=m["note"],
        warehouse=m["warehouse"],
        assignee=m["assignee"],
        history=tuple(events),
        payments=tuple(paid),
    )


class OrderRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def next_number(self) -> int:
        """The next human order number; the counter row serialises concurrent placements."""
        bump = (
            update(counters)
            .where(counters.c.name == "order_number")
            .values(value=counters.c.value + 1)
            .returning(counters.c.value)
        )
        number = (await self._conn.execute(bump)).scalar_one_or_none()
        if number is None:
            await self._conn.execute(counters.insert().values(name="order_number", value=FIRST_ORDER_NUMBER))
            number = FIRST_ORDER_NUMBER
        return int(number)

    async def insert(self, values: dict[str, Any], lines: Sequence[OrderLine]) -> int:
        order_id = int(
            (await self._conn.execute(orders.insert().values(values).returning(orders.c.id))).scalar_one()
        )
        await self._conn.execute(
            order_lines.insert(),
            [
                {
                    "order_id": order_id,
                    "position": i,
                    "product_id": line.product_id,
                    "sku": line.sku,
                    "name": line.name,
                    "quantity": line.quantity,
                    "unit_price": line.unit_price,
                    "fields": line.fields,
                }
                for i, line in enumerate(lines)
            ],
        )
        return order_id

    async def add_events(self, order_id: int, events: Iterable[OrderEvent]) -> None:
        rows = [
            {"order_id": order_id, "kind": e.kind, "actor": e.actor, "at": e.at, "data": e.data}
            for e in events
        ]
        if rows:
            await self._conn.execute(order_events.insert(), rows)

    async def update_guarded(
        self, order_id: int, expected_status: OrderStatus, values: dict[str, Any]
    ) -> bool:
        """Apply values only if the status is still the one the caller decided on."""
        query = (
            update(orders)
            .where(orders.c.id == order_id, orders.c.status == expected_status.value)
            .values(values)
        )
        return (await self._conn.execute(query)).rowcount == 1

    async def get(self, number: int, *, for_update: bool = False) -> Order | None:
        query = select(orders).where(orders.c.number == number)
        if for_update:
            query = query.with_for_update()
        found = await self._load(query)
        return found[0] if found else None

    async def get_by_id(self, order_id: int) -> Order | None:
        found = await self._load(select(orders).where(orders.c.id == order_id))
        return found[0] if found else None

    async def search(self, f: OrderFilter) -> tuple[list[Order], int]:
        where = and_(True, *_conditions(f))
        total = (await self._conn.execute(select(func.count()).select_from(orders).where(where))).scalar_one()
        page = select(orders).where(where).order_by(orders.c.created_at.desc(), orders.c.id.desc())
        return await self._load(page.limit(f.per_page).offset(f.offset)), int(total)

    async def export_batches(self, f: OrderFilter, batch: int = 500) -> list[list[Order]]:
        """Every matching order, newest first, loaded a batch at a time."""
        where = and_(True, *_conditions(f))
        base = select(orders).where(where).order_by(orders.c.created_at.desc(), orders.c.id.desc())
        batches: list[list[Order]] = []
        offset = 0
        while chunk := await self._load(base.limit(batch).offset(offset)):
            batches.append(chunk)
            offset += batch
        return batches

    async def _load(self, query: Select[Any]) -> list[Order]:
        rows = (await self._conn.execute(query)).all()
        if not rows:
            return []
        ids = [r._mapping["id"] for r in rows]
        lines: dict[int, list[OrderLine]] = defaultdict(list)
        line_query = (
            select(order_lines).where(order_lines.c.order_id.in_(ids)).order_by(order_lines.c.position)
        )
        for r in await self._conn.execute(line_query):
            m = r._mapping
            lines[m["order_id"]].append(
                OrderLine(
                    m["product_id"], m["sku"], m["name"], m["quantity"], m["unit_price"], dict(m["fields"])
                )
            )
        events: dict[int, list[OrderEvent]] = defaultdict(list)
        event_query = select(order_events).where(order_events.c.order_id.in_(ids)).order_by(order_events.c.id)
        for r in await self._conn.execute(event_query):
            m = r._mapping
            events[m["order_id"]].append(OrderEvent(m["kind"], m["actor"], m["at"], dict(m["data"])))
        paid: dict[int, list[Payment]] = defaultdict(list)
        pay_query = (
            select(payments_table).where(payments_table.c.order_id.in_(ids)).order_by(payments_table.c.id)
        )
        for r in await self._conn.execute(pay_query):
            m = r._mapping
            paid[m["order_id"]].append(
                Payment(
                    m["amount"],
                    m["currency"],
                    m["provider"],
                    m["status"],
                    m["reference"],
                    m["fee"],
                    m["net"],
                    m["created_at"],
                )
            )
        return [
            _to_order(r, lines[r._mapping["id"]], events[r._mapping["id"]], paid[r._mapping["id"]])
            for r in rows
        ]

    async def idempotent_order(self, key: str) -> tuple[str, int] | None:
        """(request hash, order id) stored for an Idempotency-Key, if any."""
        query = select(idempotency_keys.c.request_hash, idempotency_keys.c.order_id).where(
            idempotency_keys.c.key == key
        )
        row = (await self._conn.execute(query)).first()
        return (row[0], row[1]) if row else None

    async def remember_idempotency(self, key: str, request_hash: str, order_id: int, now: datetime) -> None:
        await self._conn.execute(
            idempotency_keys.insert().values(
                key=key, request_hash=request_hash, order_id=order_id, created_at=now
            )
        )
