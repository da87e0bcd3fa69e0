"""Relevance search: names, aliases and typos, one distinctive word of a long name, what names a product."""

from __future__ import annotations

import pytest

from catalog.product import Product
from catalog.search import CatalogSnapshot

TEAS = CatalogSnapshot(
    [
        Product(1, "CHAI-MASALA", "Masala chai", 12000, 200, "Tea", aliases=("chai", "masala tea")),
        Product(2, "CHAI-GINGER", "Ginger chai", 11000, 3, "Tea"),
        Product(3, "KAHWA", "Kashmiri kahwa", 18000, 0, "Tea"),  # sold out
        *(
            Product(10 + i, f"DJ-{i}", f"Single-estate Darjeeling first flush no. {i}", 30000, 5, "Tea")
            for i in range(1, 6)
        ),
    ]
)


def skus(text: str) -> list[str]:
    return [m.product.sku for m in TEAS.search(text)]


@pytest.mark.parametrize(
    ("typed", "first"),
    [
        ("masala chai", "CHAI-MASALA"),
        ("masla chai", "CHAI-MASALA"),  # a typo
        ("masala tea", "CHAI-MASALA"),  # an alias
        ("ginger", "CHAI-GINGER"),
        ("darjeeling", "DJ-1"),  # one word of a seven-word name
        ("first flush no 4", "DJ-4"),  # more of one name typed: that one first
    ],
)
def test_the_best_match_comes_first(typed: str, first: str) -> None:
    assert skus(typed)[0] == first


def test_a_distinctive_word_lists_every_product_that_has_it() -> None:
    assert sorted(skus("Darjeeling")) == [f"DJ-{i}" for i in range(1, 6)]


def test_sold_out_products_are_never_offered() -> None:
    assert "KAHWA" not in skus("kashmiri kahwa")


@pytest.mark.parametrize(
    ("typed", "named"),
    [
        ("2 masala chai", "CHAI-MASALA"),
        ("ginger chai", "CHAI-GINGER"),
        ("ginger", None),  # one shared word lists the product but does not name it
        ("darjeeling", None),  # several products share it
        ("chai", "CHAI-MASALA"),  # an alias names it whole
    ],
)
def test_naming_a_product_takes_most_of_its_name(typed: str, named: str | None) -> None:
    product = TEAS.mentioned(typed)
    assert (product.sku if product else None) == named


def test_the_first_list_shows_what_sells_then_the_catalogs_own_order_and_nothing_sold_out() -> None:
    products = [
        Product(1, "COFFEE", "Cold coffee", 16000, 10, "Coffee"),
        Product(2, "CHAI", "Masala chai", 12000, 10, "Tea"),
        Product(3, "SAMOSA", "Samosa", 6000, None, "Snacks"),
        Product(4, "KAHWA", "Kashmiri kahwa", 18000, 0, "Tea"),
    ]
    assert [p.sku for p in CatalogSnapshot(products).sellable()] == ["COFFEE", "CHAI", "SAMOSA"]
    ranked = CatalogSnapshot(products, sold={3: 40, 2: 7, 4: 99})
    assert [p.sku for p in ranked.sellable()] == ["SAMOSA", "CHAI", "COFFEE"]
