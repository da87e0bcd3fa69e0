"""Order persistence in SQLAlchemy Core: numbering, inserts, guarded status updates and filtered lists."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, time, timedelta
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    Table,
    Update,
    and_,
    bindparam,
    cast,
    func,
    or_,
    select,
    update,
)
from sqlalchemy import String as SqlString

from catalog import limits
from orders.db.tables import (
    FIRST_ORDER_NUMBER,
    counters,
    idempotency_keys,
    order_events,
    order_lines,
    order_numbers,
    orders,
)
from orders.db.tables import payments as payments_table
from orders.filters import OrderFilter
from orders.model import Customer, Delivery, Lead, Order, OrderEvent, OrderLine, Payment
from orders.status import OrderSource, OrderStatus, PaymentMethod, PaymentStatus

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
    if f.carrier:
        conds.append(func.lower(orders.c.carrier) == f.carrier.strip().lower())
    if f.warehouse:
        conds.append(orders.c.warehouse == f.warehouse.strip())
    if f.tracking:
        conds.append(orders.c.tracking_number == f.tracking.strip())
    if f.query.strip():
        pattern = _like(f.query.strip())
        text_match = [
            func.lower(col).like(pattern, escape="\\")
            for col in (orders.c.customer_name, orders.c.customer_phone, orders.c.tracking_number)
        ]
        conds.append(or_(cast(orders.c.number, SqlString).like(pattern, escape="\\"), *text_match))
    return conds


def where(f: OrderFilter) -> ColumnElement[bool]:
    """The filter as one SQL condition on the orders table (other list queries share it)."""
    return and_(True, *_conditions(f))


def _to_order(
    m: Mapping[Any, Any], lines: list[OrderLine], events: list[OrderEvent], paid: list[Payment]
) -> Order:
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
        assignee_confirmed=bool(m["assignee_confirmed"]),
        history=tuple(events),
        payments=tuple(paid),
    )


# Built once: constructing a Core statement costs several times more than the database running it.
_BUMP_NUMBER = (
    update(counters)
    .where(counters.c.name == "order_number")
    .values(value=counters.c.value + 1)
    .returning(counters.c.value)
)
_NEXT_IN_SEQUENCE = select(order_numbers.next_value())
_INSERT_ORDER = orders.insert().returning(orders.c.id)
_INSERT_LINE = order_lines.insert()
_INSERT_EVENT = order_events.insert()
_BY_NUMBER = select(orders).where(orders.c.number == bindparam("b_number"))
_BY_NUMBER_LOCKED = _BY_NUMBER.with_for_update()
_BY_ID = select(orders).where(orders.c.id == bindparam("b_id"))


def _children_of(table: Table, order_by: ColumnElement[Any], *, many: bool) -> Select[Any]:
    """A child table's rows for one order (`b_id`) or for many (`b_ids`, an expanding IN that is
    rendered anew on every call, ~0.1 ms: a single order, the chat's case, does without)."""
    key = table.c.order_id
    match = key.in_(bindparam("b_ids", expanding=True)) if many else key == bindparam("b_id")
    return select(table).where(match).order_by(order_by)


# (lines, history, payments) of one order, and of many.
_CHILDREN = {
    many: (
        _children_of(order_lines, order_lines.c.position, many=many),
        _children_of(order_events, order_events.c.id, many=many),
        _children_of(payments_table, payments_table.c.id, many=many),
    )
    for many in (False, True)
}
_IDEMPOTENCY = select(idempotency_keys.c.request_hash, idempotency_keys.c.order_id).where(
    idempotency_keys.c.key == bindparam("b_key")
)


_NEW_ORDER_DEFAULTS: dict[str, Any] = {
    "discount": 0,
    "carrier": "",
    "tracking_number": "",
    "expected_delivery_date": None,
    "warehouse": "",
    "assignee": "",
    "assignee_confirmed": False,
    "note": "",
    "lead_channel": None,
    "lead_user_id": None,
}


def _line(m: Any) -> OrderLine:
    return OrderLine(m["product_id"], m["sku"], m["name"], m["quantity"], m["unit_price"], dict(m["fields"]))


def payment_from_row(m: Any) -> Payment:
    return Payment(
        m["amount"],
        m["currency"],
        m["provider"],
        m["status"],
        m["reference"],
        m["fee"],
        m["net"],
        m["created_at"],
        id=m["id"],
        method=m["method"],
        comment=m["comment"],
        paid_at=m["paid_at"],
        refunded=m["refunded"],
        actor=m["actor"],
        voided_at=m["voided_at"],
        voided_by=m["voided_by"],
    )


@cache
def _guarded_update(columns: tuple[str, ...]) -> Update:
    """One statement per set of columns, built once: building it per call cost ~0.2 ms (cache key)."""
    return (
        update(orders)
        .where(orders.c.id == bindparam("b_id"), orders.c.status == bindparam("b_status"))
        .values({name: bindparam(f"v_{name}") for name in columns})
    )


