"""The fulfilment status table as the product defines it: every allowed move, and every other move refused."""

from __future__ import annotations

import itertools

import pytest

from orders.errors import InvalidStatusTransition
from orders.status import GROUP_MEMBERS, OrderStatus, StatusGroup, can_transition, check_transition

S = OrderStatus
SPEC_TABLE = {
    S.PENDING: {S.CONFIRMED, S.CANCELLED},
    S.CONFIRMED: {S.COLLECTED, S.SHIPPED, S.READY_FOR_PICKUP, S.CANCELLED},
    S.COLLECTED: {S.SHIPPED, S.READY_FOR_PICKUP, S.CANCELLED},
    S.SHIPPED: {S.DELIVERED, S.NOT_PICKED_UP, S.RETURNED},
    S.READY_FOR_PICKUP: {S.DELIVERED, S.NOT_PICKED_UP, S.CANCELLED},
    S.NOT_PICKED_UP: {S.SHIPPED, S.RETURNED},
    S.DELIVERED: {S.RETURNED},
    S.CANCELLED: set(),
    S.RETURNED: set(),
}


@pytest.mark.parametrize(("current", "target"), list(itertools.product(S, S)))
def test_only_moves_in_the_spec_table_are_allowed(current: OrderStatus, target: OrderStatus) -> None:
    allowed = target in SPEC_TABLE[current]
    assert can_transition(current, target) is allowed
    if allowed:
        check_transition(current, target)
    else:
        with pytest.raises(InvalidStatusTransition) as caught:
            check_transition(current, target)
        assert caught.value.current == current.value
        assert caught.value.target == target.value


def test_refusal_names_what_is_allowed() -> None:
    with pytest.raises(InvalidStatusTransition, match="from delivered to pending; allowed: returned"):
        check_transition(S.DELIVERED, S.PENDING)
    with pytest.raises(InvalidStatusTransition, match="nothing \\(final status\\)"):
        check_transition(S.CANCELLED, S.CONFIRMED)


def test_every_status_is_in_exactly_one_dashboard_group() -> None:
    memberships = [g for s in S for g in StatusGroup if s in GROUP_MEMBERS[g]]
    assert len(memberships) == len(S)
    assert GROUP_MEMBERS[StatusGroup.PROBLEMATIC] == {S.NOT_PICKED_UP, S.CANCELLED, S.RETURNED}


def test_labels_match_the_dashboard_wording() -> None:
    assert [S.PENDING.label, S.SHIPPED.label, S.NOT_PICKED_UP.label] == ["New", "In transit", "Not picked up"]
