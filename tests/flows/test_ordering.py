"""Whole conversations through the pure engine: from the first words to the order command."""

from __future__ import annotations

import pytest

from catalog.product import Product
from flows.conversation import Conversation, Step
from flows.messages import ChoiceStyle
from flows.turn import (
    CancelOrderCommand,
    ConfirmOrderCommand,
    OrderPlaced,
    OrderRefused,
    OrderStatusCommand,
    PlaceOrderCommand,
    StatusReport,
    StatusUnchanged,
)
from orders.status import OrderStatus
from tests.flows.shopper import Shopper, make_view


def checkout_to_summary(s: Shopper, address: str = "12 MG Road") -> None:
    s.presses("Checkout")
    s.presses("Delivery")
    s.says(address)
    s.says("+91 98765 43210")
    s.presses("Skip")


def test_an_order_intent_opens_the_list_of_products_on_sale() -> None:
    s = Shopper()
    (reply,) = s.says("I want to order")
    assert reply.text == "What would you like? Pick a product:"
    assert reply.style is ChoiceStyle.LIST
    # Grouped by category, then by name; the sold-out kahwa is not offered.
    assert s.labels == ["Chai T-shirt", "Samosa", "Ginger chai", "Lemon tea", "Masala chai"]
    assert [c.description for c in reply.choices][:2] == ["₹500.00", "₹60.00"]


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


def test_off_script_messages_get_a_gentle_reprompt_and_keep_the_cart() -> None:
    s = Shopper()
    s.says("2 samosa")
    s.sends_sticker()
    assert s.texts == [
        "I can only read text and buttons.",
        "Your cart: 2 item(s), ₹120.00. Add more or check out?",
    ]
    s.says("asdfgh")
    assert s.texts[0] == "Sorry, I didn't understand that."
    assert [(line.sku, line.quantity) for line in s.conversation.cart] == [("SAMOSA", 2)]


def test_a_question_mid_order_is_answered_then_the_flow_resumes() -> None:
    s = Shopper()
    s.says("lemon tea")
    s.says("how much is the samosa?")
    assert s.texts == [
        "Samosa: ₹60.00 (in stock).",
        "How many Lemon tea? (₹90.00 each)",
    ]
    assert s.conversation.step is Step.CHOOSING_QUANTITY


def test_a_button_from_an_old_menu_changes_nothing() -> None:
    s = Shopper()
    old_list = s.says("menu")
    s.presses("Samosa")
    s.presses("2")
    s.presses("Ginger chai", from_replies=old_list)
    assert s.texts[0] == "That menu is out of date. Here is the current one."
    assert s.labels == ["Add more", "Checkout"]
    assert [(line.sku, line.quantity) for line in s.conversation.cart] == [("SAMOSA", 2)]


def test_cart_help_and_start_over_work_at_any_step() -> None:
    s = Shopper()
    s.says("2 samosa")
    s.presses("Checkout")
    s.says("cart")
    assert s.texts[0] == "Your cart:\n2 × Samosa — ₹120.00\nSubtotal: ₹120.00"
    assert s.step is Step.DELIVERY_METHOD
    s.says("help")
    assert s.texts[0].startswith("I take orders right here.")
    s.says("start over")
    assert (s.conversation.cart, s.step) == ([], Step.CHOOSING_PRODUCT)


def test_cancel_at_the_summary_clears_the_cart_and_orders_nothing() -> None:
    s = Shopper()
    s.says("1 samosa")
    checkout_to_summary(s)
    s.presses("Cancel")
    assert s.commands == [] and s.conversation.cart == [] and s.conversation.step is Step.IDLE
    assert s.texts == ["OK, your cart is cleared. Say “menu” whenever you want to order."]


def test_a_pending_order_can_be_cancelled_in_chat_and_a_shipped_one_cannot() -> None:
    s = Shopper()
    s.conversation.last_order = 1001
    s.says("cancel")
    assert s.commands == [CancelOrderCommand(1001)]
    s.outcomes = [StatusUnchanged(1001, OrderStatus.SHIPPED, OrderStatus.CANCELLED)]
    s.says("cancel")
    assert s.texts == [
        "Order #1001 is on its way, so it can no longer be cancelled in chat. Please contact the store."
    ]


def test_where_is_my_order_reports_the_latest_order() -> None:
    s = Shopper()
    s.says("where is my order?")
    assert s.texts == ["You have no orders yet. Say “menu” to start one."]
    s.conversation.last_order = 1001
    s.outcomes = [StatusReport(1001, OrderStatus.SHIPPED)]
    s.says("Where is my order?")
    assert s.commands == [OrderStatusCommand(1001)] and s.texts == ["Order #1001: on its way."]


def test_cod_buttons_work_from_any_later_step() -> None:
    s = Shopper()
    s.says("menu")
    s.presses_id("cod:y:1001")
    assert s.commands == [ConfirmOrderCommand(1001)]
    assert s.conversation.step is Step.CHOOSING_PRODUCT


def test_a_refused_placement_keeps_the_cart() -> None:
    s = Shopper()
    s.says("2 samosa")
    checkout_to_summary(s)
    s.outcomes = [OrderRefused("Samosa has just sold out")]
    s.presses("Confirm")
    assert (
        s.texts[0]
        == "Sorry, Samosa has just sold out. Your cart is kept; please change it and check out again."
    )
    assert s.conversation.step is Step.CART_MENU and len(s.conversation.cart) == 1


def test_long_catalogs_page_nine_at_a_time_with_more() -> None:
    products = [Product(i, f"SKU{i}", f"Tea {i:02d}", 100, None) for i in range(1, 22)]
    s = Shopper(view=make_view(products=products))
    s.says("menu")
    assert len(s.labels) == 10 and s.labels[-1] == "More…"
    s.presses("More…")
    assert s.labels[0] == "Tea 10" and s.labels[-1] == "More…"
    s.presses("More…")
    assert s.labels == ["Tea 19", "Tea 20", "Tea 21"]


def test_a_spanish_shopper_is_answered_in_spanish() -> None:
    s = Shopper(language="es")
    s.says("quiero pedir")
    assert s.texts == ["¿Qué te apetece? Elige un producto:"]
    s.presses("Samosa")
    s.says("dos")
    assert s.texts[0] == "Añadido: 2 × Samosa."
    assert s.labels == ["Añadir más", "Pagar"]


def test_an_unknown_product_shows_what_there_is() -> None:
    s = Shopper()
    s.says("menu")
    s.says("pizza")
    assert s.texts[0] == "I couldn't find “pizza”. Here is what we have:"
    assert s.conversation.step is Step.CHOOSING_PRODUCT


def test_a_conversation_survives_a_round_trip_through_storage() -> None:
    s = Shopper()
    s.says("1 chai t-shirt")
    s.says("m")
    s.presses("Checkout")
    data = s.conversation.to_json()
    restored = Conversation.from_json(s.conversation.key, data, version=7)
    assert restored.to_json() == data and restored.version == 7
