"""The order page's one form, read into an `EditOrder`: only the cards opened for editing send their fields
(a closed card's fieldset is disabled), amounts are typed in major units, lines come as parallel lists."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from starlette.datastructures import FormData

from catalog.money import MoneyError, parse_major
from catalog.product import Product
from orders.editing import EditOrder, Keep, LineEdit
from orders.model import FieldValue, OrderLine
from orders.status import OrderStatus
from orders.store import StoreConfig

CARDS = ("customer", "delivery", "warehouse", "products", "notes", "sales")
MAX_LINES = 200


@dataclass(frozen=True, slots=True)
class ParsedEdit:
    """The edit, the cards it came from, and what could not even be read (field -> problem)."""

    edit: EditOrder
    cards: frozenset[str]
    problems: dict[str, str] = field(default_factory=dict)


def form_text(form: FormData, name: str) -> str | None:
    value = form.get(name)
    return value if isinstance(value, str) else None


def _amount(form: FormData, name: str, store: StoreConfig, problems: dict[str, str]) -> int | None:
    raw = (form_text(form, name) or "").strip()
    if not raw:
        return 0
    try:
        return parse_major(raw, store.currency, store.price_locale)
    except MoneyError:
        problems[name] = "Not an amount (for example 12.50)"
        return None


def _expected(form: FormData, problems: dict[str, str]) -> date | Keep | None:
    raw = (form_text(form, "expected_delivery") or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        problems["expected_delivery"] = "Not a date"
        return Keep.KEEP


def _fields(raw: str) -> dict[str, FieldValue]:
    try:
        loaded = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    if not isinstance(loaded, dict):
        return {}
    return {str(k): v for k, v in loaded.items() if isinstance(v, str | int | float)}


def _quantity(raw: str, problems: dict[str, str]) -> int:
    try:
        quantity = int(raw.strip() or "0")
    except ValueError:
        problems["lines"] = "A quantity must be a whole number"
        return 0
    return quantity


def read_lines(form: FormData, store: StoreConfig, problems: dict[str, str]) -> tuple[LineEdit, ...]:
    refs = [str(v) for v in form.getlist("line")][:MAX_LINES]
    quantities = [str(v) for v in form.getlist("line_qty")]
    extras = [str(v) for v in form.getlist("line_fields")]
    removed = {str(v) for v in form.getlist("remove")}
    lines: list[LineEdit] = []
    for i, ref in enumerate(refs):
        quantity = 0 if ref in removed else _quantity(quantities[i] if i < len(quantities) else "", problems)
        kind, _, key = ref.partition(":")
        if kind == "pos" and key.isdigit():
            lines.append(LineEdit(quantity, position=int(key)))
        elif kind == "sku" and key:
            lines.append(LineEdit(quantity, sku=key, fields=_fields(extras[i] if i < len(extras) else "")))
    added = (form_text(form, "add_sku") or "").strip()
    if added:  # the picker, sent with Save when no script added it as a row
        wanted = {
            s.name: (form_text(form, f"add_field_{s.name}") or "") for s in store.item_fields_for(added)
        }
        given: dict[str, FieldValue] = {k: v for k, v in wanted.items() if v}
        lines.append(
            LineEdit(_quantity(form_text(form, "add_qty") or "1", problems), sku=added, fields=given)
        )
    return tuple(lines)


def parse_edit(form: FormData, number: int, actor: str, store: StoreConfig) -> ParsedEdit:
    """The changes a submitted order form asks for."""
    cards = frozenset(str(c) for c in form.getlist("cards")) & frozenset(CARDS)
    problems: dict[str, str] = {}
    values: dict[str, object] = {}
    if "customer" in cards:
        values |= {n: form_text(form, n) for n in ("customer_name", "customer_phone", "customer_email")}
    if "delivery" in cards:
        values |= {
            n: form_text(form, n)
            for n in ("delivery_method", "delivery_address", "carrier", "tracking_number")
        }
        values["expected_delivery"] = _expected(form, problems)
        status = (form_text(form, "status") or "").strip()
        if status:
            try:
                values["status"] = OrderStatus(status)
            except ValueError:
                problems["status"] = "Unknown status"
    if "warehouse" in cards:
        values["warehouse"] = form_text(form, "warehouse")
    if "products" in cards:
        values["lines"] = read_lines(form, store, problems)
        values["discount"] = _amount(form, "discount", store, problems)
        values["delivery_fee"] = _amount(form, "delivery_fee", store, problems)
    if "notes" in cards:
        values["note"] = form_text(form, "note")
    if "sales" in cards:
        values["assignee"] = form_text(form, "assignee")
    edit = EditOrder(number, actor, **values)  # type: ignore[arg-type]
    return ParsedEdit(edit, cards, problems)


@dataclass(frozen=True, slots=True)
class LineRow:
    """A row of a lines table being edited: a kept line (`pos:N`) or a product to add (`sku:X`)."""

    ref: str
    name: str
    sku: str
    quantity: str
    fields: str  # JSON of the item field values, for a product to add
    unit_price: int | None
    removed: bool = False


def stored_rows(lines: Sequence[OrderLine]) -> list[LineRow]:
    return [
        LineRow(f"pos:{i}", line.name, line.sku, str(line.quantity), "", line.unit_price)
        for i, line in enumerate(lines)
    ]


def typed_rows(form: FormData, lines: Sequence[OrderLine], products: Sequence[Product]) -> list[LineRow]:
    """The rows as they were sent, so a refused Save shows them again instead of losing them."""
    by_sku = {p.sku: p for p in products}
    quantities = [str(v) for v in form.getlist("line_qty")]
    extras = [str(v) for v in form.getlist("line_fields")]
    removed = {str(v) for v in form.getlist("remove")}
    rows: list[LineRow] = []
    for i, ref in enumerate(str(v) for v in form.getlist("line")[:MAX_LINES]):
        quantity = quantities[i] if i < len(quantities) else ""
        kind, _, key = ref.partition(":")
        if kind == "pos" and key.isdigit() and int(key) < len(lines):
            line = lines[int(key)]
            rows.append(LineRow(ref, line.name, line.sku, quantity, "", line.unit_price, ref in removed))
        elif kind == "sku" and key in by_sku:
            product, extra = by_sku[key], extras[i] if i < len(extras) else ""
            rows.append(LineRow(ref, product.name, key, quantity, extra, product.price, ref in removed))
    return rows
