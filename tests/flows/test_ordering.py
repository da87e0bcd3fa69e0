"""Whole conversations through the pure engine: from the first words to the order command."""

from __future__ import annotations

from functools import partial

import pytest

from catalog.money import format_money
from flows.conversation import Step
from flows.messages import ChoiceStyle
from flows.turn import (
    OrderPlaced,
    PlaceOrderCommand,
)
from tests.flows.shopper import PHRASES, Shopper, checkout_to_summary


def test_an_order_intent_opens_the_list_of_products_on_sale() -> None:
    s = Shopper()
    (reply,) = s.says("I want to order")
    assert reply.text == "What would you like? Pick a product:"
    assert reply.style is ChoiceStyle.LIST
    # Nothing sold yet: in the catalog's own order; the sold-out kahwa is not offered.
    assert s.labels == ["Masala chai", "Ginger chai", "Lemon tea", "Samosa", "Chai T-shirt"]
    assert [c.description for c in reply.choices][:2] == ["₹120.00", "₹110.00"]


@pytest.mark.parametrize(
    "words", ["I want to order", "mujhe order karna hai", "quiero pedir", "хочу заказать", "menu", "hi"]
)
def test_order_intents_in_many_languages_open_the_flow(words: str) -> None:
    s = Shopper()
    s.says(words)
    assert s.conversation.step is Step.CHOOSING_PRODUCT


def test_naming_a_product_with_a_quantity_adds_it_directly() -> None:
    s = Shopper()
    s.says("2 masala chai")
    assert s.texts == ["Added 2 × Masala chai.", "Your cart: 2 item(s), ₹240.00. Add more or check out?"]
    assert s.labels == ["Add more", "Checkout"]


def test_hinglish_mention_asks_how_many() -> None:
    s = Shopper()
    s.says("mujhe chai chahiye")
    assert s.texts == ["How many Masala chai? (₹120.00 each)"]
    assert s.labels == [str(n) for n in range(1, 11)]


def test_same_product_twice_merges_quantities() -> None:
    s = Shopper()
    s.says("2 masala chai")
    s.presses("Add more")
    s.presses("Masala chai")
    s.presses("3")
    assert s.texts[0] == "You now have 5 × Masala chai in your cart."
    assert [(line.sku, line.quantity) for line in s.conversation.cart] == [("CHAI-MASALA", 5)]


def test_the_whole_checkout_ends_in_one_place_order_command_and_a_cod_confirmation() -> None:
    s = Shopper(phone="")
    s.says("menu")
    s.presses("Masala chai")
    s.presses("3")
    checkout_to_summary(s)
    (summary,) = s.replies
    assert summary.text == (
        "Your order:\n3 × Masala chai — ₹360.00\nDelivery: ₹40.00\nTotal: ₹400.00\n"
        "Delivery address: 12 MG Road\nPhone: +91 98765 43210\n\nIs everything right?"
    )
    s.outcomes = [OrderPlaced(1001, 40000)]
    s.presses("Confirm")
    (command,) = s.commands
    assert isinstance(command, PlaceOrderCommand)
    order = command.order
    assert [(line.sku, line.quantity) for line in order.lines] == [("CHAI-MASALA", 3)]
    assert (order.delivery_method, order.delivery_address, order.customer.phone, order.customer.name) == (
        "shipping",
        "12 MG Road",
        "+91 98765 43210",
        "Asha",
    )
    assert order.lead is not None and (order.lead.channel, order.lead.user_id) == ("test", "42")
    assert order.fields == {"delivery_address": "12 MG Road", "phone": "+91 98765 43210"}
    assert s.texts == [
        "Order #1001 is placed. Total ₹400.00, to pay in cash on delivery. Please confirm your order."
    ]
    assert [c.id for m in s.replies for c in m.choices] == ["cod:y:1001", "cod:n:1001"]
    assert s.conversation.step is Step.IDLE and s.conversation.cart == []
    assert s.conversation.last_order == 1001


@pytest.mark.parametrize(
    ("typed", "quantity"),
    [("4", 4), ("dos", 2), ("teen", 3), ("१२", 12), ("п'ять", 5), ("seven", 7), ("٣", 3)],
)
def test_typed_quantities_in_many_languages_and_scripts(typed: str, quantity: int) -> None:
    s = Shopper()
    s.says("lemon tea")
    s.says(typed)
    assert [(line.sku, line.quantity) for line in s.conversation.cart] == [("LEMON-TEA", quantity)]


