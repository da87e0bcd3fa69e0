"""The `chatcart` command line, run in-process as a user would, against a temporary SQLite store."""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path

import pytest

from bot.cli.main import main
from tests.conftest import STORE_TOML

CSV = "sku,name,price,stock,category,description,image_url,aliases\n"


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "store.toml").write_text(STORE_TOML)
    monkeypatch.setenv("CHATCART_DATABASE_URL", f"sqlite:///{tmp_path / 'shop.db'}")
    monkeypatch.setenv("CHATCART_STORE_CONFIG", str(tmp_path / "store.toml"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(path: Path, text: str) -> str:
    path.write_text(text)
    return str(path)


def test_import_then_reimport_updates_by_sku(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog", "import", write(shop / "a.csv", CSV + "TEA,Chai,12.50,10,,,,\n")]) == 0
    assert (
        main(["catalog", "import", write(shop / "b.csv", CSV + "TEA,Chai,13.00,8,,,,\nMUG,Mug,3,,,,,\n")])
        == 0
    )
    out = capsys.readouterr().out
    assert "Imported 1 product from a.csv: 1 new, 0 updated (prices in INR)." in out
    assert "Imported 2 products from b.csv: 1 new, 1 updated" in out


def test_a_bad_file_is_reported_by_line_and_nothing_is_applied(
    shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["catalog", "import", write(shop / "a.csv", CSV + "TEA,Chai,12.50,10,,,,\n")])
    bad = write(shop / "bad.csv", CSV + "TEA,Chai,99,1,,,,\nPOT,Pot,abc,1,,,,\n")
    assert main(["catalog", "import", bad]) == 1
    err = capsys.readouterr().err
    assert "chatcart: error: nothing was imported: 1 bad row" in err
    assert "line 3: price: abc is not a number in this store's format (like 1,234.50)" in err
    main(["orders", "list"])  # the store still works and TEA kept its price
    assert main(["catalog", "import", str(shop / "missing.csv")]) == 1
    assert "No such file" in capsys.readouterr().err


def test_orders_list_show_and_set_status(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import asyncio

    from bot.setup.settings import Settings
    from bot.setup.wiring import build_services
    from orders.commands import LineRequest, PlaceOrder
    from orders.model import Customer

    main(["catalog", "import", write(shop / "a.csv", CSV + "TEA,Masala chai,120,10,,,,\n")])

    async def place() -> None:
        services = build_services(Settings())
        await services.orders.place(
            PlaceOrder((LineRequest(2, "TEA"),), Customer("Asha", "+91 1"), delivery_address="12 MG Road")
        )
        await services.aclose()

    asyncio.run(place())
    capsys.readouterr()
    assert main(["orders", "list"]) == 0
    listing = capsys.readouterr()
    assert "#1001" in listing.out and "New" in listing.out and "Asha" in listing.out
    assert "1–1 of 1 orders" in listing.err
    assert main(["orders", "set-status", "1001", "shipped"]) == 1
    assert "cannot move an order from pending to shipped" in capsys.readouterr().err
    assert main(["orders", "set-status", "1001", "confirmed"]) == 0
    assert main(["orders", "set-status", "1001", "shipped", "--tracking", "TRK1", "--carrier", "DHL"]) == 0
    assert "now In transit (shipped)" in capsys.readouterr().out
    assert main(["orders", "show", "1001", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["status"], shown["delivery"]["tracking_number"], shown["total"]) == (
        "shipped",
        "TRK1",
        28000,
    )
    assert main(["orders", "show", "1001"]) == 0
    assert "2 × Masala chai (TEA)" in capsys.readouterr().out
    assert main(["orders", "show", "77"]) == 1
    assert "order 77 does not exist" in capsys.readouterr().err


def test_a_bad_store_file_stops_every_command_with_its_reason(
    shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (shop / "store.toml").write_text('[store]\ncurrency = "ZZZ"\n')
    assert main(["orders", "list"]) == 1
    assert "store.currency: unknown currency 'ZZZ'" in capsys.readouterr().err


def test_version_prints_the_installed_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--version"])
    assert caught.value.code == 0
    assert capsys.readouterr().out == f"chatcart {version('chatcart')}\n"


def test_usage_errors_exit_2_and_help_works(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["orders", "set-status", "1001", "lost"])
    assert caught.value.code == 2
    with pytest.raises(SystemExit) as helped:
        main(["catalog", "import", "--help"])
    assert helped.value.code == 0
    assert "sku,name,price,stock" in capsys.readouterr().out


def test_a_long_import_reports_its_progress(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = "".join(f"SKU{i},Tea {i},1.50,{i % 7},,,,\n" for i in range(1200))
    assert main(["catalog", "import", write(shop / "big.csv", CSV + rows)]) == 0
    captured = capsys.readouterr()
    assert "applied 500/1200 products" in captured.err and "applied 1200/1200 products" in captured.err
    assert "Imported 1200 products from big.csv: 1200 new, 0 updated" in captured.out
