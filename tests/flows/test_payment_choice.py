"""How the shopper pays: asked before the summary when the store offers both cash and online payment (and a
provider is configured); an online-only store never mentions cash; "I've paid" asks for a check."""

from __future__ import annotations

from dataclasses import replace

import pytest

from flows.conversation import Step
from flows.turn import OrderPlaced, PaymentCheck, PaymentCheckCommand, PlaceOrderCommand
from orders.status import PaymentMethod
from orders.store import parse_store_config
from tests.flows.shopper import STORE, Shopper, checkout_to_summary, make_view


def shopper(payment: str, online: bool) -> Shopper:
    store = parse_store_config(
        STORE.replace(
            'delivery = ["shipping", "pickup"]', f"{payment}\n" + 'delivery = ["shipping", "pickup"]'
        )
    )
    return Shopper(view=replace(make_view(store), online_payments=online))


def placed(s: Shopper) -> PaymentMethod:
    command = s.commands[-1]
    assert isinstance(command, PlaceOrderCommand)
    return command.order.payment_method


@pytest.mark.parametrize(
    ("label", "method"), [("Pay online", PaymentMethod.ONLINE), ("Cash on delivery", PaymentMethod.COD)]
)
def test_with_both_offered_the_shopper_chooses_before_the_summary(label: str, method: PaymentMethod) -> None:
    s = shopper('payment = ["cod", "online"]', online=True)
    s.says("2 samosa")
    checkout_to_summary(s)
    asked = s.step
    assert s.texts[-1] == "How would you like to pay?" and s.labels == ["Cash on delivery", "Pay online"]
    s.presses(label)
    assert (asked, s.step) == (Step.PAYMENT_METHOD, Step.SUMMARY)
    s.presses("Confirm")
    assert placed(s) is method


def test_typing_the_method_works_and_nonsense_asks_again() -> None:
    s = shopper('payment = ["cod", "online"]', online=True)
    s.says("2 samosa")
    checkout_to_summary(s)
    s.says("bitcoin")
    asked_again = s.step
    s.says("pay online")
    assert (asked_again, s.step) == (Step.PAYMENT_METHOD, Step.SUMMARY)


def test_without_a_provider_configured_online_is_not_offered() -> None:
    s = shopper('payment = ["cod", "online"]', online=False)
    s.says("2 samosa")
    checkout_to_summary(s)
    assert s.step is Step.SUMMARY
    s.presses("Confirm")
    assert placed(s) is PaymentMethod.COD


def test_an_online_only_store_never_mentions_cash() -> None:
    s = shopper('payment = ["online"]', online=True)
    s.outcomes.append(OrderPlaced(1001, 26000, online=True))
    s.says("2 samosa")
    checkout_to_summary(s)
    s.presses("Confirm")
    assert placed(s) is PaymentMethod.ONLINE
    assert s.texts == ["Order #1001 is placed. Total ₹260.00. I am sending you a secure payment link now."]
    assert s.labels == []  # no cash-on-delivery Confirm / Cancel buttons


@pytest.mark.parametrize("text", ["I've paid", "ya pagué", "maine pay kar diya", "я оплатил"])
def test_i_have_paid_in_the_shoppers_languages_asks_for_a_check(text: str) -> None:
    s = shopper('payment = ["online"]', online=True)
    s.conversation.last_order = 1001
    s.outcomes.append(PaymentCheck(1001, "pending", asking=True))
    s.says(text)
    assert s.commands == [PaymentCheckCommand(1001)]
    assert s.texts == ["Thanks! Let me check the payment for order #1001 — one moment."]


def test_i_have_paid_without_an_order_says_there_is_none() -> None:
    s = shopper('payment = ["online"]', online=True)
    s.says("I've paid")
    assert s.commands == [] and s.texts == ["You have no orders yet. Say “menu” to start one."]
