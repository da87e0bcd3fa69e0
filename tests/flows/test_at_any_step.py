"""At any step of a conversation: off-script messages, global words, stale buttons, and after the order."""

from __future__ import annotations

from catalog.product import Product
from flows.conversation import Conversation, Step
from flows.results import REFUSED_OTHER, REFUSED_STOCK
from flows.turn import (
    CancelOrderCommand,
    ConfirmOrderCommand,
    OrderRefused,
    OrderStatusCommand,
    StatusReport,
    StatusUnchanged,
)
from orders.status import OrderStatus
from tests.flows.shopper import Shopper, checkout_to_summary, make_view


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


def test_a_refused_placement_keeps_the_cart_and_is_told_in_the_shoppers_words() -> None:
    s = Shopper()
    s.says("2 samosa")
    checkout_to_summary(s)
    s.outcomes = [OrderRefused(REFUSED_STOCK, "SAMOSA")]
    s.presses("Confirm")
    assert s.texts[0] == (
        "Sorry, there is not enough Samosa left for your order. "
        "Your cart is kept; please change it and check out again."
    )
    assert s.conversation.step is Step.CART_MENU and len(s.conversation.cart) == 1


def test_a_refusal_is_told_in_the_shoppers_language_never_in_the_services_words() -> None:
    s = Shopper(language="es")
    s.says("2 samosa")
    s.presses("Pagar")
    s.presses("Recogida")
    s.says("+34 600 000 000")
    s.presses("Omitir")
    s.outcomes = [OrderRefused(REFUSED_OTHER)]
    s.presses("Confirmar")
    assert (
        s.texts[0]
        == "Lo siento, no pudimos hacer tu pedido así. Tu carrito se mantiene; vuelve a pagar, por favor."
    )


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
