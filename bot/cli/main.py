"""`chatcart`: parse the command line, wire the services, run the command, report errors plainly."""

from __future__ import annotations

import argparse
import asyncio
import sys
from importlib.metadata import PackageNotFoundError, version

from pydantic import ValidationError

from bot.cli import catalog, chat, orders, outbox, server, setup_commands, staff
from bot.cli.common import CommandError
from bot.setup.channels import ConfigurationError
from bot.setup.logging import configure_logging
from bot.setup.settings import Settings
from bot.setup.startup import SchemaOutOfDate, prepare_database
from bot.setup.wiring import build_services
from catalog.importer import CatalogFileError
from orders.errors import OrderError
from orders.store import StoreConfigError

# A command group is a module with `add_commands(sub)`; adding one is one entry here.
COMMAND_GROUPS = (server, setup_commands, catalog, chat, orders, outbox, staff)

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


def build_parser() -> argparse.ArgumentParser:
    """The whole `chatcart` command line (tests check compose.yaml and the Dockerfile against it)."""
    parser = argparse.ArgumentParser(prog="chatcart", description="Self-hosted chat-commerce engine.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in COMMAND_GROUPS:
        group.add_commands(sub)
    return parser


def _settings_problem(exc: ValidationError) -> str:
    """`CHATCART_LOG_LEVEL: Input should be 'DEBUG', …` for each bad variable."""
    return "; ".join(f"CHATCART_{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors())


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    extra = args.channels(args) if hasattr(args, "channels") else ()
    services = build_services(settings, extra_channels=extra)
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
    args = build_parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:
        print(f"chatcart: error: {_settings_problem(exc)}", file=sys.stderr)
        return 1
    configure_logging(settings.log_level, settings.log_format)
    try:
        return asyncio.run(_run(args, settings))
    except _EXPECTED_ERRORS as exc:
        print(f"chatcart: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
