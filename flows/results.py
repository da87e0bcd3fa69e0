"""What the shopper hears once the orchestrator has carried out a turn's command."""

from __future__ import annotations

from flows import prompts
from flows.conversation import Conversation
from flows.machine import move
from flows.messages import Choice
from flows.turn import (
    OrderPlaced,
    OrderRefused,
    Outcome,
    StatusMoved,
    StatusReport,
    StatusUnchanged,
    StoreView,
    Turn,
)
from orders.status import OrderStatus


def resume(conversation: Conversation, outcome: Outcome, view: StoreView) -> Turn:
    turn = Turn(conversation, view)
    if isinstance(outcome, OrderPlaced):
        conversation.clear_checkout()
        conversation.last_order = outcome.number
        move(conversation, "finish")
        number = outcome.number
        buttons = (
            Choice(f"cod:y:{number}", turn.t("confirm_order")),
            Choice(f"cod:n:{number}", turn.t("cancel_order")),
        )
        turn.ask_raw(turn.t("cod_confirmation", number=number, total=turn.money(outcome.total)), buttons)
    elif isinstance(outcome, OrderRefused):
        turn.say(turn.t("placement_failed", reason=outcome.reason))
        move(conversation, "show_cart_menu")
        prompts.show(turn)
    elif isinstance(outcome, StatusUnchanged):
        _unchanged(turn, outcome)
    elif isinstance(outcome, StatusReport):
        status = _status_words(turn, outcome.status)
        turn.say(turn.t("order_status", number=outcome.number, status=status))
    # StatusMoved: the status notification (through the outbox) is the reply.
    elif not isinstance(outcome, StatusMoved):
        raise TypeError(f"unknown outcome {outcome!r}")
    return turn


def _status_words(turn: Turn, status: OrderStatus | None) -> str:
    if status is None:
        return "—"
    return turn.t(f"status_{status.value}")


def _unchanged(turn: Turn, outcome: StatusUnchanged) -> None:
    status = _status_words(turn, outcome.status)
    if outcome.status is None:
        turn.say(turn.t("no_orders"))
    elif outcome.wanted is OrderStatus.CANCELLED:
        turn.say(turn.t("cannot_cancel", number=outcome.number, status=status))
    else:
        turn.say(turn.t("already_status", number=outcome.number, status=status))
