"""Pricing order lines from the catalog: merging equal lines, item fields, methods (pure rules)."""

from __future__ import annotations

import pytest

from catalog.product import Product
from orders.commands import LineRequest, PlaceOrder
from orders.errors import InvalidOrder, UnknownProduct
from orders.placement import check_methods, priced_lines
from orders.status import PaymentMethod
from orders.store import StoreConfig

CATALOG = [
    Product(1, "TEA", "Masala chai", 12000, 10),
    Product(2, "CUP", "Clay cup", 5000, 3),
    Product(3, "OLD", "Old blend", 100, None, active=False),
]


def place(*lines: LineRequest, **kw: object) -> PlaceOrder:
    return PlaceOrder(lines=lines, **kw)  # type: ignore[arg-type]


def test_same_product_twice_merges_quantities(store: StoreConfig) -> None:
    lines = priced_lines(place(LineRequest(2, sku="TEA"), LineRequest(3, product_id=1)), CATALOG, store)
    assert [(line.sku, line.quantity, line.unit_price, line.total) for line in lines] == [
        ("TEA", 5, 12000, 60000)
    ]


def test_same_product_with_other_item_fields_stays_a_separate_line(store: StoreConfig) -> None:
    cmd = place(
        LineRequest(1, "CUP", fields={"size": "small"}),
        LineRequest(2, "CUP", fields={"size": "Large"}),
        LineRequest(1, "CUP", fields={"size": "SMALL"}),
    )
    lines = priced_lines(cmd, CATALOG, store)
    assert [(line.fields["size"], line.quantity) for line in lines] == [("Small", 2), ("Large", 2)]


@pytest.mark.parametrize(
    ("request_line", "error", "message"),
    [
        (LineRequest(0, "TEA"), InvalidOrder, "quantity must be between 1"),
        (LineRequest(1, "NOPE"), UnknownProduct, "unknown product NOPE"),
        (LineRequest(1, product_id=99), UnknownProduct, "unknown product product_id 99"),
        (LineRequest(1, "OLD"), UnknownProduct, "OLD is not on sale"),
        (LineRequest(1, "CUP"), InvalidOrder, "items #1: size is required"),
        (LineRequest(1, "CUP", fields={"size": "XL"}), InvalidOrder, "Size must be one of: Small, Large"),
        (LineRequest(1, "TEA", fields={"colour": "red"}), InvalidOrder, "unknown field\\(s\\) colour"),
    ],
)
def test_bad_lines_are_refused_with_a_reason(
    store: StoreConfig, request_line: LineRequest, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        priced_lines(place(request_line), CATALOG, store)


def test_an_order_needs_items(store: StoreConfig) -> None:
    with pytest.raises(InvalidOrder, match="at least one item"):
        priced_lines(place(), CATALOG, store)


def test_delivery_and_payment_methods_must_be_offered(store: StoreConfig) -> None:
    assert check_methods(place(LineRequest(1, "TEA")), store) == "shipping"
    assert check_methods(place(LineRequest(1, "TEA"), delivery_method="pickup"), store) == "pickup"
    with pytest.raises(InvalidOrder, match="'drone' is not offered"):
        check_methods(place(LineRequest(1, "TEA"), delivery_method="drone"), store)
    cod_only = StoreConfig.model_validate({"store": {"payment": ["cod"]}})
    with pytest.raises(InvalidOrder, match="'online' is not offered"):
        check_methods(place(LineRequest(1, "TEA"), payment_method=PaymentMethod.ONLINE), cod_only)
