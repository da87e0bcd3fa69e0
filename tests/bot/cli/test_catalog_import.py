"""`chatcart catalog import` with the files merchants really have: Excel's encodings and separators."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.setup.settings import Settings
from bot.setup.startup import load_demo_catalog_if_empty, prepare_database
from bot.setup.wiring import build_services
from catalog.importer import CatalogFileError
from tests.conftest import STORE_TOML

CSV = "sku,name,price,stock,category,description,image_url,aliases\n"


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "store.toml").write_text(STORE_TOML)
    monkeypatch.setenv("CHATCART_DATABASE_URL", f"sqlite:///{tmp_path / 'shop.db'}")
    monkeypatch.setenv("CHATCART_STORE_CONFIG", str(tmp_path / "store.toml"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def prices() -> dict[str, int]:
    """What the store now sells, in minor units, read as the running bot would."""

    async def read() -> dict[str, int]:
        services = build_services(Settings())
        found, _ = await services.catalog.list()
        await services.aclose()
        return {p.sku: p.price for p in found}

    return asyncio.run(read())


def imported(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["catalog", "import", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_windows_1252_file_is_refused_naming_the_file_and_its_encoding_then_imports_when_named(
    shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (shop / "menu.csv").write_bytes((CSV + "TEA,Thé glacé,90.00,5,,,,\n").encode("cp1252"))
    code, _, err = imported(capsys, "menu.csv")
    assert code == 1
    assert err.startswith("chatcart: error: nothing was imported: menu.csv is not UTF-8 text: line 2 has ")
    assert "the byte 0xE9 (“é” in Windows-1252)" in err and "--encoding cp1252" in err
    assert "Traceback" not in err
    code, out, _ = imported(capsys, "menu.csv", "--encoding", "cp1252")
    assert (code, out) == (0, "Imported 1 product from menu.csv: 1 new, 0 updated (prices in INR).\n")
    assert prices() == {"TEA": 9000}


def test_excels_unicode_text_utf16_with_tabs_imports(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = "sku\tname\tprice\r\nCHAI\tचाय\t12.50\r\nKAHWA\tKahwa\t18\r\n"
    (shop / "menu.txt").write_bytes(rows.encode("utf-16"))  # with its byte-order mark, as Excel saves it
    code, out, _ = imported(capsys, "menu.txt")
    assert (code, out) == (0, "Imported 2 products from menu.txt: 2 new, 0 updated (prices in INR).\n")


def test_an_unknown_encoding_is_a_plain_error(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (shop / "menu.csv").write_text(CSV)
    code, _, err = imported(capsys, "menu.csv", "--encoding", "klingon")
    assert (code, err) == (1, "chatcart: error: nothing was imported: menu.csv: unknown encoding 'klingon'\n")


def test_an_unbalanced_quote_is_reported_as_such(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (shop / "menu.csv").write_text(CSV + 'TEA,Chai,12.50,5,,,,\nPOT,"Clay pot,30.00,5,,,,\nMUG,Mug,3,,,,,\n')
    code, _, err = imported(capsys, "menu.csv")
    assert code == 1
    assert err.splitlines()[1:] == ["line 3: a quote opened on this line is never closed"]


def test_a_german_stores_decimal_commas_and_semicolons_import_exactly(
    shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (shop / "store.toml").write_text('[store]\ncurrency = "EUR"\nlanguages = ["de"]\n')
    (shop / "menu.csv").write_text("sku;name;price\nTEE;Tee;12,50\nKANNE;Kanne;1.234,50\n")
    code, out, _ = imported(capsys, "menu.csv")
    assert (code, out) == (0, "Imported 2 products from menu.csv: 2 new, 0 updated (prices in EUR).\n")
    assert prices() == {"TEE": 1250, "KANNE": 123450}


def test_a_decimal_comma_in_an_english_store_is_refused_with_its_line(
    shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (shop / "menu.csv").write_text(
        CSV + 'TEA,Chai,12.50,5,,,,\nPOT,Pot,"12,50",5,,,,\nMUG,Mug,"1,2,3",,,,,\n'
    )
    code, _, err = imported(capsys, "menu.csv")
    assert code == 1 and prices() == {}
    assert err.splitlines()[1:] == [
        "line 3: price: 12,50 is not a number in this store's format (like 1,234.50)",
        "line 4: price: 1,2,3 is not a number in this store's format (like 1,234.50)",
    ]


async def test_the_rupee_demo_catalog_is_never_served_as_dollars(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`chatcart serve --demo-catalog` in an empty folder: the store defaults to USD, the demo is in INR."""
    monkeypatch.chdir(tmp_path)  # no chatcart.toml here
    services = build_services(Settings(database_url=f"sqlite:///{tmp_path / 'shop.db'}"))
    await prepare_database(services)
    with pytest.raises(CatalogFileError) as refused:
        await load_demo_catalog_if_empty(services)
    assert str(refused.value) == (
        "nothing was imported: the prices are in INR, but this store sells in USD and never converts prices "
        '(set currency = "INR" under [store] in the store file, or import prices in USD)'
    )
    assert await services.catalog.is_empty()
    await services.aclose()
