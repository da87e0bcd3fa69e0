"""Order edits as one transaction each: customer, delivery, lines with their stock, money, notes, the sales
manager, and a status change through the same service the API uses. Shared by the dashboard and the API."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy import Connection

from catalog.db.products import ProductRepository
from orders.commands import ChangeStatus
from orders.db import order_pages
from orders.db.engine import Database
from orders.db.orders import OrderRepository
from orders.editing import (
    EditOrder,
    InvalidEdit,
    Keep,
    check_lines_editable,
    line_changes,
    problems_of,
    resolve_lines,
    stock_deltas,
)
from orders.errors import ConcurrentUpdate, OrderNotFound, OutOfStock
from orders.model import Customer, Delivery, Order, OrderEvent, OrderLine, totals
from orders.placement import check_total
from orders.services import OrderService
from orders.store import StoreConfig

# Edited value -> orders column (the same names, but for the expected delivery date).
_COLUMNS = {
    "customer_name": "customer_name",
    "customer_phone": "customer_phone",
    "customer_email": "customer_email",
    "delivery_method": "delivery_method",
    "delivery_address": "delivery_address",
    "carrier": "carrier",
    "tracking_number": "tracking_number",
    "warehouse": "warehouse",
    "note": "note",
    "discount": "discount",
    "delivery_fee": "delivery_fee",
}


def _current(order: Order) -> dict[str, Any]:
    d, c = order.delivery, order.customer
    return {
        "customer_name": c.name,
        "customer_phone": c.phone,
        "customer_email": c.email,
        "delivery_method": d.method,
        "delivery_address": d.address,
        "carrier": d.carrier,
        "tracking_number": d.tracking_number,
        "warehouse": order.warehouse,
        "note": order.note,
        "discount": order.discount,
        "delivery_fee": order.delivery_fee,
        "expected_delivery_date": d.expected_date,
    }


def _changed_values(edit: EditOrder, before: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, column in _COLUMNS.items():
        new = getattr(edit, name)
        if isinstance(new, str):
            new = new.strip()
        if new is not None and new != before[column]:
            values[column] = new
    expected = edit.expected_delivery
    if not isinstance(expected, Keep) and expected != before["expected_delivery_date"]:
        values["expected_delivery_date"] = expected
    return values


def _apply(order: Order, values: dict[str, Any], lines: list[OrderLine]) -> Order:
    """The order as it is once `values` (columns) and `lines` are written."""
    row = _current(order) | values
    expected: date | None = row["expected_delivery_date"]
    return replace(
        order,
        customer=Customer(row["customer_name"], row["customer_phone"], row["customer_email"]),
        delivery=Delivery(
            row["delivery_method"], row["delivery_address"], row["carrier"], row["tracking_number"], expected
        ),
        warehouse=row["warehouse"],
        note=row["note"],
        discount=values.get("discount", order.discount),
        delivery_fee=values.get("delivery_fee", order.delivery_fee),
        subtotal=values.get("subtotal", order.subtotal),
        total=values.get("total", order.total),
        assignee=values.get("assignee", order.assignee),
        assignee_confirmed=values.get("assignee_confirmed", order.assignee_confirmed),
        lines=tuple(lines),
        updated_at=values.get("updated_at", order.updated_at),
    )


def _history_value(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


class OrderEditor:
    """Edits orders in one transaction each; the status part goes through `OrderService`."""

    def __init__(self, db: Database, store: StoreConfig, orders: OrderService) -> None:
        self._db = db
        self._store = store
        self._orders = orders

    async def edit(self, edit: EditOrder) -> Order:
        order = await self._db.write(lambda conn: self.edit_in(conn, edit))
        self._orders.after_commit()
        return order

    def edit_in(self, conn: Connection, edit: EditOrder) -> Order:
        now = self._orders.now()
        repo = OrderRepository(conn)
        order = self._editable(repo, edit)
        before = _current(order)
        values = _changed_values(edit, before)
        lines = list(order.lines) if edit.lines is None else self._new_lines(conn, order, edit)
        events: list[OrderEvent] = []
        said = line_changes(order.lines, lines)
        if said:
            events.append(OrderEvent("lines_changed", edit.actor, now, {"changes": said}))
        values |= self._money(order, values, lines)
        who = edit.assignee.strip() if edit.assignee is not None else order.assignee
        if who != order.assignee:
            values |= {"assignee": who, "assignee_confirmed": False}
            events.append(OrderEvent("sales_manager_assigned", edit.actor, now, {"to": who}))
        changes = {
            name: [_history_value(before[name]), _history_value(value)]
            for name, value in values.items()
            if name in before
        }
        if changes:
            events.append(OrderEvent("edited", edit.actor, now, {"changes": changes}))
        if values or said:
            values["updated_at"] = now
            if not repo.update_guarded(order.id, order.status, values):
                raise ConcurrentUpdate(f"order {order.number} changed meanwhile; reload and retry")
        if said:
            order_pages.replace_lines(conn, order.id, lines)
        repo.add_events(order.id, events)
        updated = replace(_apply(order, values, lines), history=(*order.history, *events))
        if edit.status is not None and edit.status is not order.status:
            command = ChangeStatus(order.number, edit.status, edit.actor)
            updated = self._orders.change_status_in(conn, command, current=updated)
        return updated

    def _editable(self, repo: OrderRepository, edit: EditOrder) -> Order:
        """The order, locked, if the edit is valid and made on what is stored now."""
        order = repo.get(edit.number, for_update=True)
        if order is None:
            raise OrderNotFound(edit.number)
        if edit.seen is not None and edit.seen != order.updated_at:
            # Someone else saved this order after the editor opened it: theirs is not overwritten unseen.
            raise ConcurrentUpdate(f"order {order.number} was changed meanwhile; reload it and edit again")
        if problems := problems_of(edit, self._store):
            raise InvalidEdit(problems)
        return order

    def _new_lines(self, conn: Connection, order: Order, edit: EditOrder) -> list[OrderLine]:
        """The edited lines, with stock taken or given back for each product in this transaction."""
        assert edit.lines is not None
        check_lines_editable(order)
        products = ProductRepository(conn)
        wanted_ids = [e.product_id for e in edit.lines if e.product_id is not None]
        wanted_skus = [e.sku for e in edit.lines if e.sku is not None and e.position is None]
        catalog = products.get_many(ids=wanted_ids, skus=wanted_skus)
        lines = resolve_lines(order.lines, edit.lines, catalog, self._store)
        tracked = {p.id: p for p in products.get_many(ids=stock_deltas(order.lines, lines))}
        # Products in id order, as placing an order locks them: two edits never wait on each other in a cycle.
        for product_id, delta in stock_deltas(order.lines, lines).items():
            product = tracked.get(product_id)
            if product is None or not product.tracks_stock:
                continue
            if delta < 0:
                products.release(product_id, -delta)
            elif not products.reserve(product_id, delta):
                fresh = products.get_by_sku(product.sku)
                raise OutOfStock(product.sku, delta, fresh.stock if fresh else 0)
        return lines

    def _money(self, order: Order, values: dict[str, Any], lines: list[OrderLine]) -> dict[str, Any]:
        fee = values.get("delivery_fee", order.delivery_fee)
        discount = values.get("discount", order.discount)
        subtotal, total = totals(lines, fee, discount)
        if discount > subtotal + fee:
            raise InvalidEdit({"discount": "More than the order's amount"})
        check_total(subtotal + fee)
        changed = {}
        if subtotal != order.subtotal:
            changed["subtotal"] = subtotal
        if total != order.total:
            changed["total"] = total
        return changed

    async def confirm_sale(self, number: int, actor: str, assignee: str | None = None) -> Order:
        """`Check`: the sales manager (or a new one, or "system") is confirmed as who made the sale."""

        def work(conn: Connection) -> Order:
            repo = OrderRepository(conn)
            order = repo.get(number, for_update=True)
            if order is None:
                raise OrderNotFound(number)
            who = (assignee if assignee is not None else order.assignee).strip() or "system"
            if problems := problems_of(EditOrder(number, actor, assignee=who), self._store):
                raise InvalidEdit(problems)
            now = self._orders.now()
            values = {"assignee": who, "assignee_confirmed": True, "updated_at": now}
            if not repo.update_guarded(order.id, order.status, values):
                raise ConcurrentUpdate(f"order {number} changed meanwhile; reload and retry")
            event = OrderEvent("sales_manager_confirmed", actor, now, {"sales_manager": who})
            repo.add_events(order.id, [event])
            return replace(_apply(order, values, list(order.lines)), history=(*order.history, event))

        return await self._db.write(work)
