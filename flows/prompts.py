"""What the shopper sees at each step: the question and its choices, in their language."""

from __future__ import annotations

from collections.abc import Sequence

from catalog.product import Product
from flows.conversation import Step
from flows.messages import ChoiceStyle
from flows.turn import Turn
from orders.fields import FieldSpec, FieldType

PAGE_SIZE = 10
QUANTITY_CHOICES = 10


def show(turn: Turn) -> None:
    """Ask the question of the conversation's current step."""
    step = turn.conversation.step
    if step is Step.CHOOSING_PRODUCT:
        product_list(turn)
    elif step is Step.CHOOSING_QUANTITY:
        quantity_list(turn)
    elif step is Step.ITEM_FIELD:
        item_field(turn)
    elif step is Step.CART_MENU:
        cart_menu(turn)
    elif step is Step.DELIVERY_METHOD:
        methods = [(f"d:{m}", turn.t(f"delivery_{m}"), "") for m in turn.view.store.store.delivery]
        turn.ask(turn.t("ask_delivery"), methods, ChoiceStyle.BUTTONS)
    elif step is Step.ORDER_FIELD:
        order_field(turn)
    elif step is Step.PAYMENT_METHOD:
        methods = [(f"pm:{m}", turn.t(f"payment_{m}"), "") for m in turn.view.payment_methods]
        turn.ask(turn.t("ask_payment"), methods, ChoiceStyle.BUTTONS)
    elif step is Step.SUMMARY:
        summary(turn)
    else:
        turn.say(turn.t("idle_prompt"))


def _matching_products(turn: Turn) -> Sequence[Product]:
    query = turn.conversation.query
    if query:
        return [m.product for m in turn.view.catalog.search(query)]
    return turn.view.catalog.sellable()


def product_list(turn: Turn) -> None:
    """At most ten rows: nine products and "More…" when there are more than ten; what sells first."""
    products = _matching_products(turn)
    if not products:
        turn.say(turn.t("nothing_on_sale"))
        return
    pages = [products[i : i + PAGE_SIZE - 1] for i in range(0, len(products), PAGE_SIZE - 1)]
    if len(products) <= PAGE_SIZE:
        pages = [products]
    page = min(turn.conversation.page, len(pages) - 1)
    rows = [(f"p:{p.id}", p.name, turn.money(p.price)) for p in pages[page]]
    if page + 1 < len(pages):
        rows.append((f"pg:{page + 1}", turn.t("more"), turn.t("more_description")))
    query = turn.conversation.query
    text = turn.t("pick_filtered", query=query) if query else turn.t("pick_product")
    turn.ask(text, rows, ChoiceStyle.LIST, turn.t("list_button"))


def max_quantity(turn: Turn, product: Product) -> int:
    """Per-line limit, and never more than the stock left after what is already in the cart."""
    limit = turn.view.store.store.max_quantity_per_line
    if product.stock is None:
        return limit
    in_cart = sum(line.quantity for line in turn.conversation.cart if line.sku == product.sku)
    return max(min(limit, product.stock - in_cart), 0)


def quantity_list(turn: Turn) -> None:
    pending = turn.conversation.pending
    product = turn.view.catalog.by_sku(pending.sku) if pending else None
    if product is None:
        turn.say(turn.t("idle_prompt"))
        return
    top = min(QUANTITY_CHOICES, max_quantity(turn, product))
    rows = [(f"q:{n}", str(n), "") for n in range(1, top + 1)]
    text = turn.t("ask_quantity", product=product.name, price=turn.money(product.price))
    turn.ask(text, rows, ChoiceStyle.LIST, turn.t("quantity_button"))


def next_item_field(turn: Turn) -> FieldSpec | None:
    pending = turn.conversation.pending
    if pending is None:
        return None
    specs = turn.view.store.item_fields_for(pending.sku)
    return next((s for s in specs if s.name not in pending.fields), None)


def _field_choices(turn: Turn, spec: FieldSpec) -> list[tuple[str, str, str]]:
    choices = (
        [(f"o:{i}", option, "") for i, option in enumerate(spec.options)]
        if spec.type is FieldType.SELECT
        else []
    )
    if not spec.required:
        choices.append(("o:-", turn.t("skip"), ""))
    return choices


def item_field(turn: Turn) -> None:
    spec = next_item_field(turn)
    pending = turn.conversation.pending
    if spec is None or pending is None:
        return
    product = turn.view.catalog.by_sku(pending.sku)
    text = turn.t("ask_item_field", field=spec.title, product=product.name if product else pending.sku)
    choices = _field_choices(turn, spec)
    style = ChoiceStyle.LIST if len(choices) > 3 else ChoiceStyle.BUTTONS
    if choices:
        turn.ask(text, choices, style, spec.title)
    else:
        turn.say(text)


def cart_menu(turn: Turn) -> None:
    conv = turn.conversation
    count = sum(line.quantity for line in conv.cart)
    subtotal = turn.money(sum(line.quantity * line.unit_price for line in conv.cart))
    buttons = [("more", turn.t("add_more"), ""), ("co", turn.t("checkout"), "")]
    turn.ask(turn.t("cart_menu", count=count, subtotal=subtotal), buttons, ChoiceStyle.BUTTONS)


def cart_lines(turn: Turn) -> str:
    lines = []
    for line in turn.conversation.cart:
        lines.append(f"{line.quantity} × {line.label} — {turn.money(line.amount)}")
    return "\n".join(lines)


def next_order_field(turn: Turn) -> FieldSpec | None:
    conv = turn.conversation
    for spec in turn.view.store.order_fields:
        if spec.name in conv.answers or spec.name in conv.skipped:
            continue
        if not spec.applies_to_delivery(conv.delivery_method):
            continue  # a pickup needs no delivery address
        return spec
    return None


def order_field(turn: Turn) -> None:
    spec = next_order_field(turn)
    if spec is None:
        return
    choices = _field_choices(turn, spec)
    known = turn.conversation.known.get(spec.name)
    if known is not None:
        choices.insert(0, ("k", turn.t("use_known", value=known), ""))
    key = "choose_order_field" if spec.type is FieldType.SELECT else "ask_order_field"
    text = turn.t(key, field=spec.title.lower())
    if choices:
        turn.ask(text, choices, ChoiceStyle.LIST if len(choices) > 3 else ChoiceStyle.BUTTONS, spec.title)
    else:
        turn.say(text)


def summary(turn: Turn) -> None:
    conv = turn.conversation
    store = turn.view.store
    fee = store.delivery_fee_minor(conv.delivery_method)
    subtotal = sum(line.quantity * line.unit_price for line in conv.cart)
    details = "".join(
        f"\n{s.title}: {conv.answers[s.name]}" for s in store.order_fields if s.name in conv.answers
    )
    text = turn.t(
        "summary",
        lines=cart_lines(turn),
        delivery=turn.t(f"delivery_{conv.delivery_method}"),
        fee=turn.money(fee) if fee else "",  # no fee, no delivery line (the phrase leaves it out)
        total=turn.money(subtotal + fee),
        details=details,
    )
    turn.ask(text, [("y", turn.t("confirm"), ""), ("n", turn.t("cancel"), "")], ChoiceStyle.BUTTONS)
