"""The flow's states and allowed moves as data, on one shared `transitions` machine."""

from __future__ import annotations

from transitions import Machine, MachineError

from flows.conversation import Conversation, Step

S = Step
ANY = "*"

TRANSITIONS: list[dict[str, object]] = [
    {"trigger": "show_products", "source": ANY, "dest": S.CHOOSING_PRODUCT},
    {"trigger": "ask_quantity", "source": ANY, "dest": S.CHOOSING_QUANTITY},
    {
        "trigger": "ask_item_field",
        "source": [S.CHOOSING_QUANTITY, S.ITEM_FIELD, S.CHOOSING_PRODUCT, S.IDLE, S.CART_MENU],
        "dest": S.ITEM_FIELD,
    },
    {"trigger": "show_cart_menu", "source": ANY, "dest": S.CART_MENU},
    {"trigger": "ask_delivery", "source": [S.CART_MENU, S.DELIVERY_METHOD], "dest": S.DELIVERY_METHOD},
    {
        "trigger": "ask_order_field",
        "source": [S.CART_MENU, S.DELIVERY_METHOD, S.ORDER_FIELD],
        "dest": S.ORDER_FIELD,
    },
    {
        "trigger": "ask_payment",
        "source": [S.CART_MENU, S.DELIVERY_METHOD, S.ORDER_FIELD, S.PAYMENT_METHOD],
        "dest": S.PAYMENT_METHOD,
    },
    {
        "trigger": "review",
        "source": [S.CART_MENU, S.DELIVERY_METHOD, S.ORDER_FIELD, S.PAYMENT_METHOD, S.SUMMARY],
        "dest": S.SUMMARY,
    },
    {"trigger": "finish", "source": ANY, "dest": S.IDLE},
]


def _as_values(transition: dict[str, object]) -> dict[str, object]:
    """`transitions` reads an Enum in a table by its name; our states are stored by value."""
    source = transition["source"]
    if isinstance(source, list):
        source = [str(s) for s in source]
    return transition | {"source": source, "dest": str(transition["dest"])}


# One machine for every conversation: building one per conversation costs more than the whole turn
# (measured: ~120 µs to build one, ~8 µs to trigger one). A trigger is called with the conversation as the
# model; no model is registered, so nothing is kept per conversation.
MACHINE = Machine(
    model=None,
    states=[s.value for s in Step],
    transitions=[_as_values(t) for t in TRANSITIONS],
    initial=Step.IDLE.value,
    auto_transitions=False,
)


def _destinations(machine: Machine) -> dict[tuple[str, str], str]:
    """Each (trigger, state) the machine allows and where it leads, read off the machine once."""
    moves: dict[tuple[str, str], str] = {}
    for trigger, event in machine.events.items():
        for source, transitions in event.transitions.items():
            # Our table has no conditions or callbacks (nor may it: they would be skipped): the one
            # transition per source is the move.
            (transition,) = transitions
            if transition.dest is None or transition.conditions or transition.before or transition.after:
                raise ValueError(f"{trigger} from {source}: a move here is only a destination")
            moves[trigger, source] = transition.dest
    return moves


# The machine validated the table above; a move is then a lookup of its answer (the machine's own trigger
# cost ~7 µs: partials, event data and callback lists for callbacks we do not have, 2-3 % of a chat turn).
_DESTINATIONS = _destinations(MACHINE)


def move(conversation: Conversation, trigger: str) -> None:
    """Move along the table; an unlisted move raises MachineError (a bug, never a shopper's mistake)."""
    dest = _DESTINATIONS.get((trigger, conversation.state))
    if dest is None:
        raise MachineError(f"Can't trigger event {trigger} from state {conversation.state}!")
    conversation.state = dest
