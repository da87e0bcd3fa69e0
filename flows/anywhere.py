"""What a shopper may type at any step: help, the cart, cancel, start over, where is my order, change it, a
person, "I've paid", cart edits, checkout, the menu, and a price in another currency."""

from __future__ import annotations

from catalog.money import converted, format_money
from flows import actions
from flows.conversation import Step
from flows.lexicon import Intent
from flows.parsing import is_global_command
from flows.turn import OrderStatusCommand, PaymentCheckCommand, ReopenOrderCommand, Turn
from flows.understanding import Reading

# Steps whose answer is free text (an address, a note): there a command must be the whole message.
FREE_TEXT = frozenset({Step.ITEM_FIELD, Step.ORDER_FIELD})
# Steps of a checkout under way: "pay online" there answers the step rather than starting checkout again.
_CHECKING_OUT = frozenset({Step.DELIVERY_METHOD, Step.ORDER_FIELD, Step.PAYMENT_METHOD, Step.SUMMARY})


def command(turn: Turn, text: str, reading: Reading) -> bool:
    """Commands at every step: help, cart, cancel, start over, status, a person, paid, cart edits, menu."""
    words = turn.view.lexicon
    intent = reading.intent
    conv = turn.conversation
    whole = intent is not None and is_global_command(text, intent, words)
    anywhere = whole or conv.step not in FREE_TEXT
    if intent is Intent.HELP and whole:
        turn.say(turn.t("help"))
        actions.resume(turn)
    elif intent is Intent.CART and whole:
        actions.show_cart(turn)
    elif intent is Intent.CANCEL and (whole or conv.step is Step.IDLE):
        actions.cancel(turn)
    elif intent is Intent.RESTART:
        conv.clear_checkout()
        actions.show_products(turn)
    elif intent is Intent.ORDER_STATUS:
        _order_status(turn)
    elif intent is Intent.CHANGE_ORDER and anywhere:
        if conv.last_order is None:
            turn.say(turn.t("no_orders"))
        else:
            turn.commands.append(ReopenOrderCommand(conv.last_order))
    elif intent is Intent.HUMAN and anywhere:
        turn.say(turn.t("human"))
        actions.resume(turn)
    elif intent is Intent.PAID and anywhere:
        _paid(turn)
    else:
        return anywhere and _cart_command(turn, reading)
    return True


def _cart_command(turn: Turn, reading: Reading) -> bool:
    """Emptying, removing, changing a quantity, checking out and the menu, typed at any step."""
    conv = turn.conversation
    intent = reading.intent
    if intent is Intent.EMPTY:
        actions.clear_cart(turn)
    elif intent is Intent.REMOVE and (conv.cart or not reading.items):
        if reading.items:
            actions.remove_items(turn, reading.items)
        else:
            turn.say(turn.t("off_script") if conv.cart else turn.t("cart_empty"))
            actions.resume(turn)
    elif intent is Intent.CHANGE and conv.cart and _change(turn, reading):
        pass
    elif intent is Intent.CHECKOUT and not reading.items and conv.step not in _CHECKING_OUT:
        actions.start_checkout(turn)
    elif intent is Intent.MENU and not reading.items and not reading.ambiguous:
        actions.show_products(turn)
    else:
        return False
    return True


def _paid(turn: Turn) -> None:
    """ "I've paid": with online payments the provider is asked again; otherwise the shop checks by hand."""
    last = turn.conversation.last_order
    if last is None:
        turn.say(turn.t("no_orders"))
    elif turn.view.online_payments:
        turn.commands.append(PaymentCheckCommand(last))
    else:
        turn.say(turn.t("paid"))
        turn.commands.append(OrderStatusCommand(last))


def _order_status(turn: Turn) -> None:
    last = turn.conversation.last_order
    if last is None:
        turn.say(turn.t("no_orders"))
    else:
        turn.commands.append(OrderStatusCommand(last))


def _change(turn: Turn, reading: Reading) -> bool:
    """ "Make it 3 chai", "no, only one": a new quantity for a line of the cart."""
    wanted = reading.items[0] if len(reading.items) == 1 else None
    quantity = wanted.quantity if wanted and wanted.quantity else reading.number
    if quantity is None or len(reading.items) > 1:
        return False
    actions.change_quantity(turn, wanted.product if wanted else None, quantity)
    return True


def quote(turn: Turn, reading: Reading) -> bool:
    """ "How much in dollars?": named products, else the one being added, else the cart, approximately."""
    # At the rate the store sets; orders stay in the store's currency.
    code, store = reading.currency, turn.view.store
    if code is None or not reading.question or code == store.currency:
        return False
    conv = turn.conversation
    pending = turn.view.catalog.by_sku(conv.pending.sku) if conv.pending else None
    priced = [(w.product.name, w.product.price) for w in reading.items] or (
        [(pending.name, pending.price)] if pending else []
    )
    if not priced and conv.cart:
        priced = [(turn.t("subtotal"), sum(line.quantity * line.unit_price for line in conv.cart))]
    rate = store.store.quote_rates.get(code)
    if rate is None:
        turn.say(turn.t("quote_unavailable", currency=store.currency))
        return True
    if not priced:
        return False
    for name, minor in priced:
        quote = format_money(converted(minor, store.currency, code, rate), code, conv.language)
        turn.say(
            turn.t("price_quote", product=name, price=turn.money(minor), quote=quote, currency=store.currency)
        )
    return True
