"""What the shopper hears once the orchestrator has carried out a turn's command."""

from __future__ import annotations

from flows import prompts
from flows.conversation import Conversation
from flows.machine import move
from flows.messages import Choice
from flows.turn import (
    OrderPlaced,
    OrderRefused,
    OrderReopened,
    Outcome,
    PaymentCheck,
    StatusMoved,
    StatusReport,
    StatusUnchanged,
    StoreView,
    Turn,
)
from orders.status import OrderStatus

# Why an order could not be placed (`OrderRefused.reason`); each is told to the shopper in their language,
# never in the order services' own wording.
REFUSED_STOCK = "out_of_stock"  # with the product's SKU
REFUSED_UNAVAILABLE = "unavailable"  # a product in the cart is no longer on sale
REFUSED_OTHER = "invalid"  # the store's rules changed under the cart (a new required field…)


def resume(conversation: Conversation, outcome: Outcome, view: StoreView) -> Turn:
    turn = Turn(conversation, view)
    if isinstance(outcome, OrderPlaced):
        conversation.clear_checkout()
        conversation.last_order = outcome.number
        move(conversation, "finish")
        number = outcome.number
        if outcome.online:
            # The link follows once the provider made the checkout; cash is never mentioned.
            turn.say(turn.t("online_placed", number=number, total=turn.money(outcome.total)))
            return turn
        buttons = (
            Choice(f"cod:y:{number}", turn.t("confirm_order")),
            Choice(f"cod:n:{number}", turn.t("cancel_order")),
        )
        turn.ask_raw(turn.t("cod_confirmation", number=number, total=turn.money(outcome.total)), buttons)
    elif isinstance(outcome, OrderRefused):
        _refused(turn, outcome)
    elif isinstance(outcome, StatusUnchanged):
        _unchanged(turn, outcome)
    elif isinstance(outcome, PaymentCheck):
        _payment_check(turn, outcome)
    elif isinstance(outcome, OrderReopened):
        _reopened(turn, outcome)
    elif isinstance(outcome, StatusReport):
        status = _status_words(turn, outcome.status)
        turn.say(turn.t("order_status", number=outcome.number, status=status))
    # StatusMoved: the status notification (through the outbox) is the reply.
    elif not isinstance(outcome, StatusMoved):
        raise TypeError(f"unknown outcome {outcome!r}")
    return turn


def _payment_check(turn: Turn, outcome: PaymentCheck) -> None:
    if outcome.status is None:
        turn.say(turn.t("no_orders"))
    elif outcome.asking:
        turn.say(turn.t("checking_payment", number=outcome.number))
    elif outcome.status in ("paid", "refunded"):
        turn.say(turn.t("payment_already_received", number=outcome.number))
    else:
        turn.say(turn.t("payment_not_online", number=outcome.number))


def _reopened(turn: Turn, outcome: OrderReopened) -> None:
    """The cancelled order's items are back in the cart, its answers offered again at checkout."""
    conv = turn.conversation
    for line in outcome.lines:
        conv.add_to_cart(line.sku, line.name, line.quantity, line.unit_price, dict(line.fields))
    conv.known.update(outcome.fields)
    turn.say(turn.t("order_reopened", number=outcome.number))
    move(conv, "show_cart_menu")
    prompts.show(turn)


def _refused(turn: Turn, outcome: OrderRefused) -> None:
    """The cart is kept and the shopper hears why, then sees the cart menu to change it or try again."""
    name = next((line.name for line in turn.conversation.cart if line.sku == outcome.sku), "")
    if outcome.reason == REFUSED_STOCK and name:
        turn.say(turn.t("refused_stock", product=name))
    elif outcome.reason == REFUSED_UNAVAILABLE:
        turn.say(turn.t("refused_unavailable"))
    else:
        turn.say(turn.t("refused_other"))
    move(turn.conversation, "show_cart_menu")
    prompts.show(turn)


def _status_words(turn: Turn, status: OrderStatus | None) -> str:
    if status is None:
        return "—"
    return turn.t(f"status_{status.value}")


def _unchanged(turn: Turn, outcome: StatusUnchanged) -> None:
    status = _status_words(turn, outcome.status)
    if outcome.status is None:
        turn.say(turn.t("no_orders"))
    elif outcome.wanted is None:  # "change my order" on an order staff already took
        turn.say(turn.t("cannot_change", number=outcome.number, status=status))
    elif outcome.wanted is OrderStatus.CANCELLED:
        turn.say(turn.t("cannot_cancel", number=outcome.number, status=status))
    else:
        turn.say(turn.t("already_status", number=outcome.number, status=status))
