"""Turning a PlaceOrder request into priced, validated order lines (pure rules over catalog products)."""

from __future__ import annotations

from collections.abc import Mapping

from catalog import limits
from catalog.product import Product
from orders.commands import ChangeStatus, LineRequest, PlaceOrder
from orders.errors import InvalidOrder, UnknownProduct
from orders.fields import FieldSpec, FieldValueError
from orders.model import FieldValue, OrderLine
from orders.status import PaymentMethod
from orders.store import StoreConfig

MAX_LINE_QUANTITY = 10_000


def _find(products: Mapping[str, Product], by_id: Mapping[int, Product], req: LineRequest) -> Product:
    product = by_id.get(req.product_id) if req.product_id is not None else products.get(req.sku or "")
    wanted = req.sku if req.sku is not None else f"product_id {req.product_id}"
    if product is None:
        raise UnknownProduct(f"unknown product {wanted}")
    if not product.active:
        raise UnknownProduct(f"product {product.sku} is not on sale")
    return product


def parse_fields(
    specs: tuple[FieldSpec, ...],
    given: Mapping[str, object],
    where: str,
    fallbacks: Mapping[str, str] | None = None,
    *,
    method: str = "",
) -> dict[str, FieldValue]:
    """Validate values against field specs: unknown names, bad types and missing required ones are refused.

    With the order's delivery `method`, a field for another method is not required (a pickup order needs no
    delivery address), though a value given for it is still checked and kept."""
    known = {s.name: s for s in specs}
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise InvalidOrder(f"{where}: unknown field(s) {', '.join(unknown)}")
    values: dict[str, FieldValue] = {}
    for spec in specs:
        raw = given.get(spec.name)
        if raw is None or str(raw).strip() == "":
            raw = (fallbacks or {}).get(spec.name) or None
        if raw is None:
            if spec.required and spec.applies_to_delivery(method):
                raise InvalidOrder(f"{where}: {spec.name} is required")
            continue
        try:
            values[spec.name] = spec.parse_value(raw)
        except FieldValueError as exc:
            raise InvalidOrder(f"{where}: {exc}") from None
    return values


def priced_lines(cmd: PlaceOrder, catalog: list[Product], store: StoreConfig) -> list[OrderLine]:
    """Price every requested line from the catalog and merge equal ones (same product, same fields)."""
    if not cmd.lines:
        raise InvalidOrder("an order needs at least one item")
    by_sku = {p.sku: p for p in catalog}
    by_id = {p.id: p for p in catalog}
    merged: dict[tuple[int, tuple[tuple[str, FieldValue], ...]], OrderLine] = {}
    for index, req in enumerate(cmd.lines, start=1):
        if not 1 <= req.quantity <= MAX_LINE_QUANTITY:
            raise InvalidOrder(f"items #{index}: quantity must be between 1 and {MAX_LINE_QUANTITY}")
        product = _find(by_sku, by_id, req)
        fields = parse_fields(store.item_fields_for(product.sku), req.fields, f"items #{index}")
        key = (product.id, tuple(sorted(fields.items())))
        line = merged.get(key)
        quantity = req.quantity + (line.quantity if line else 0)
        merged[key] = OrderLine(product.id, product.sku, product.name, quantity, product.price, fields)
    return list(merged.values())


def check_methods(cmd: PlaceOrder, store: StoreConfig) -> str:
    """Validate payment and delivery methods against the store; returns the delivery method to use."""
    offered_payment = {*store.store.payment, PaymentMethod.MANUAL.value}
    if cmd.payment_method.value not in offered_payment:
        raise InvalidOrder(f"payment_method {cmd.payment_method.value!r} is not offered by this store")
    method = cmd.delivery_method or store.store.delivery[0]
    if method not in store.store.delivery:
        offered = ", ".join(store.store.delivery)
        raise InvalidOrder(f"delivery method {method!r} is not offered (choose from: {offered})")
    return method


def order_field_fallbacks(cmd: PlaceOrder) -> dict[str, str]:
    """Values a required order field may take from the order itself instead of asking twice."""
    return {
        "delivery_address": cmd.delivery_address,
        "address": cmd.delivery_address,
        "phone": cmd.customer.phone,
        "name": cmd.customer.name,
        "customer_name": cmd.customer.name,
        "email": cmd.customer.email,
    }


def check_total(total: int) -> None:
    if total > limits.MAX_INT:
        raise InvalidOrder(f"the total is beyond what an order can hold ({limits.MAX_INT} minor units)")


def check_references(cmd: ChangeStatus) -> None:
    """A tracking number and a carrier fit their columns, and hold text a database keeps."""
    for field, value, limit in (
        ("tracking number", cmd.tracking_number, limits.TRACKING_NUMBER),
        ("carrier", cmd.carrier, limits.CARRIER),
    ):
        if value is None:
            continue
        if len(value.strip()) > limit:
            raise InvalidOrder(f"{field}: at most {limit} characters")
        if (problem := limits.storable_text(value)) is not None:
            raise InvalidOrder(f"{field}: {problem}")
