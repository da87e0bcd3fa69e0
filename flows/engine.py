"""One conversation turn, pure: step(conversation, inbound, view, now) -> Turn(replies, commands)."""

from __future__ import annotations

from datetime import datetime

from flows import actions, prompts
from flows.conversation import Conversation, Step
from flows.lexicon import Intent
from flows.messages import InboundKind, InboundMessage
from flows.parsing import (
    detect_intent,
    is_global_command,
    is_question,
    leading_quantity,
    normalise,
    parse_number,
)
from flows.turn import (
    CancelOrderCommand,
    ConfirmOrderCommand,
    OrderStatusCommand,
    PaymentCheckCommand,
    StoreView,
    Turn,
)
from orders.store import FieldType

# Order numbers and product ids are 32-bit INTEGER columns (PostgreSQL): a choice id naming a bigger one is
# no choice this bot ever offered.
MAX_ID = 2**31 - 1


def step(conversation: Conversation, inbound: InboundMessage, view: StoreView, now: datetime) -> Turn:
    """Advance the conversation by one inbound message; shopper mistakes become replies, never errors."""
    turn = Turn(conversation, view)
    conversation.updated_at = now
    if inbound.kind is InboundKind.UNSUPPORTED:
        turn.say(turn.t("unsupported"))
        prompts.show(turn)
    elif inbound.kind is InboundKind.CHOICE:
        _on_choice(turn, inbound)
    else:
        _on_text(turn, inbound)
    return turn


def _id(text: str) -> int | None:
    """The number in a choice id, or None: choice ids come back from outside and may be crafted, so only
    ASCII digits count ("²" is a digit to str.isdigit() but not to int()) and only what a column holds."""
    if not (text.isascii() and text.isdigit()) or len(text) > 10:
        return None
    number = int(text)
    return number if number <= MAX_ID else None


def _on_choice(turn: Turn, inbound: InboundMessage) -> None:
    conv = turn.conversation
    parts = inbound.choice_id.split(":")
    cod, answer = parts[0] == "cod" and len(parts) == 3, parts[1] if len(parts) > 1 else ""
    if cod and answer in ("y", "n") and (number := _id(parts[2])) is not None:
        turn.commands.append(ConfirmOrderCommand(number) if answer == "y" else CancelOrderCommand(number))
        return
    if len(parts) < 2 or _id(parts[0]) != conv.menu:
        turn.say(turn.t("stale_menu"))
        prompts.show(turn)
        return
    action, arg = parts[1], ":".join(parts[2:])
    _choice_action(turn, inbound, action, arg)


def _choice_action(turn: Turn, inbound: InboundMessage, action: str, arg: str) -> None:
    conv = turn.conversation
    step_now = conv.step
    number = _id(arg)
    if action == "p" and number is not None and (product := turn.view.catalog.by_id(number)):
        actions.choose_product(turn, product)
    elif action == "pg" and number is not None:
        actions.show_products(turn, conv.query, number)
    elif action == "q" and number is not None and step_now is Step.CHOOSING_QUANTITY:
        actions.set_quantity(turn, number)
    elif action == "o" and step_now in (Step.ITEM_FIELD, Step.ORDER_FIELD):
        _option(turn, arg)
    elif action == "k" and step_now is Step.ORDER_FIELD:
        spec = prompts.next_order_field(turn)
        known = conv.known.get(spec.name) if spec else None
        actions.answer_order_field(turn, str(known) if known is not None else "")
    elif action == "more":
        actions.show_products(turn)
    elif action == "co":
        actions.start_checkout(turn)
    elif action == "d" and step_now is Step.DELIVERY_METHOD:
        actions.choose_delivery(turn, arg)
    elif action == "pm" and step_now is Step.PAYMENT_METHOD:
        actions.choose_payment(turn, arg)
    elif action == "y" and step_now is Step.SUMMARY:
        actions.place_order(turn, inbound)
    elif action == "n" and step_now is Step.SUMMARY:
        actions.clear_cart(turn)
    else:
        turn.say(turn.t("stale_menu"))
        prompts.show(turn)


def _option(turn: Turn, arg: str) -> None:
    """A select option (by index) or "skip" for the field being asked."""
    item = turn.conversation.step is Step.ITEM_FIELD
    spec = prompts.next_item_field(turn) if item else prompts.next_order_field(turn)
    skip = arg == "-"
    value = ""
    index = _id(arg)
    if spec is not None and not skip and index is not None and index < len(spec.options):
        value = spec.options[index]
    if item:
        actions.answer_item_field(turn, value, skip=skip)
    else:
        actions.answer_order_field(turn, value, skip=skip)


def _on_text(turn: Turn, inbound: InboundMessage) -> None:
    text = inbound.text.strip()
    if _global_command(turn, text):
        return
    step_now = turn.conversation.step
    if step_now is not Step.IDLE and _answers_question(turn, text):
        prompts.show(turn)
        return
    _TEXT_HANDLERS.get(step_now, _idle)(turn, inbound, text)


