"""The command line's obvious paths with hostile values: a `chatcart: error:` line (or argparse's usage
error) and a non-zero exit, never a traceback.

"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli.main import main
from tests.conftest import STORE_TOML

HUGE = "99999999999999999999"  # no order number column holds it


CSV = "sku,name,price,stock,category,description,image_url,aliases\n"


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A store file and a SQLite database in a temporary directory, as `chatcart` finds them."""
    (tmp_path / "store.toml").write_text(STORE_TOML)
    monkeypatch.setenv("CHATCART_DATABASE_URL", f"sqlite:///{tmp_path / 'shop.db'}")
    monkeypatch.setenv("CHATCART_STORE_CONFIG", str(tmp_path / "store.toml"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(argv: list[str]) -> int:
    """The exit status, as the shell would see it: argparse's usage errors exit 2 by SystemExit."""
    try:
        return main(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)


@pytest.mark.parametrize(
    "argv",
    [
        ["orders", "show", "abc"],
        ["orders", "show", "²"],
        ["orders", "show", "2147483648"],
        ["orders", "set-status", "1001", "teleported"],
        ["orders", "list", "--status", "pending\x00"],
        ["orders", "show", HUGE],
        ["orders", "set-status", HUGE, "confirmed"],
        ["orders", "list", "--page", str(2**62)],
        ["orders", "list", "--per-page", str(10**20)],
        ["orders", "set-status", "1001", "shipped", "--tracking", "T" * 101],
    ],
    ids=lambda argv: " ".join(argv)[:40],
)
def test_a_hostile_order_command_is_an_error_line_not_a_traceback(
    shop: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    assert run(argv) in (1, 2)
    err = capsys.readouterr().err
    assert "error:" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ("BIG,Big tea,92233720368547758.08,,,,,", "price"),  # 2^63 minor units
        ("LOTS,Lots of tea,1.00,9223372036854775808,,,,", "stock"),
    ],
)
def test_a_catalog_row_beyond_what_the_columns_hold_is_reported_by_line(
    shop: Path, capsys: pytest.CaptureFixture[str], row: str, problem: str
) -> None:
    (shop / "bad.csv").write_text(CSV + row + "\n")
    assert run(["catalog", "import", str(shop / "bad.csv")]) == 1
    assert f"line 2: {problem}" in capsys.readouterr().err
