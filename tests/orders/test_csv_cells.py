"""CSV cells a spreadsheet would run as a formula are quoted, however it hides (OWASP CSV injection)."""

from __future__ import annotations

import pytest

from orders.formats import safe_cell


@pytest.mark.parametrize(
    "formula",
    [
        '=HYPERLINK("http://evil.test")',
        "+1+1",
        "-2+3",
        "@SUM(A1)",
        "\t=1",
        "\r=1",
        "\x00=1+1",  # some readers drop the NUL and run what follows
        "＝1+1",  # full-width equals sign (U+FF1D)
        "＋1",  # full-width plus
        "－1",  # full-width minus
        "＠SUM(A1)",  # full-width commercial at
        "\u202e=1+1",  # right-to-left override
        "\u200f=1+1",  # right-to-left mark
        "\u200e\u2066+1",  # left-to-right mark, then an isolate
        "\u200b=1",  # zero-width space
        "\ufeff=1",  # byte-order mark
    ],
)
def test_a_cell_that_starts_a_formula_is_quoted(formula: str) -> None:
    assert safe_cell(formula) == "'" + formula


@pytest.mark.parametrize("text", ["Asha Rao", "12 MG Road", "चाय", "\u200fمرحبا", "a=b", "", None])
def test_ordinary_text_is_left_alone(text: str | None) -> None:
    assert safe_cell(text) == (text or "")
