"""Editing a placed order (pure rules): what may change, how each value is checked, the new lines priced
and merged, and how much stock each product must give or take back."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum

from catalog import limits
from catalog.product import Product
from orders.contacts import valid_email, valid_phone
from orders.errors import InvalidOrder, OrderError, UnknownProduct
from orders.model import FieldValue, Order, OrderLine
from orders.placement import MAX_LINE_QUANTITY, parse_fields
from orders.status import OrderStatus
from orders.store import StoreConfig

MAX_NOTE = 10_000
MAX_ADDRESS = 1000
# Lines may change while the goods are still in the shop; after that the parcel is what it is.
LINES_EDITABLE = frozenset(
    {OrderStatus.PENDING, OrderStatus.CONFIRMED, OrderStatus.COLLECTED, OrderStatus.READY_FOR_PICKUP}
)


class Keep(Enum):
    """An optional date left as it is (None clears it)."""

    KEEP = 0


class InvalidEdit(OrderError):
    """Values of an edit are wrong; `problems` says which and why, field by field."""

    code = "invalid_edit"

    def __init__(self, problems: Mapping[str, str]) -> None:
        self.problems = dict(problems)
        super().__init__("; ".join(f"{name}: {text}" for name, text in self.problems.items()))


@dataclass(frozen=True, slots=True)
class LineEdit:
    """One wanted line: an existing line by its `position`, or a product by SKU or id (priced anew)."""

    quantity: int
    sku: str | None = None
    product_id: int | None = None
    fields: dict[str, FieldValue] = field(default_factory=dict)
    position: int | None = None


@dataclass(frozen=True, slots=True)
class EditOrder:
    """The changes to one order; None (or KEEP) leaves a value as it is."""

    number: int
    actor: str
    customer_name: str | None = None
    customer_phone: str | None = None
    customer_email: str | None = None
    delivery_method: str | None = None
    delivery_address: str | None = None
    carrier: str | None = None
    tracking_number: str | None = None
    expected_delivery: date | Keep | None = Keep.KEEP
    warehouse: str | None = None
    note: str | None = None
    discount: int | None = None
    delivery_fee: int | None = None
    assignee: str | None = None
    lines: tuple[LineEdit, ...] | None = None
    status: OrderStatus | None = None
    seen: datetime | None = None  # when the order was last changed as the editor saw it (None: do not check)


_TEXT_LIMITS = {
    "customer_name": limits.CUSTOMER_NAME,
    "delivery_address": MAX_ADDRESS,
    "carrier": limits.CARRIER,
    "tracking_number": limits.TRACKING_NUMBER,
    "warehouse": limits.WAREHOUSE,
    "note": MAX_NOTE,
    "assignee": limits.EMAIL,
}


def problems_of(edit: EditOrder, store: StoreConfig) -> dict[str, str]:
    """Each wrong value of an edit, by field name, in words a person can act on."""
    problems: dict[str, str] = {}
    if edit.customer_email is not None and not valid_email(edit.customer_email):
        problems["customer_email"] = "Invalid email"
    if edit.customer_phone is not None and not valid_phone(edit.customer_phone):
        problems["customer_phone"] = "Invalid phone number"
    for name, limit in _TEXT_LIMITS.items():
        value = getattr(edit, name)
        if value is None:
            continue
        if len(value) > limit:
            problems[name] = f"At most {limit} characters"
        elif (problem := limits.storable_text(value)) is not None:
            problems[name] = problem.capitalize()
    method = edit.delivery_method
    if method is not None and method and method not in store.store.delivery:
        problems["delivery_method"] = f"One of: {', '.join(store.store.delivery)}"
    for line in edit.lines or ():
        sku = line.sku or ""
        if len(sku) > limits.SKU or limits.storable_text(sku) is not None:
            problems["lines"] = "Unknown product"  # no catalog holds such a SKU; never ask the database
    for name in ("discount", "delivery_fee"):
        amount = getattr(edit, name)
        if amount is not None and not 0 <= amount <= limits.MAX_INT:
            problems[name] = "Must be 0 or more"
    return problems


def _key(product_id: int | None, sku: str, fields: Mapping[str, FieldValue]) -> tuple[object, ...]:
    return (product_id if product_id is not None else sku, tuple(sorted(fields.items())))


def _priced(
    index: int,
    edit: LineEdit,
    by_sku: Mapping[str, Product],
    by_id: Mapping[int, Product],
    store: StoreConfig,
) -> OrderLine:
    product = by_id.get(edit.product_id) if edit.product_id is not None else by_sku.get(edit.sku or "")
    if product is None:
        raise UnknownProduct(f"lines #{index}: unknown product {edit.sku or edit.product_id}")
    if not product.active:
        raise UnknownProduct(f"lines #{index}: product {product.sku} is not on sale")
    fields = parse_fields(store.item_fields_for(product.sku), edit.fields, f"lines #{index}")
    return OrderLine(product.id, product.sku, product.name, edit.quantity, product.price, fields)


def resolve_lines(
    current: Sequence[OrderLine], edits: Sequence[LineEdit], catalog: Sequence[Product], store: StoreConfig
) -> list[OrderLine]:
    """The order's new lines: a kept line keeps its price and name (what the shopper was quoted), a line
    that matches an existing one (same product and item fields) too; a new product is priced from the
    catalog. Equal lines merge; a quantity of 0 drops a line."""
    by_sku = {p.sku: p for p in catalog}
    by_id = {p.id: p for p in catalog}
    existing = {_key(line.product_id, line.sku, line.fields): line for line in current}
    merged: dict[tuple[object, ...], OrderLine] = {}
    for index, edit in enumerate(edits, start=1):
        if not 0 <= edit.quantity <= MAX_LINE_QUANTITY:
            raise InvalidOrder(f"lines #{index}: quantity must be between 0 and {MAX_LINE_QUANTITY}")
        if edit.position is not None:
            if not 0 <= edit.position < len(current):
                raise InvalidOrder(f"lines #{index}: the order has no line {edit.position + 1}")
            base = current[edit.position]
        else:
            wanted = _priced(index, edit, by_sku, by_id, store)
            base = existing.get(_key(wanted.product_id, wanted.sku, wanted.fields), wanted)
        if edit.quantity == 0:
            continue
        key = _key(base.product_id, base.sku, base.fields)
        before = merged.get(key)
        quantity = edit.quantity + (before.quantity if before else 0)
        merged[key] = OrderLine(base.product_id, base.sku, base.name, quantity, base.unit_price, base.fields)
    return list(merged.values())


def stock_deltas(old: Sequence[OrderLine], new: Sequence[OrderLine]) -> dict[int, int]:
    """Units each product must give (positive: reserve more) or take back (negative), by product id."""
    wanted: Counter[int] = Counter()
    for line in new:
        if line.product_id is not None:
            wanted[line.product_id] += line.quantity
    for line in old:
        if line.product_id is not None:
            wanted[line.product_id] -= line.quantity
    return {product_id: delta for product_id, delta in sorted(wanted.items()) if delta}


def check_lines_editable(order: Order) -> None:
    if order.status not in LINES_EDITABLE:
        raise InvalidEdit({"lines": f"The products of an order that is {order.status.label} cannot change"})


def line_changes(old: Sequence[OrderLine], new: Sequence[OrderLine]) -> list[str]:
    """What the history says about changed lines: added, removed, quantity from → to."""
    before = {_key(line.product_id, line.sku, line.fields): line for line in old}
    after = {_key(line.product_id, line.sku, line.fields): line for line in new}
    said = [f"added {line.quantity} × {line.name}" for key, line in after.items() if key not in before]
    said += [f"removed {line.name}" for key, line in before.items() if key not in after]
    said += [
        f"{line.name}: {before[key].quantity} → {line.quantity}"
        for key, line in after.items()
        if key in before and before[key].quantity != line.quantity
    ]
    return said
