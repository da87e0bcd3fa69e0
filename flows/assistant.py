"""The optional AI assistant's side of the engine, pure: its order tools, its request, its tool calls run."""

# The tool calls run with the same checks as button presses. The model never writes an order, a price or a
# stock figure, and its own words never reach the shopper: only the engine's phrases do.

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from catalog.search import CatalogSnapshot
from flows import actions, prompts
from flows.conversation import Step
from flows.lexicon import Intent
from flows.messages import ToolCall
from flows.turn import OrderStatusCommand, Turn
from flows.understanding import Reading, Wanted

# Steps where a message the rules do not read may go to the assistant; elsewhere text is an answer (an
# address, a note, "yes") and the rules' own reply stands.
ASSISTED_STEPS = frozenset({Step.IDLE, Step.CHOOSING_PRODUCT, Step.CHOOSING_QUANTITY, Step.CART_MENU})
MAX_CALLS = 6  # an answer asking for more is nonsense
MAX_LISTED_PRODUCTS = 300  # the shop's products described to the model, best sellers first
MAX_QUANTITY = 10_000

_SKU = {"type": "string", "description": "The product's SKU, exactly as listed"}


def _tool(
    name: str, description: str, properties: dict[str, Any], required: Sequence[str] = ()
) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {
                "type": "object",
                "properties": properties,
                "required": list(required),
                "additionalProperties": False,
            },
        },
    }


TOOLS: tuple[dict[str, Any], ...] = (
    _tool(
        "search_products",
        "Show the shopper the products matching a query",
        {"query": {"type": "string", "maxLength": 100}},
        ["query"],
    ),
    _tool(
        "add_to_cart",
        "Add a product to the shopper's cart",
        {"sku": _SKU, "quantity": {"type": "integer", "minimum": 1, "maximum": MAX_QUANTITY}},
        ["sku"],
    ),
    _tool("remove_from_cart", "Remove a product from the shopper's cart", {"sku": _SKU}, ["sku"]),
    _tool("show_cart", "Show the shopper's cart", {}),
    _tool(
        "set_order_field",
        "Answer the order field the shop is asking for (a delivery address, a phone number)",
        {"name": {"type": "string"}, "value": {"type": "string", "maxLength": 500}},
        ["name", "value"],
    ),
    _tool("checkout", "Start checking out the cart", {}),
    _tool("order_status", "Tell the shopper the status of their latest order", {}),
    _tool("cancel_order", "Clear the cart, or cancel the latest order while it is still pending", {}),
    _tool("talk_to_human", "The shopper asks for a person", {}),
)
TOOL_NAMES = frozenset(t["function"]["name"] for t in TOOLS)


def needs_help(turn: Turn, text: str, reading: Reading) -> bool:
    """Whether the rules leave this message unread at this step: no intent, product, number or match."""
    return (
        turn.conversation.step in ASSISTED_STEPS
        and reading.intent is None
        and not reading.items
        and reading.number is None
        and not reading.ambiguous
        and not turn.view.catalog.search(text)
    )


def request_body(
    model: str, text: str, catalog: CatalogSnapshot, store_name: str, language: str
) -> dict[str, Any]:
    """A chat-completions request: the shop, its products by SKU, the message, and the tools."""
    listed = "\n".join(f"{p.sku}: {p.name}" for p in catalog.sellable()[:MAX_LISTED_PRODUCTS])
    system = (
        f"You help shoppers of {store_name} order in chat (they may write in any language; theirs is "
        f"{language!r}). Answer only with tool calls. Use only these products, by SKU:\n{listed}"
    )
    return {
        "model": model,
        "messages": [{"role": "system", "content": system}, {"role": "user", "content": text}],
        "tools": list(TOOLS),
        "tool_choice": "auto",
        "temperature": 0,
    }


def read_answer(answer: object) -> tuple[ToolCall, ...]:
    """The tool calls in a chat-completions answer; anything malformed yields none (the rules answer)."""
    try:
        calls = answer["choices"][0]["message"].get("tool_calls") or []  # type: ignore[index]
        found = []
        for call in calls[: MAX_CALLS + 1]:
            function = call["function"]
            name, raw = function["name"], function.get("arguments") or "{}"
            arguments = json.loads(raw) if isinstance(raw, str) else raw
            if name in TOOL_NAMES and isinstance(arguments, dict):
                found.append(ToolCall(name, arguments))
    except (KeyError, IndexError, TypeError, AttributeError, ValueError):
        return ()
    return tuple(found) if len(found) <= MAX_CALLS else ()


def apply(turn: Turn, calls: Sequence[ToolCall]) -> bool:
    """Run the assistant's tool calls as the shopper's own moves; False when none could run."""
    adds: list[Wanted] = []
    done = False
    for call in calls:
        if call.name == "add_to_cart":
            wanted = _wanted(turn, call.arguments)
            if wanted is not None:
                adds.append(wanted)
        else:
            done = _run(turn, call.name, call.arguments) or done
    if adds:
        actions.add_items(turn, adds)
    return done or bool(adds)


def _wanted(turn: Turn, arguments: Mapping[str, object]) -> Wanted | None:
    sku, quantity = arguments.get("sku"), arguments.get("quantity")
    product = turn.view.catalog.by_sku(sku) if isinstance(sku, str) else None
    if product is None or not product.available(1):
        return None
    valid = isinstance(quantity, int) and not isinstance(quantity, bool) and 0 < quantity <= MAX_QUANTITY
    return Wanted(product, quantity if valid else None)  # type: ignore[arg-type]


def _run(turn: Turn, name: str, arguments: Mapping[str, object]) -> bool:
    conv = turn.conversation
    if name == "search_products":
        query = arguments.get("query")
        found = isinstance(query, str) and bool(turn.view.catalog.search(query[:100]))
        actions.show_products(turn, query[:100] if found else "")  # type: ignore[index]
        return True
    if name == "remove_from_cart":
        sku = arguments.get("sku")
        product = turn.view.catalog.by_sku(sku) if isinstance(sku, str) else None
        if product is None or all(line.sku != product.sku for line in conv.cart):
            return False
        actions.remove_items(turn, [Wanted(product, None)])
        return True
    if name == "set_order_field":
        spec = prompts.next_order_field(turn) if conv.step is Step.ORDER_FIELD else None
        value = arguments.get("value")
        if spec is None or arguments.get("name") != spec.name or not isinstance(value, str):
            return False
        actions.answer_order_field(turn, value)
        return True
    return _run_command(turn, name)


def _run_command(turn: Turn, name: str) -> bool:
    conv = turn.conversation
    if name == "show_cart":
        actions.show_cart(turn)
    elif name == "checkout":
        actions.start_checkout(turn)
    elif name == "order_status":
        if conv.last_order is None:
            turn.say(turn.t("no_orders"))
        else:
            turn.commands.append(OrderStatusCommand(conv.last_order))
        actions.resume(turn)
    elif name == "cancel_order":
        actions.cancel(turn)
    elif name == "talk_to_human":
        turn.say(turn.t(Intent.HUMAN.value))
        actions.resume(turn)
    else:
        return False
    return True
