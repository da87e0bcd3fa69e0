"""Ops commands from the admin chat: /orders, /order N, /confirm N, /ship N, /deliver N, /cancel N."""

from __future__ import annotations

from sqlalchemy import Connection

from orders.commands import ChangeStatus
from orders.db.orders import OrderRepository
from orders.errors import OrderError
from orders.filters import OrderFilter
from orders.formats import details, short_line
from orders.services import OrderService
from orders.status import OrderStatus, StatusGroup

COMMANDS = ("/orders", "/order", "/confirm", "/ship", "/deliver", "/cancel")
USAGE = (
    "Commands: /orders [status], /order N, /confirm N, /ship N [tracking] [carrier], /deliver N, "
    "/cancel N [reason]"
)
_MOVES = {
    "/confirm": OrderStatus.CONFIRMED,
    "/ship": OrderStatus.SHIPPED,
    "/deliver": OrderStatus.DELIVERED,
    "/cancel": OrderStatus.CANCELLED,
}
_LISTED = 10


def is_admin_command(text: str) -> bool:
    word = text.strip().split(maxsplit=1)[0].split("@")[0].lower() if text.strip() else ""
    return word in COMMANDS


class AdminCommands:
    """Staff commands from the admin chat or number, each in the caller's transaction."""

    def __init__(self, orders: OrderService) -> None:
        self._orders = orders

    def run(self, conn: Connection, text: str, actor: str) -> str:
        """Carry out one command inside the caller's transaction; the answer is the reply text."""
        words = text.split()
        command = words[0].split("@")[0].lower()
        args = words[1:]
        if command == "/orders":
            return self._list(conn, args)
        typed = args[0].lstrip("#") if args else ""
        # ASCII digits only: "²" is a digit to str.isdigit() but not to int().
        if not typed.isascii() or not typed.isdigit() or len(typed) > 10:
            return f"Which order? {USAGE}"
        number = int(typed)
        if command == "/order":
            order = OrderRepository(conn).get(number)
            return details(order, history=False) if order else f"Order {number} does not exist."
        target = _MOVES[command]
        extra = args[1:]
        change = ChangeStatus(
            number,
            target,
            actor,
            tracking_number=extra[0] if target is OrderStatus.SHIPPED and extra else None,
            carrier=" ".join(extra[1:]) if target is OrderStatus.SHIPPED and len(extra) > 1 else None,
            reason=" ".join(extra) if target is OrderStatus.CANCELLED else "",
        )
        savepoint = conn.begin_nested()
        try:
            order = self._orders.change_status_in(conn, change)
        except OrderError as exc:
            savepoint.rollback()
            return f"Not done: {exc}."
        savepoint.commit()
        return f"Order #{order.number} is now {order.status.label}. The customer has been notified."

    def _list(self, conn: Connection, args: list[str]) -> str:
        wanted = args[0].lower() if args else ""
        statuses = tuple(s for s in OrderStatus if s.value == wanted)
        group = next((g for g in StatusGroup if g.value == wanted), None)
        if wanted and not statuses and group is None:
            return f"Unknown status {wanted!r}. Try one of: {', '.join(s.value for s in OrderStatus)}"
        found, total = OrderRepository(conn).search(
            OrderFilter(statuses=statuses, group=group, per_page=_LISTED)
        )
        if not found:
            return "No orders."
        more = f"\n… and {total - len(found)} more" if total > len(found) else ""
        return "\n".join(short_line(o) for o in found) + more
