"""Catalog files: CSV and JSON rows become products; any bad row names its line and nothing applies."""

from __future__ import annotations

import json

import pytest

from catalog.importer import CatalogFileError, parse_catalog

HEADER = "sku,name,price,stock,category,description,image_url,aliases\n"


def test_csv_rows_become_products_with_exact_prices() -> None:
    text = HEADER + 'TEA,Masala chai,12.50,10,Tea,"Spiced, sweet",https://x.test/t.png,chai|masala tea\n'
    text += "MUG,Mug,3,,Things,,,\n"
    tea, mug = parse_catalog(text, currency="USD", fmt="csv")
    assert (tea.sku, tea.price, tea.stock, tea.description) == ("TEA", 1250, 10, "Spiced, sweet")
    assert tea.aliases == ("chai", "masala tea")
    assert tea.image_urls == ("https://x.test/t.png",)
    assert (mug.price, mug.stock) == (300, None)  # empty stock = untracked


def test_price_uses_the_store_currency_exponent() -> None:
    text = HEADER + "A,Ramen,1200,,,,,\n"
    assert parse_catalog(text, currency="JPY", fmt="csv")[0].price == 1200
    assert parse_catalog(text, currency="KWD", fmt="csv")[0].price == 1_200_000


def test_every_bad_row_is_reported_with_its_line_number() -> None:
    text = HEADER + "A,Tea,1.00,1,,,,\nB,,2.00,1,,,,\nC,Cup,1.005,1,,,,\nD,Pot,2,-1,,,,\nA,Again,1,1,,,,\n"
    with pytest.raises(CatalogFileError) as caught:
        parse_catalog(text, currency="USD", fmt="csv")
    assert [str(e) for e in caught.value.errors] == [
        "line 3: name: required",
        "line 4: price: 1.005 has more than 2 decimal places for USD",
        "line 5: stock: must be 0 or more (leave empty for untracked)",
        "line 6: sku 'A' already on line 2",
    ]
    assert "nothing was imported: 4 bad rows" in str(caught.value)


def test_line_numbers_count_physical_lines_of_quoted_multiline_cells() -> None:
    text = HEADER + 'A,Tea,1,1,,"two\nlines",,\nB,Bad,x,1,,,,\n'
    with pytest.raises(CatalogFileError) as caught:
        parse_catalog(text, currency="USD", fmt="csv")
    assert str(caught.value.errors[0]).startswith("line 4: price")


def test_unknown_or_missing_columns_are_refused_before_any_row() -> None:
    with pytest.raises(CatalogFileError, match=r"unknown column 'prise'.*missing column 'price'"):
        parse_catalog("sku,name,prise\nA,Tea,1\n", currency="USD", fmt="csv")


def test_json_catalog_accepts_lists_and_numbers() -> None:
    data = [{"sku": "A", "name": "Tea", "price": 2.5, "stock": 3, "aliases": ["chai"], "image_urls": []}]
    (product,) = parse_catalog(json.dumps({"products": data}), currency="EUR", fmt="json")
    assert (product.price, product.stock, product.aliases) == (250, 3, ("chai",))


def test_json_errors_name_the_product_position() -> None:
    data = [{"sku": "A", "name": "Tea", "price": 1}, {"sku": "B", "name": "Pot", "price": "x"}, "oops"]
    data.append({"sku": "A", "name": "Tea again", "price": 2})
    with pytest.raises(CatalogFileError) as caught:
        parse_catalog(json.dumps(data), currency="USD", fmt="json")
    assert [str(e) for e in caught.value.errors] == [
        "item 2: price: x is not a number in this store's format (like 1,234.50)",
        "item 3: each product must be an object",
        "item 4: sku 'A' already in item 1",
    ]


def test_a_german_stores_file_reads_decimal_commas_in_csv_and_json_strings() -> None:
    (tea,) = parse_catalog("sku;name;price\nTEE;Tee;12,50\n", currency="EUR", fmt="csv", locale="de_DE")
    assert tea.price == 1250
    data = [{"sku": "A", "name": "Tee", "price": "1.234,50"}, {"sku": "B", "name": "Kanne", "price": 2.5}]
    assert [p.price for p in parse_catalog(json.dumps(data), currency="EUR", fmt="json", locale="de_DE")] == [
        123450,
        250,
    ]


def test_an_unbalanced_quote_is_reported_on_the_line_it_opens() -> None:
    text = HEADER + 'A,Tea,1,1,,,,\nB,"Pot,2,1,,,,\nC,Cup,3,1,,,,\n'
    with pytest.raises(CatalogFileError) as caught:
        parse_catalog(text, currency="USD", fmt="csv")
    assert [str(e) for e in caught.value.errors] == ["line 3: a quote opened on this line is never closed"]


def test_a_file_priced_in_another_currency_is_refused_once_and_a_row_in_one_by_its_line() -> None:
    text = "sku,name,price,currency\nA,Chai,120.00,INR\nB,Samosa,60.00,INR\n"
    with pytest.raises(CatalogFileError) as whole:
        parse_catalog(text, currency="USD", fmt="csv")
    assert str(whole.value) == (
        "nothing was imported: the prices are in INR, but this store sells in USD and never converts prices "
        '(set currency = "INR" under [store] in the store file, or import prices in USD)'
    )
    assert [p.price for p in parse_catalog(text, currency="INR", fmt="csv")] == [12000, 6000]
    mixed = "sku,name,price,currency\nA,Chai,120.00,inr\nB,Samosa,0.80,USD\n"
    with pytest.raises(CatalogFileError) as one:
        parse_catalog(mixed, currency="INR", fmt="csv")
    assert [e.line for e in one.value.errors] == [3]


def test_broken_json_reports_where_it_broke() -> None:
    with pytest.raises(CatalogFileError, match="line 2: invalid JSON"):
        parse_catalog('[\n{"sku": }]', currency="USD", fmt="json")
