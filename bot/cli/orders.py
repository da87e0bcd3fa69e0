"""`chatcart orders list|show|set-status`: ops from the terminal."""

from __future__ import annotations

import argparse
import json
import sys

from bot.cli.common import Subcommands
from bot.setup.wiring import Services
from catalog.money import format_money
from orders.commands import ChangeStatus
from orders.filters import OrderFilter
from orders.model import Order
from orders.serialize import order_to_dict
from orders.status import OrderStatus, PaymentStatus, StatusGroup


def _money(order: Order, amount: int) -> str:
    return format_money(amount, order.currency, "en")


def order_summary_line(order: Order) -> str:
    who = order.customer.name or order.customer.phone or (order.lead.address if order.lead else "—")
    created = order.created_at.strftime("%Y-%m-%d %H:%M")
    return (
        f"#{order.number:<6} {created}  {order.status.label:<16} {order.payment_status.value:<8} "
        f"{_money(order, order.total):>14}  {order.channel or order.source.value:<9} {who}"
    )


def order_details(order: Order) -> str:
    d = order.delivery
    lines = [
        f"Order #{order.number} — {order.status.label} ({order.status.value}), "
        f"payment {order.payment_status.value} ({order.payment_method.value})",
        f"Created {order.created_at.isoformat()} via {order.source.value}/{order.channel or '-'}",
        f"Customer: {order.customer.name or '—'}  {order.customer.phone}  {order.customer.email}".rstrip(),
        f"Delivery: {d.method or '—'} {d.address}".rstrip(),
    ]
    if d.tracking_number or d.carrier:
        lines.append(f"Tracking: {d.carrier} {d.tracking_number}".rstrip())
    lines.append("Items:")
    for line in order.lines:
        extra = ", ".join(f"{k}: {v}" for k, v in line.fields.items())
        lines.append(
            f"  {line.quantity} × {line.name} ({line.sku}) @ {_money(order, line.unit_price)}"
            f" = {_money(order, line.total)}" + (f" [{extra}]" if extra else "")
        )
    lines.append(
        f"Subtotal {_money(order, order.subtotal)}, delivery {_money(order, order.delivery_fee)}, "
        f"total {_money(order, order.total)}"
    )
    lines.append("History:")
    lines += [
        f"  {e.at.strftime('%Y-%m-%d %H:%M:%S')} {e.kind} by {e.actor} {json.dumps(e.data)}"
        for e in order.history
    ]
    return "\n".join(lines)


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
        print(order_summary_line(order))
    first = f.offset + 1 if found else 0
    print(f"{first}–{f.offset + len(found)} of {total} orders", file=sys.stderr)
    return 0


async def show_order(services: Services, args: argparse.Namespace) -> int:
    order = await services.orders.get(args.number)
    print(
        json.dumps(order_to_dict(order), ensure_ascii=False, indent=2) if args.json else order_details(order)
    )
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
    listing.add_argument("--page", type=int, default=1)
    listing.add_argument("--per-page", type=int, default=25)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=list_orders)

    show = orders.add_parser("show", help="one order with its items and history")
    show.add_argument("number", type=int)
    show.add_argument("--json", action="store_true")
    show.set_defaults(run=show_order)

    move = orders.add_parser("set-status", help="move an order to another status")
    move.add_argument("number", type=int)
    move.add_argument("status", choices=[s.value for s in OrderStatus])
    move.add_argument("--tracking")
    move.add_argument("--carrier")
    move.add_argument("--reason", default="")
    move.set_defaults(run=set_status)