def _global_command(turn: Turn, text: str) -> bool:
    """help, cart, cancel, start over and "where is my order" work at every step."""
    words = turn.view.lexicon
    intent = detect_intent(text, words)
    conv = turn.conversation
    if intent is Intent.HELP and is_global_command(text, Intent.HELP, words):
        turn.say(turn.t("help"))
        if conv.step is not Step.IDLE:
            prompts.show(turn)
    elif intent is Intent.CART and is_global_command(text, Intent.CART, words):
        turn.say(
            turn.t(
                "cart_contents",
                lines=prompts.cart_lines(turn),
                subtotal=turn.money(sum(line.quantity * line.unit_price for line in conv.cart)),
            )
            if conv.cart
            else turn.t("cart_empty")
        )
        if conv.step is not Step.IDLE:
            prompts.show(turn)
    elif intent is Intent.CANCEL and (
        is_global_command(text, Intent.CANCEL, words) or conv.step is Step.IDLE
    ):
        actions.cancel(turn)
    elif intent is Intent.RESTART:
        conv.clear_checkout()
        actions.show_products(turn)
    elif intent in (Intent.ORDER_STATUS, Intent.PAID):
        if conv.last_order is None:
            turn.say(turn.t("no_orders"))
        elif intent is Intent.PAID:
            turn.commands.append(PaymentCheckCommand(conv.last_order))
        else:
            turn.commands.append(OrderStatusCommand(conv.last_order))
    else:
        return False
    return True


def _answers_question(turn: Turn, text: str) -> bool:
    """ "How much is the masala chai?" is answered; the flow then resumes where it was."""
    if not is_question(text, turn.view.lexicon):
        return False
    matches = turn.view.catalog.search(text)
    if not matches:
        return False
    product = matches[0].product
    stock = (
        turn.t("in_stock")
        if product.stock is None or product.stock > 10
        else turn.t("few_left", available=product.stock)
    )
    turn.say(turn.t("price_answer", product=product.name, price=turn.money(product.price), stock=stock))
    return True


def _mention(turn: Turn, text: str) -> bool:
    """A product named in the text starts adding it; several candidates show a filtered list."""
    quantity, rest = leading_quantity(text, turn.view.lexicon)
    product = turn.view.catalog.mentioned(rest)
    if product is not None:
        actions.choose_product(turn, product, quantity)
        return True
    if turn.view.catalog.search(rest):
        actions.show_products(turn, rest)
        return True
    return False


def _idle(turn: Turn, inbound: InboundMessage, text: str) -> None:
    intent = detect_intent(text, turn.view.lexicon)
    if intent is Intent.GREETING:
        turn.say(turn.t("welcome", store=turn.view.store.store.name))
    if _mention(turn, text):
        return
    if intent in (Intent.ORDER, Intent.GREETING):
        actions.show_products(turn)
    elif _answers_question(turn, text):
        turn.say(turn.t("idle_prompt"))
    else:
        turn.say(turn.t("off_script"))
        turn.say(turn.t("idle_prompt"))


def _choosing_product(turn: Turn, inbound: InboundMessage, text: str) -> None:
    if not _mention(turn, text):
        turn.say(turn.t("not_found", query=text))
        actions.show_products(turn)


def _choosing_quantity(turn: Turn, inbound: InboundMessage, text: str) -> None:
    number = parse_number(text, turn.view.lexicon)
    if number is not None:
        actions.set_quantity(turn, number)
    elif not _mention(turn, text):
        turn.say(turn.t("off_script"))
        prompts.show(turn)


def _item_field(turn: Turn, inbound: InboundMessage, text: str) -> None:
    spec = prompts.next_item_field(turn)
    if (
        spec is not None
        and spec.type is FieldType.SELECT
        and (number := parse_number(text, turn.view.lexicon))
    ):
        text = spec.options[number - 1] if 1 <= number <= len(spec.options) else text
    actions.answer_item_field(turn, text)


def _cart_menu(turn: Turn, inbound: InboundMessage, text: str) -> None:
    said = normalise(text)
    if said in {normalise(turn.t("checkout")), "checkout", "check out", "pay"}:
        actions.start_checkout(turn)
    elif (
        said in {normalise(turn.t("add_more")), "add more", "more"}
        or detect_intent(text, turn.view.lexicon) is Intent.ORDER
    ):
        if not _mention(turn, text):
            actions.show_products(turn)
    elif not _mention(turn, text):
        turn.say(turn.t("off_script"))
        prompts.show(turn)


def _delivery(turn: Turn, inbound: InboundMessage, text: str) -> None:
    said = normalise(text)
    for method in turn.view.store.store.delivery:
        if said in {method, normalise(turn.t(f"delivery_{method}"))}:
            actions.choose_delivery(turn, method)
            return
    turn.say(turn.t("off_script"))
    prompts.show(turn)


def _order_field(turn: Turn, inbound: InboundMessage, text: str) -> None:
    actions.answer_order_field(turn, text)


def _payment(turn: Turn, inbound: InboundMessage, text: str) -> None:
    said = normalise(text)
    for method in turn.view.payment_methods:
        if said in {method, normalise(turn.t(f"payment_{method}"))}:
            actions.choose_payment(turn, method)
            return
    turn.say(turn.t("off_script"))
    prompts.show(turn)


def _summary(turn: Turn, inbound: InboundMessage, text: str) -> None:
    said = normalise(text)
    if said in turn.view.lexicon.yes or said == normalise(turn.t("confirm")):
        actions.place_order(turn, inbound)
    elif said in turn.view.lexicon.no:
        actions.clear_cart(turn)
    else:
        turn.say(turn.t("off_script"))
        prompts.show(turn)


_TEXT_HANDLERS = {
    Step.IDLE: _idle,
    Step.CHOOSING_PRODUCT: _choosing_product,
    Step.CHOOSING_QUANTITY: _choosing_quantity,
    Step.ITEM_FIELD: _item_field,
    Step.CART_MENU: _cart_menu,
    Step.DELIVERY_METHOD: _delivery,
    Step.ORDER_FIELD: _order_field,
    Step.PAYMENT_METHOD: _payment,
    Step.SUMMARY: _summary,
}
