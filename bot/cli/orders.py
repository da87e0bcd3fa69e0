"""`chatcart orders list|show|set-status`: ops from the terminal."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

from bot.cli.common import Subcommands
from bot.setup.wiring import Services
from catalog import limits
from orders.commands import ChangeStatus
from orders.filters import MAX_PER_PAGE, OrderFilter
from orders.formats import details, order_to_dict, table_line
from orders.status import OrderStatus, PaymentStatus, StatusGroup


async def list_orders(services: Services, args: argparse.Namespace) -> int:
    f = OrderFilter(
        statuses=tuple(OrderStatus(s) for s in args.status or ()),
        group=StatusGroup(args.group) if args.group else None,
        channel=args.channel,
        payment_status=PaymentStatus(args.payment_status) if args.payment_status else None,
        query=args.q or "",
        page=args.page,
        per_page=args.per_page,
    )
    found, total = await services.orders.search(f)
    if args.json:
        print(
            json.dumps(
                {"items": [order_to_dict(o) for o in found], "total": total}, ensure_ascii=False, indent=2
            )
        )
        return 0
    for order in found:
        print(table_line(order))
    first = f.offset + 1 if found else 0
    print(f"{first}–{f.offset + len(found)} of {total} orders", file=sys.stderr)
    return 0


async def show_order(services: Services, args: argparse.Namespace) -> int:
    order = await services.orders.get(args.number)
    print(json.dumps(order_to_dict(order), ensure_ascii=False, indent=2) if args.json else details(order))
    return 0


async def set_status(services: Services, args: argparse.Namespace) -> int:
    command = ChangeStatus(
        args.number, OrderStatus(args.status), "cli", args.tracking, args.carrier, args.reason
    )
    order = await services.orders.change_status(command)
    print(
        f"Order #{order.number} is now {order.status.label} ({order.status.value}); "
        "the customer notification is queued."
    )
    return 0


def _whole(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number within what the database holds (argparse reports the rest)."""

    def parse(text: str) -> int:
        if not text.isascii() or not text.isdigit() or not low <= int(text) <= high:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number from {low} to {high}")
        return int(text)

    return parse


NUMBER = _whole(1, limits.MAX_INT)


def add_commands(sub: Subcommands) -> None:
    orders = sub.add_parser("orders", help="list, show and move orders").add_subparsers(
        dest="orders_command", required=True
    )
    listing = orders.add_parser("list", help="newest orders first")
    listing.add_argument("--status", action="append", choices=[s.value for s in OrderStatus])
    listing.add_argument("--group", choices=[g.value for g in StatusGroup])
    listing.add_argument("--channel")
    listing.add_argument("--payment-status", choices=[p.value for p in PaymentStatus])
    listing.add_argument("-q", help="search number, customer, phone, tracking")
    listing.add_argument("--page", type=_whole(1, limits.MAX_INT // MAX_PER_PAGE), default=1)
    listing.add_argument("--per-page", type=_whole(1, MAX_PER_PAGE), default=25)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=list_orders)

    show = orders.add_parser("show", help="one order with its items and history")
    show.add_argument("number", type=NUMBER)
    show.add_argument("--json", action="store_true")
    show.set_defaults(run=show_order)

    move = orders.add_parser("set-status", help="move an order to another status")
    move.add_argument("number", type=NUMBER)
    move.add_argument("status", choices=[s.value for s in OrderStatus])
    move.add_argument("--tracking")
    move.add_argument("--carrier")
    move.add_argument("--reason", default="")
    move.set_defaults(run=set_status)
