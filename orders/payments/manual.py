"""What staff record as a payment by hand, and the checks it must pass before it is stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from catalog import limits
from orders.errors import InvalidOrder
from orders.payments.ledger import ManualMethod


@dataclass(frozen=True, slots=True)
class ManualPayment:
    """What staff record: the amount and how, when and by what reference it was paid."""

    amount: int
    method: str
    reference: str = ""
    paid_at: datetime | None = None
    comment: str = ""
    fee: int = 0


def check_manual(p: ManualPayment) -> None:
    """Refuse an amount, method or text no column holds, in words staff understand."""
    if not 0 < p.amount <= limits.MAX_INT:
        raise InvalidOrder(f"amount must be between 1 and {limits.MAX_INT} minor units")
    if p.method not in {m.value for m in ManualMethod}:
        raise InvalidOrder(f"method must be one of: {', '.join(m.value for m in ManualMethod)}")
    if not 0 <= p.fee <= p.amount:
        raise InvalidOrder("fee must be between 0 and the amount")
    for name, value, limit in (("reference", p.reference, 200), ("comment", p.comment, 2000)):
        if len(value) > limit:
            raise InvalidOrder(f"{name}: at most {limit} characters")
        if (problem := limits.storable_text(value)) is not None:
            raise InvalidOrder(f"{name}: {problem}")
