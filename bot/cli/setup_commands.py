"""`chatcart db upgrade` and `chatcart telegram set-webhook`: set-up an operator runs once."""

from __future__ import annotations

import argparse

from bot.cli.common import Subcommands
from bot.setup.channels import ConfigurationError
from bot.setup.wiring import Services
from channels.telegram import TelegramChannel
from orders.db import migrate


async def db_upgrade(services: Services, _args: argparse.Namespace) -> int:
    before = await migrate.current_revision(services.db)
    await migrate.upgrade(services.db)
    after = await migrate.current_revision(services.db)
    print(f"Database at revision {after}" + (" (already current)" if before == after else f" (was {before})"))
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
    telegram = sub.add_parser("telegram", help="Telegram set-up").add_subparsers(
        dest="tg_command", required=True
    )
    hook = telegram.add_parser("set-webhook", help="tell Telegram where to POST updates (with the secret)")
    hook.add_argument("url", help="public HTTPS URL ending in /webhooks/telegram")
    hook.set_defaults(run=set_telegram_webhook)
