"""The moves of the order flow, shared by typed text and button presses."""

from __future__ import annotations

from collections.abc import Sequence

from catalog.product import Product
from flows import prompts
from flows.conversation import SKIPPED, PendingItem, Step
from flows.machine import move
from flows.messages import InboundMessage
from flows.turn import CancelOrderCommand, PlaceOrderCommand, Turn
from flows.understanding import Wanted
from orders.commands import LineRequest, PlaceOrder
from orders.fields import FieldSpec, FieldValueError
from orders.model import Customer, Lead
from orders.status import OrderSource, PaymentMethod


def show_products(turn: Turn, query: str = "", page: int = 0) -> None:
    conv = turn.conversation
    conv.query, conv.page = query, page
    conv.queue.clear()  # the shopper went to the list: what one message named is no longer waiting
    move(conv, "show_products")
    prompts.show(turn)


def choose_product(turn: Turn, product: Product, quantity: int | None = None) -> None:
    """Start adding `product`; with a quantity already given ("2 masala chai") skip the question."""
    turn.conversation.pending = PendingItem(product.sku)
    if quantity is None:
        move(turn.conversation, "ask_quantity")
        prompts.show(turn)
    else:
        set_quantity(turn, quantity)


def show_cart(turn: Turn) -> None:
    """The cart's lines and subtotal; the step's own question follows, if it has one."""
    conv = turn.conversation
    subtotal = turn.money(sum(line.quantity * line.unit_price for line in conv.cart))
    turn.say(
        turn.t("cart_contents", lines=prompts.cart_lines(turn), subtotal=subtotal)
        if conv.cart
        else turn.t("cart_empty")
    )
    resume(turn)


def resume(turn: Turn) -> None:
    """Ask again what the step asks, after answering something on the side."""
    if turn.conversation.step is not Step.IDLE:
        prompts.show(turn)


def add_items(turn: Turn, items: Sequence[Wanted]) -> None:
    """Products named in one message ("2 samosa and 3 chai") added in turn, asking only what is missing."""
    first, *rest = items
    turn.conversation.queue = [(w.product.sku, w.quantity) for w in rest]
    choose_product(turn, first.product, first.quantity)


def remove_items(turn: Turn, items: Sequence[Wanted]) -> None:
    """ "Remove the samosa": every line of the named products leaves the cart."""
    conv = turn.conversation
    for wanted in items:
        kept = [line for line in conv.cart if line.sku != wanted.product.sku]
        key = "removed" if len(kept) < len(conv.cart) else "not_in_cart"
        conv.cart[:] = kept
        turn.say(turn.t(key, product=wanted.product.name))
    after_cart_edit(turn)


def change_quantity(turn: Turn, product: Product | None, quantity: int) -> None:
    """ "Make it 3 chai", "no, only one": the named product's line (else the last one added) gets it."""
    conv = turn.conversation
    lines = [line for line in conv.cart if product is None or line.sku == product.sku]
    if not lines:
        turn.say(turn.t("not_in_cart", product=product.name if product else ""))
        after_cart_edit(turn)
        return
    line = lines[-1]
    known = turn.view.catalog.by_sku(line.sku)
    per_line = turn.view.store.store.max_quantity_per_line
    limit = min(per_line, prompts.max_quantity(turn, known) + line.quantity) if known else 0
    if not 1 <= quantity <= limit:
        turn.say(turn.t("quantity_invalid", max=limit))
    else:
        line.quantity = quantity
        turn.say(turn.t("merged", quantity=quantity, product=line.name))
    after_cart_edit(turn)


def after_cart_edit(turn: Turn) -> None:
    conv = turn.conversation
    if conv.cart:
        move(conv, "show_cart_menu")
        prompts.show(turn)
    else:
        conv.clear_checkout()
        move(conv, "finish")
        turn.say(turn.t("cart_empty"))


def set_quantity(turn: Turn, quantity: int) -> None:
    conv = turn.conversation
    product = turn.view.catalog.by_sku(conv.pending.sku) if conv.pending else None
    if product is None or conv.pending is None:
        show_products(turn)
        return
    limit = prompts.max_quantity(turn, product)
    if limit == 0:
        turn.say(turn.t("sold_out", product=product.name) + ".")
        show_products(turn)
        return
    if not 1 <= quantity <= limit:
        over_stock = (
            product.stock is not None
            and quantity > limit
            and limit < turn.view.store.store.max_quantity_per_line
        )
        key = "quantity_over_stock" if over_stock else "quantity_invalid"
        turn.say(turn.t(key, max=limit, available=limit, product=product.name))
        move(conv, "ask_quantity")
        prompts.show(turn)
        return
    conv.pending.quantity = quantity
    next_item_step(turn)


