"""Choice ids come back from outside: crafted ones get the stale-menu answer and change nothing."""

from __future__ import annotations

import pytest

from flows.turn import CancelOrderCommand, ConfirmOrderCommand
from tests.flows.shopper import Shopper

STALE = "That menu is out of date. Here is the current one."
HUGE = "99999999999999999999"  # beyond any order number or product id a column holds


@pytest.mark.parametrize(
    "crafted",
    [
        f"cod:y:{HUGE}",
        "cod:n:2147483648",  # one past PostgreSQL's INTEGER
        "cod:y:²",  # "²".isdigit() is True, int("²") raises
        "cod:y:١٠٠١",  # Arabic-Indic digits: int() reads them, no button of ours writes them
        "cod:y:-1",
        "cod:maybe:1001",
        "cod::1001",
        "²:p:1",
        f"{HUGE}:p:1",
        "{menu}:p:²",
        "{menu}:p:" + HUGE,
        "{menu}:pg:²",
        "{menu}:q:" + "9" * 5000,  # longer than int() reads at all
        "{menu}:o:²",
        "",
        ":",
        ":::",
    ],
)
def test_a_crafted_choice_gets_the_stale_menu_answer_and_changes_nothing(crafted: str) -> None:
    s = Shopper()
    s.says("2 samosa")
    cart, step = list(s.conversation.cart), s.step
    s.presses_id(crafted.replace("{menu}", str(s.conversation.menu)))
    assert s.texts[0] == STALE
    assert s.commands == []
    assert (s.conversation.cart, s.step) == (cart, step)


@pytest.mark.parametrize(
    ("pressed", "command"),
    [("cod:y:1001", ConfirmOrderCommand(1001)), ("cod:n:2147483647", CancelOrderCommand(2147483647))],
)
def test_the_cod_buttons_of_any_order_number_a_column_holds_still_work(pressed: str, command: object) -> None:
    s = Shopper()
    s.presses_id(pressed)
    assert s.commands == [command]
