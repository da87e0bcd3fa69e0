"""`chatcart outbox list|retry`: see the deliveries, and put dead ones back in the queue."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bot.cli.common import CommandError, Subcommands
from bot.setup.wiring import Services
from orders.db.outbox import OutboxRepository
from orders.db.outbox_stats import STATUS_NAMES, outbox_counts
from orders.outbox import OutboxStatus


def _line(row: dict[str, Any]) -> str:
    when = row["sent_at"] or row["due_at"]
    error = str(row["last_error"]).replace("\n", " ")[:120]
    return (
        f"{row['id']:>7}  {row['status']:<7} {row['channel'] or '-':<10} {row['recipient'][:32]:<32} "
        f"{row['attempts']:>3}  {when:%Y-%m-%d %H:%M:%S}  {error}"
    )


async def list_outbox(services: Services, args: argparse.Namespace) -> int:
    status = OutboxStatus.DEAD if args.dead else (OutboxStatus(args.status) if args.status else None)
    found = await services.db.read(lambda conn: OutboxRepository(conn).listing(status, args.limit))
    for row in found:
        print(_line(row))
    counts = await services.db.read(outbox_counts)
    totals = {
        name: sum(n for (_, status), n in counts.items() if status == name) for name in STATUS_NAMES.values()
    }
    print(", ".join(f"{n} {name}" for name, n in totals.items()), file=sys.stderr)
    return 0


async def retry_outbox(services: Services, args: argparse.Namespace) -> int:
    if not args.all and not args.ids:
        raise CommandError("name the dead deliveries to retry (their ids), or --all")
    ids = None if args.all else list(args.ids)
    now = services.clock()
    count = await services.db.write(lambda conn: OutboxRepository(conn).retry_dead(ids, now))
    print(
        f"{count} dead {'delivery' if count == 1 else 'deliveries'} queued again; the relay sends them now."
    )
    return 0


def add_commands(sub: Subcommands) -> None:
    outbox = sub.add_parser("outbox", help="deliveries: see them, retry dead ones").add_subparsers(
        dest="outbox_command", required=True
    )
    listing = outbox.add_parser("list", help="newest deliveries first")
    listing.add_argument("--dead", action="store_true", help="only those that will not be retried")
    listing.add_argument("--status", choices=[s.value for s in OutboxStatus])
    listing.add_argument("--limit", type=int, default=50)
    listing.set_defaults(run=list_outbox)
    retry = outbox.add_parser("retry", help="queue dead deliveries again (after fixing what made them fail)")
    retry.add_argument("ids", nargs="*", type=int, metavar="ID")
    retry.add_argument("--all", action="store_true", help="every dead delivery")
    retry.set_defaults(run=retry_outbox)