def next_item_step(turn: Turn) -> None:
    """Ask the next item field, or put the finished item in the cart."""
    if prompts.next_item_field(turn) is not None:
        move(turn.conversation, "ask_item_field")
        prompts.show(turn)
        return
    conv = turn.conversation
    pending = conv.pending
    product = turn.view.catalog.by_sku(pending.sku) if pending else None
    if pending is None or product is None:
        show_products(turn)
        return
    total = conv.add_to_cart(product.sku, product.name, pending.quantity, product.price, pending.fields)
    if total == pending.quantity:
        turn.say(turn.t("added", quantity=pending.quantity, product=product.name))
    else:
        turn.say(turn.t("merged", quantity=total, product=product.name))
    conv.pending = None
    while conv.queue:
        sku, quantity = conv.queue.pop(0)
        if (queued := turn.view.catalog.by_sku(sku)) is not None:
            choose_product(turn, queued, quantity)
            return
    move(conv, "show_cart_menu")
    prompts.show(turn)


def _parse(turn: Turn, spec: FieldSpec, raw: str) -> str | int | float | None:
    try:
        return spec.parse_value(raw)
    except FieldValueError as exc:
        turn.say(turn.t("field_invalid", problem=str(exc)))
        prompts.show(turn)
        return None


def answer_item_field(turn: Turn, raw: str, skip: bool = False) -> None:
    spec = prompts.next_item_field(turn)
    pending = turn.conversation.pending
    if spec is None or pending is None:
        next_item_step(turn)
        return
    if skip and not spec.required:
        pending.fields[spec.name] = SKIPPED
        next_item_step(turn)
        return
    value = _parse(turn, spec, raw)
    if value is not None:
        pending.fields[spec.name] = value
        next_item_step(turn)


def start_checkout(turn: Turn) -> None:
    conv = turn.conversation
    if not conv.cart:
        turn.say(turn.t("cart_empty"))
        resume(turn)
        return
    # "Checkout" may be typed at any step: an item half added is dropped, and checkout starts from the cart.
    conv.pending = None
    conv.queue.clear()
    move(conv, "show_cart_menu")
    methods = turn.view.store.store.delivery
    if len(methods) > 1:
        move(conv, "ask_delivery")
        prompts.show(turn)
        return
    choose_delivery(turn, methods[0])


def choose_delivery(turn: Turn, method: str) -> None:
    if method not in turn.view.store.store.delivery:
        prompts.show(turn)
        return
    turn.conversation.delivery_method = method
    next_order_step(turn)


def next_order_step(turn: Turn) -> None:
    conv = turn.conversation
    if prompts.next_order_field(turn) is not None:
        move(conv, "ask_order_field")
    elif len(turn.view.payment_methods) > 1 and conv.payment_method not in turn.view.payment_methods:
        move(conv, "ask_payment")  # asked before the summary, only when there is a choice
    else:
        move(conv, "review")
    prompts.show(turn)


def choose_payment(turn: Turn, method: str) -> None:
    if method in turn.view.payment_methods:
        turn.conversation.payment_method = method
        next_order_step(turn)
    else:
        prompts.show(turn)


def answer_order_field(turn: Turn, raw: str, *, skip: bool = False) -> None:
    spec = prompts.next_order_field(turn)
    conv = turn.conversation
    if spec is None:
        next_order_step(turn)
        return
    if skip and not spec.required:
        conv.skipped.append(spec.name)
        next_order_step(turn)
        return
    value = _parse(turn, spec, raw)
    if value is not None:
        conv.answers[spec.name] = value
        conv.known[spec.name] = value  # offered for reuse at the next checkout
        next_order_step(turn)


def clear_cart(turn: Turn) -> None:
    turn.conversation.clear_checkout()
    move(turn.conversation, "finish")
    turn.say(turn.t("cart_cleared"))


def cancel(turn: Turn) -> None:
    """ "cancel" clears a cart in progress; with nothing in progress it cancels the latest order."""
    conv = turn.conversation
    if conv.step is not Step.IDLE or conv.cart:
        clear_cart(turn)
    elif conv.last_order is not None:
        turn.commands.append(CancelOrderCommand(conv.last_order))
    else:
        turn.say(turn.t("cart_empty"))


def payment_method(turn: Turn) -> str:
    """The method chosen, or the store's only one."""
    methods = turn.view.payment_methods
    chosen = turn.conversation.payment_method
    return chosen if chosen in methods else methods[0]


def place_order(turn: Turn, inbound: InboundMessage) -> None:
    """Ask the orchestrator to place the cart as an order; `resume` answers once it is done."""
    conv = turn.conversation
    answers = conv.answers
    customer = Customer(
        name=str(answers.get("name") or answers.get("customer_name") or inbound.contact_name),
        phone=str(answers.get("phone") or inbound.phone),
        email=str(answers.get("email") or ""),
    )
    lines = tuple(
        LineRequest(line.quantity, line.sku, fields={k: v for k, v in line.fields.items() if v != SKIPPED})
        for line in conv.cart
    )
    order = PlaceOrder(
        lines=lines,
        customer=customer,
        source=OrderSource.CHAT,
        channel=conv.key.channel,
        lead=Lead(conv.key.channel, conv.key.user_id),
        language=conv.language,
        delivery_method=conv.delivery_method,
        delivery_address=str(answers.get("delivery_address") or ""),
        payment_method=PaymentMethod(payment_method(turn)),
        fields=dict(answers),
        actor="customer",
    )
    turn.commands.append(PlaceOrderCommand(order))
