"""Named exceptions for broken order invariants; each carries a stable code for API errors."""

from __future__ import annotations


class OrderError(Exception):
    """Base of every refusal the order services raise; `code` is stable for API clients."""

    code = "order_error"


class InvalidStatusTransition(OrderError):
    """The status table does not allow that move."""

    code = "invalid_status_transition"

    def __init__(self, current: str, target: str, allowed: list[str]) -> None:
        self.current, self.target, self.allowed = current, target, allowed
        allowed_text = ", ".join(allowed) if allowed else "nothing (final status)"
        super().__init__(f"cannot move an order from {current} to {target}; allowed: {allowed_text}")


class OrderNotFound(OrderError):
    """No order has that number."""

    code = "order_not_found"

    def __init__(self, number: int) -> None:
        self.number = number
        super().__init__(f"order {number} does not exist")


class UnknownProduct(OrderError):
    """An item names a product that does not exist or is not on sale."""

    code = "unknown_product"


class OutOfStock(OrderError):
    """Not enough units left of a product."""

    code = "out_of_stock"

    def __init__(self, sku: str, requested: int, available: int | None) -> None:
        self.sku, self.requested, self.available = sku, requested, available
        super().__init__(f"not enough stock for {sku}: {requested} requested, {available or 0} available")


class InvalidOrder(OrderError):
    """The order request itself is malformed (quantity, fields, delivery, payment)."""

    code = "invalid_order"


class IdempotencyConflict(OrderError):
    """An Idempotency-Key came back with another request body."""

    code = "idempotency_conflict"

    def __init__(self, key: str) -> None:
        super().__init__(f"Idempotency-Key {key!r} was already used with a different request body")


class ConcurrentUpdate(OrderError):
    """The order changed between reading and writing it."""

    code = "concurrent_update"


class PaymentNotFound(OrderError):
    """The order has no payment with that id."""

    code = "payment_not_found"


class PaymentNotRecorded(OrderError):
    """A refund names a payment not recorded yet (its events arrived out of order): deliver it again later."""

    code = "payment_not_recorded"


class CatalogChanged(Exception):
    """A product an order was priced from (a turn's catalog snapshot) changed before the order was written:
    nothing was written, and it is placed again from the catalog as it is now. Not a refusal."""
