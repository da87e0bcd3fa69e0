"""`chatcart db upgrade|current|history|backup` and `chatcart telegram set-webhook`: the database's schema
and backups, and set-up an operator runs once."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.cli.common import Subcommands
from bot.setup.channels import ConfigurationError
from bot.setup.wiring import Services
from channels.telegram import TelegramChannel
from orders.db import backup, migrate, revisions


async def db_upgrade(services: Services, _args: argparse.Namespace) -> int:
    before = await migrate.current_revision(services.db)
    await migrate.upgrade(services.db)
    after = await migrate.current_revision(services.db)
    print(f"Database at revision {after}" + (" (already current)" if before == after else f" (was {before})"))
    return 0


async def db_current(services: Services, _args: argparse.Namespace) -> int:
    current = await migrate.current_revision(services.db)
    found = revisions.history(current)
    where = make_url(services.db.url).render_as_string(hide_password=True)
    pending = [r for r in found if not r.applied]
    if current is None:
        state = "has no schema yet"
    elif not any(r.current for r in found):
        state = f"is at revision {current}, which this chatcart does not know (a newer version migrated it)"
    else:
        state = f"is at revision {current} ({next(r.title for r in found if r.current)})"
    advice = f"; {len(pending)} to apply: run `chatcart db upgrade`" if pending else ", the newest"
    print(f"{where} {state}{advice}")
    return 0


async def db_history(services: Services, _args: argparse.Namespace) -> int:
    current = await migrate.current_revision(services.db)
    for revision in revisions.history(current):
        state = "current" if revision.current else "applied" if revision.applied else "pending"
        print(f"{revision.id}  {state:<8} {revision.title}")
    return 0


async def db_backup(services: Services, args: argparse.Namespace) -> int:
    try:
        done = await asyncio.to_thread(backup.backup, services.db.url, args.file)
    except backup.BackupError as exc:
        raise ConfigurationError(str(exc)) from None
    orders = "" if done.orders is None else f", {done.orders} orders"
    print(f"Backed up {done.source} to {done.target} ({done.size / 1e6:.1f} MB{orders}).")
    # A -wal left by the old database would be replayed onto the restored file and corrupt it.
    print(
        f"To restore: stop chatcart, delete {done.source}-wal and {done.source}-shm if present, "
        f"then copy {done.target} to {done.source}."
    )
    return 0


async def set_telegram_webhook(services: Services, args: argparse.Namespace) -> int:
    telegram = services.channels.by_name.get("telegram")
    if not isinstance(telegram, TelegramChannel):
        raise ConfigurationError("set CHATCART_TELEGRAM_TOKEN (and CHATCART_TELEGRAM_WEBHOOK_SECRET) first")
    if services.settings.telegram_webhook_secret is None:
        raise ConfigurationError("set CHATCART_TELEGRAM_WEBHOOK_SECRET: webhooks without it are refused")
    await telegram.set_webhook(args.url)
    print(f"Telegram will now POST updates to {args.url}")
    return 0


def add_commands(sub: Subcommands) -> None:
    db = sub.add_parser("db", help="database schema").add_subparsers(dest="db_command", required=True)
    # Upgrading is the point of this command: the schema may be behind when it starts.
    db.add_parser("upgrade", help="apply pending migrations").set_defaults(run=db_upgrade, migrate=False)
    # The others look at the database as it is: they neither upgrade nor refuse an old schema.
    current = db.add_parser("current", help="the schema revision the database is at")
    current.set_defaults(run=db_current, migrate=False)
    history = db.add_parser("history", help="every schema revision, and which are applied")
    history.set_defaults(run=db_history, migrate=False)
    take = db.add_parser(
        "backup",
        help="a consistent copy of the live SQLite database (PostgreSQL: prints the pg_dump command)",
    )
    take.add_argument("file", type=Path, help="the new file to write the copy to")
    take.set_defaults(run=db_backup, migrate=False)
    telegram = sub.add_parser("telegram", help="Telegram set-up").add_subparsers(
        dest="tg_command", required=True
    )
    hook = telegram.add_parser("set-webhook", help="tell Telegram where to POST updates (with the secret)")
    hook.add_argument("url", help="public HTTPS URL ending in /webhooks/telegram")
    hook.set_defaults(run=set_telegram_webhook)