def test_more_than_the_stock_left_is_refused_with_what_is_left() -> None:
    s = Shopper()
    s.says("ginger chai")
    assert s.labels == ["1", "2", "3"]  # only three in stock
    s.says("5")
    assert s.texts[0] == "Sorry, only 3 × Ginger chai left. Please choose 3 or fewer."
    assert s.conversation.step is Step.CHOOSING_QUANTITY and s.conversation.cart == []


@pytest.mark.parametrize("typed", ["0", "lots", "51", "-2"])
def test_a_bad_quantity_is_asked_again(typed: str) -> None:
    s = Shopper()
    s.says("lemon tea")
    s.says(typed)
    assert s.conversation.step is Step.CHOOSING_QUANTITY and s.conversation.cart == []
    assert s.texts[-1] == "How many Lemon tea? (₹90.00 each)"


def test_item_fields_are_asked_and_validated() -> None:
    s = Shopper()
    s.says("1 chai t-shirt")
    assert s.texts == ["Size for Chai T-shirt?"] and s.labels == ["S", "M", "L"]
    s.says("XL")
    assert s.texts[0] == "Size must be one of: S, M, L. Please try again."
    s.says("m")
    assert s.conversation.cart[0].fields == {"size": "M"}
    s.presses("Add more")
    s.presses("Chai T-shirt")
    s.presses("1")
    s.presses("L")
    assert [(line.fields["size"], line.quantity) for line in s.conversation.cart] == [("M", 1), ("L", 1)]


def test_pickup_does_not_ask_for_an_address() -> None:
    s = Shopper()
    s.says("1 samosa")
    s.presses("Checkout")
    s.presses("Pickup")
    assert s.texts == ["Please send your phone."]


def test_an_address_typed_at_the_phone_question_is_asked_again() -> None:
    s = Shopper()
    s.says("1 samosa")
    s.presses("Checkout")
    s.presses("Pickup")
    s.says("12 MG Road, Bengaluru")
    assert s.texts == [
        "Phone should be a phone number: digits, spaces, maybe a + first. Please try again.",
        "Please send your phone.",
    ]
    assert "phone" not in s.conversation.answers
    s.says("+91 98765 43210")
    assert s.conversation.answers["phone"] == "+91 98765 43210"


@pytest.mark.parametrize("language", ["en", "es", "hi"])
def test_a_summary_without_a_delivery_fee_has_no_delivery_line(language: str) -> None:
    s = Shopper(language=language)
    t = partial(PHRASES.text, language)
    s.says("2 samosa")
    s.presses(t("checkout"))
    s.presses(t("delivery_pickup"))
    s.says("+91 98765 43210")
    s.presses(t("skip"))
    (summary,) = s.texts
    lines = summary.splitlines()
    assert not any(line.startswith(t("delivery_pickup")) for line in lines)
    assert lines[1].startswith("2 × Samosa")
    assert lines[2].endswith(format_money(12000, "INR", language))  # the total follows the lines


@pytest.mark.parametrize("language", ["en", "es", "hi"])
def test_a_summary_with_a_delivery_fee_names_it(language: str) -> None:
    s = Shopper(language=language)
    t = partial(PHRASES.text, language)
    s.says("2 samosa")
    s.presses(t("checkout"))
    s.presses(t("delivery_shipping"))
    s.says("12 MG Road")
    s.says("+91 98765 43210")
    s.presses(t("skip"))
    fee = format_money(4000, "INR", language)
    assert s.texts[0].splitlines()[2] == f"{t('delivery_shipping')}: {fee}"


def test_details_from_the_last_order_are_offered_for_reuse() -> None:
    s = Shopper()
    s.says("1 samosa")
    checkout_to_summary(s, address="7 Park Street")
    s.outcomes = [OrderPlaced(1001, 10000)]
    s.presses("Confirm")
    s.says("2 samosa")
    s.presses("Checkout")
    s.presses("Delivery")
    assert s.labels == ["Use: 7 Park Street"]
    s.presses("Use: 7 Park Street")
    assert s.texts == ["Please send your phone."]
    assert s.conversation.answers["delivery_address"] == "7 Park Street"
