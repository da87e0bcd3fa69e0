"""`chatcart`: parse the command line, wire the services, run the command, report errors plainly."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from importlib.metadata import PackageNotFoundError, version

from bot.cli import catalog, chat, orders, outbox, server, setup_commands
from bot.cli.common import CommandError
from bot.setup.channels import ConfigurationError
from bot.setup.settings import Settings
from bot.setup.startup import SchemaOutOfDate, prepare_database
from bot.setup.wiring import build_services
from catalog.importer import CatalogFileError
from orders.errors import OrderError
from orders.store import StoreConfigError

# A command group is a module with `add_commands(sub)`; adding one is one entry here.
COMMAND_GROUPS = (server, setup_commands, catalog, chat, orders, outbox)

_EXPECTED_ERRORS = (
    CommandError,
    StoreConfigError,
    ConfigurationError,
    CatalogFileError,
    OrderError,
    SchemaOutOfDate,
    OSError,
)


def _version() -> str:
    try:
        return version("chatcart")
    except PackageNotFoundError:  # a source tree that was never installed
        return "(not installed)"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="chatcart", description="Self-hosted chat-commerce engine.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in COMMAND_GROUPS:
        group.add_commands(sub)
    return parser


async def _run(args: argparse.Namespace) -> int:
    extra = args.channels(args) if hasattr(args, "channels") else ()
    services = build_services(Settings(), extra_channels=extra)
    closes_itself = getattr(args, "closes_itself", False)
    try:
        if getattr(args, "migrate", True):
            await prepare_database(services)
        result: int = await args.run(services, args)
        return result
    finally:
        if not closes_itself:
            await services.aclose()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        return asyncio.run(_run(args))
    except _EXPECTED_ERRORS as exc:
        print(f"chatcart: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
