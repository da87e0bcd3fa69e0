"""One conversation turn, pure: step(conversation, inbound, view, now) -> Turn(replies, commands)."""

from __future__ import annotations

from datetime import datetime

from flows import actions, anywhere, assistant, prompts
from flows.conversation import Conversation, Step
from flows.lexicon import Intent
from flows.messages import InboundKind, InboundMessage
from flows.parsing import detect_intent, normalise, parse_number
from flows.turn import (
    CancelOrderCommand,
    ConfirmOrderCommand,
    StoreView,
    Turn,
)
from flows.understanding import Reading, read
from orders.fields import FieldType

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
    if turn.conversation.step in anywhere.FREE_TEXT:
        # An address or a note: only a whole-message command counts there, so products are not looked for.
        reading = Reading(detect_intent(text, turn.view.lexicon), (), None, question=False, ambiguous=False)
    else:
        reading = read(text, turn.view.lexicon, turn.view.catalog)
    if anywhere.command(turn, text, reading):
        return
    if reading.currency and anywhere.quote(turn, reading):
        actions.resume(turn)
        return
    if inbound.assist and assistant.needs_help(turn, text, reading) and assistant.apply(turn, inbound.assist):
        return
    step_now = turn.conversation.step
    if step_now is not Step.IDLE and _answers_question(turn, text, reading):
        prompts.show(turn)
        return
    _TEXT_HANDLERS.get(step_now, _idle)(turn, inbound, text, reading)


def _answers_question(turn: Turn, text: str, reading: Reading) -> bool:
    """ "How much is the masala chai?" is answered; the flow then resumes where it was."""
    if not reading.question:
        return False
    products = [w.product for w in reading.items] or [m.product for m in turn.view.catalog.search(text)[:1]]
    for product in products:
        stock = (
            turn.t("in_stock")
            if product.stock is None or product.stock > 10
            else turn.t("few_left", available=product.stock)
        )
        turn.say(turn.t("price_answer", product=product.name, price=turn.money(product.price), stock=stock))
    return bool(products)


def _mention(turn: Turn, text: str, reading: Reading) -> bool:
    """Named products are added; a name several share, or a word of some names, shows the filtered list."""
    if reading.items:
        actions.add_items(turn, reading.items)
        return True
    if turn.view.catalog.search(text):
        actions.show_products(turn, text)
        return True
    return False


def _idle(turn: Turn, inbound: InboundMessage, text: str, reading: Reading) -> None:
    intent = reading.intent
    if intent is Intent.GREETING:
        turn.say(turn.t("welcome", store=turn.view.store.store.name))
    if reading.question and _answers_question(turn, text, reading):
        turn.say(turn.t("idle_prompt"))
    elif _mention(turn, text, reading):
        return
    elif intent in (Intent.ORDER, Intent.GREETING, Intent.MENU):
        actions.show_products(turn)
    else:
        turn.say(turn.t("off_script"))
        turn.say(turn.t("idle_prompt"))


def _choosing_product(turn: Turn, inbound: InboundMessage, text: str, reading: Reading) -> None:
    if reading.items or reading.intent not in _FLOW_WORDS:
        if _mention(turn, text, reading):
            return
        if reading.intent is None:
            turn.say(turn.t("not_found", query=text))
    actions.show_products(turn)


# The flow's own words: typed while the list shows, they show it again rather than being searched.
_FLOW_WORDS = frozenset({Intent.ORDER, Intent.GREETING, Intent.MENU})


def _choosing_quantity(turn: Turn, inbound: InboundMessage, text: str, reading: Reading) -> None:
    number = parse_number(text, turn.view.lexicon)
    if number is None and not reading.items:
        number = reading.number
    if number is not None:
        actions.set_quantity(turn, number)
    elif not _mention(turn, text, reading):
        turn.say(turn.t("off_script"))
        prompts.show(turn)


def _item_field(turn: Turn, inbound: InboundMessage, text: str, reading: Reading) -> None:
    spec = prompts.next_item_field(turn)
    if (
        spec is not None
        and spec.type is FieldType.SELECT
        and (number := parse_number(text, turn.view.lexicon))
    ):
        text = spec.options[number - 1] if 1 <= number <= len(spec.options) else text
    actions.answer_item_field(turn, text)


def _cart_menu(turn: Turn, inbound: InboundMessage, text: str, reading: Reading) -> None:
    said = normalise(text)
    if said in {normalise(turn.t("checkout")), "checkout", "check out", "pay"}:
        actions.start_checkout(turn)
    elif _mention(turn, text, reading):
        return
    elif said in {normalise(turn.t("add_more")), "add more", "more"} or reading.intent in _FLOW_WORDS:
        actions.show_products(turn)
    else:
        turn.say(turn.t("off_script"))
        prompts.show(turn)


def _delivery(turn: Turn, inbound: InboundMessage, text: str, reading: Reading) -> None:
    said = normalise(text)
    for method in turn.view.store.store.delivery:
        if said in {method, normalise(turn.t(f"delivery_{method}"))}:
            actions.choose_delivery(turn, method)
            return
    turn.say(turn.t("off_script"))
    prompts.show(turn)


def _order_field(turn: Turn, inbound: InboundMessage, text: str, reading: Reading) -> None:
    actions.answer_order_field(turn, text)


def _payment(turn: Turn, inbound: InboundMessage, text: str, reading: Reading) -> None:
    said = normalise(text)
    for method in turn.view.payment_methods:
        if said in {method, normalise(turn.t(f"payment_{method}"))}:
            actions.choose_payment(turn, method)
            return
    turn.say(turn.t("off_script"))
    prompts.show(turn)


def _summary(turn: Turn, inbound: InboundMessage, text: str, reading: Reading) -> None:
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
