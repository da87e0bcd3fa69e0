"""`move` answers as the `transitions` machine it is read from."""

from __future__ import annotations

import pytest
from transitions import MachineError

from flows.conversation import Conversation, Step
from flows.machine import MACHINE, move
from flows.messages import ConversationKey


def _at(state: Step) -> Conversation:
    conversation = Conversation(ConversationKey("telegram", "1"), "en")
    conversation.state = state.value
    return conversation


@pytest.mark.parametrize("trigger", sorted(MACHINE.events))
@pytest.mark.parametrize("state", list(Step))
def test_a_move_lands_where_the_machine_would_or_is_refused_as_it_would_be(trigger: str, state: Step) -> None:
    by_machine, by_move = _at(state), _at(state)
    try:
        MACHINE.events[trigger].trigger(by_machine)
    except MachineError:
        with pytest.raises(MachineError):
            move(by_move, trigger)
        assert by_move.state == state.value
        return
    move(by_move, trigger)
    assert by_move.state == by_machine.state


def test_the_table_allows_the_review_only_from_checkout_steps() -> None:
    with pytest.raises(MachineError):
        move(_at(Step.IDLE), "review")
    reviewed = _at(Step.CART_MENU)
    move(reviewed, "review")
    assert reviewed.step is Step.SUMMARY