class OrderRepository:
    """The order tables, inside one transaction."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def next_number(self) -> int:
        """The next human order number: PostgreSQL's sequence, or SQLite's counter row."""
        if self._conn.dialect.name == "postgresql":
            return int(self._conn.execute(_NEXT_IN_SEQUENCE).scalar_one())
        number = self._conn.execute(_BUMP_NUMBER).scalar_one_or_none()
        if number is None:
            self._conn.execute(counters.insert().values(name="order_number", value=FIRST_ORDER_NUMBER))
            number = FIRST_ORDER_NUMBER
        return int(number)

    def insert(self, values: dict[str, Any], lines: Sequence[OrderLine], created: OrderEvent) -> Order:
        """Insert an order with its lines and first history event; returns it without reading it back."""
        values = _NEW_ORDER_DEFAULTS | values
        order_id = int(self._conn.execute(_INSERT_ORDER, values).scalar_one())
        line_rows = [
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
        ]
        if line_rows:  # a draft typed up by staff starts empty
            self._conn.execute(_INSERT_LINE, line_rows)
        self.add_events(order_id, [created])
        return _to_order(values | {"id": order_id}, list(lines), [created], [])

    def add_events(self, order_id: int, events: Iterable[OrderEvent]) -> None:
        rows = [
            {"order_id": order_id, "kind": e.kind, "actor": e.actor, "at": e.at, "data": e.data}
            for e in events
        ]
        if rows:
            self._conn.execute(_INSERT_EVENT, rows)

    def update_guarded(self, order_id: int, expected_status: OrderStatus, values: dict[str, Any]) -> bool:
        """Apply values only if the status is still the one the caller decided on."""
        statement = _guarded_update(tuple(sorted(values)))
        params = {f"v_{name}": value for name, value in values.items()}
        params |= {"b_id": order_id, "b_status": expected_status.value}
        return self._conn.execute(statement, params).rowcount == 1

    def get(self, number: int, *, for_update: bool = False) -> Order | None:
        if not 0 < number <= limits.MAX_INT:
            return None  # no column holds it: no such order (PostgreSQL would refuse the query itself)
        found = self._load(_BY_NUMBER_LOCKED if for_update else _BY_NUMBER, {"b_number": number})
        return found[0] if found else None

    def get_by_id(self, order_id: int) -> Order | None:
        found = self._load(_BY_ID, {"b_id": order_id})
        return found[0] if found else None

    def search(self, f: OrderFilter) -> tuple[list[Order], int]:
        condition = where(f)
        total = self._conn.execute(select(func.count()).select_from(orders).where(condition)).scalar_one()
        page = select(orders).where(condition).order_by(orders.c.created_at.desc(), orders.c.id.desc())
        return self._load(page.limit(f.per_page).offset(f.offset)), int(total)

    def load_page(self, query: Select[Any], page: int, per_page: int) -> list[Order]:
        """A page of the orders `query` selects (its own order), with their lines, history and payments."""
        return self._load(query.limit(per_page).offset((page - 1) * per_page))

    def export_batches(self, f: OrderFilter, batch: int = 500) -> list[list[Order]]:
        """Every matching order, newest first, loaded a batch at a time."""
        where = and_(True, *_conditions(f))
        base = select(orders).where(where).order_by(orders.c.created_at.desc(), orders.c.id.desc())
        batches: list[list[Order]] = []
        offset = 0
        while chunk := self._load(base.limit(batch).offset(offset)):
            batches.append(chunk)
            offset += batch
        return batches

    def _load(self, query: Select[Any], params: dict[str, Any] | None = None) -> list[Order]:
        """Orders with their lines, history and payments: four queries whatever the page size."""
        rows = self._conn.execute(query, params or {}).all()
        if not rows:
            return []
        ids = [r._mapping["id"] for r in rows]
        lines_of, events_of, payments_of = _CHILDREN[len(ids) > 1]
        keys = {"b_ids": ids} if len(ids) > 1 else {"b_id": ids[0]}
        lines: dict[int, list[OrderLine]] = defaultdict(list)
        for r in self._conn.execute(lines_of, keys):
            lines[r._mapping["order_id"]].append(_line(r._mapping))
        events: dict[int, list[OrderEvent]] = defaultdict(list)
        for r in self._conn.execute(events_of, keys):
            m = r._mapping
            events[m["order_id"]].append(OrderEvent(m["kind"], m["actor"], m["at"], dict(m["data"])))
        paid: dict[int, list[Payment]] = defaultdict(list)
        for r in self._conn.execute(payments_of, keys):
            paid[r._mapping["order_id"]].append(payment_from_row(r._mapping))
        return [_to_order(r._mapping, lines[r.id], events[r.id], paid[r.id]) for r in rows]

    def claim_due_reminders(self, now: datetime) -> list[Order]:
        """Mark due COD reminders as sent and return their orders: each order is reminded once, ever."""
        claimed = (
            update(orders)
            .where(
                orders.c.status == OrderStatus.PENDING.value,
                orders.c.remind_at <= now,
                orders.c.reminder_sent_at.is_(None),
            )
            .values(reminder_sent_at=now)
            .returning(orders.c.id)
        )
        ids = [row[0] for row in self._conn.execute(claimed)]
        return self._load(select(orders).where(orders.c.id.in_(ids))) if ids else []

    def idempotent_order(self, key: str) -> tuple[str, int] | None:
        """(request hash, order id) stored for an Idempotency-Key, if any."""
        row = self._conn.execute(_IDEMPOTENCY, {"b_key": key}).first()
        return (row[0], row[1]) if row else None

    def remember_idempotency(self, key: str, request_hash: str, order_id: int, now: datetime) -> None:
        values = {"key": key, "request_hash": request_hash, "order_id": order_id, "created_at": now}
        self._conn.execute(idempotency_keys.insert(), values)
