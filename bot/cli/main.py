"""The `chatcart` command line: serve, worker, db upgrade, catalog import and order operations."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
import uuid
from collections.abc import Awaitable, Callable

from bot.cli import orders as cli_orders
from bot.delivery.senders import ChatTransport
from bot.delivery.worker import run_background
from bot.setup.settings import Settings
from bot.setup.startup import SchemaOutOfDate, load_demo_catalog_if_empty, prepare_database
from bot.setup.wiring import ConfigurationError, Container, build_container
from catalog.importer import CatalogFileError
from channels.console import CHANNEL as CONSOLE
from channels.console import ConsoleChannel
from orders.db import migrate
from orders.errors import OrderError
from orders.status import OrderStatus, PaymentStatus, StatusGroup
from orders.store import StoreConfigError

log = logging.getLogger("chatcart")

_EXPECTED_ERRORS = (
    StoreConfigError,
    ConfigurationError,
    CatalogFileError,
    OrderError,
    SchemaOutOfDate,
    OSError,
)


async def _serve(c: Container, args: argparse.Namespace) -> int:
    import uvicorn

    from bot.web.app import create_app

    await prepare_database(c)
    if args.demo_catalog and (added := await load_demo_catalog_if_empty(c)):
        log.info("loaded the demo catalog: %d products", added)
    if c.settings.api_token is None:
        log.warning("CHATCART_API_TOKEN is not set: the REST API answers 401 until it is")
    config = uvicorn.Config(
        create_app(c, run_worker=not args.no_worker), host=args.host, port=args.port, log_level="info"
    )
    log.info("serving %s on http://%s:%d", c.store.store.name, args.host, args.port)
    await uvicorn.Server(config).serve()
    return 0


async def _worker(c: Container, _args: argparse.Namespace) -> int:
    await prepare_database(c)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    log.info("worker running: sending the outbox and COD reminders until stopped")
    await run_background(c, stop)
    log.info("worker stopped")
    return 0


async def _db_upgrade(c: Container, _args: argparse.Namespace) -> int:
    before = await migrate.current_revision(c.db)
    await migrate.upgrade(c.db)
    after = await migrate.current_revision(c.db)
    print(f"Database at revision {after}" + (" (already current)" if before == after else f" (was {before})"))
    return 0


async def _chat(c: Container, args: argparse.Namespace) -> int:
    console = c.transports["console"]
    assert isinstance(console, ConsoleChannel)
    stop = asyncio.Event()
    background = asyncio.create_task(run_background(c, stop))
    run = uuid.uuid4().hex[:8]  # message ids unique per session, so claims never swallow a new line
    print(
        f"Chatting with {c.store.store.name} as {console.key}. Type a number to press a choice; "
        "Ctrl-D to leave."
    )
    try:
        while True:
            try:
                line = await asyncio.to_thread(input, "you> ")
            except EOFError:
                break
            if line.strip():
                await c.turns.handle(CONSOLE, console.read(line, c.orders.now(), run))
    finally:
        stop.set()
        await background
    return 0


async def _set_telegram_webhook(c: Container, args: argparse.Namespace) -> int:
    if c.telegram is None:
        raise ConfigurationError("set CHATCART_TELEGRAM_TOKEN (and CHATCART_TELEGRAM_WEBHOOK_SECRET) first")
    if c.settings.telegram_webhook_secret is None:
        raise ConfigurationError("set CHATCART_TELEGRAM_WEBHOOK_SECRET: webhooks without it are refused")
    await c.telegram.set_webhook(args.url)
    print(f"Telegram will now POST updates to {args.url}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="chatcart", description="Self-hosted chat-commerce engine.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="serve webhooks, REST API and the background worker")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--no-worker", action="store_true", help="do not send the outbox from this process")
    serve.add_argument(
        "--demo-catalog", action="store_true", help="load the demo catalog if the catalog is empty"
    )
    serve.set_defaults(run=_serve)

    sub.add_parser("worker", help="run only the background worker (outbox relay)").set_defaults(run=_worker)

    db = sub.add_parser("db", help="database schema").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="apply pending migrations").set_defaults(run=_db_upgrade)

    catalog = sub.add_parser("catalog", help="products").add_subparsers(dest="catalog_command", required=True)
    imp = catalog.add_parser("import", help="import products from CSV or JSON (updates by SKU)")
    imp.add_argument("file", help="columns: sku,name,price,stock,category,description,image_url,aliases")
    imp.add_argument("--format", choices=["csv", "json"], help="default: from the file name")
    imp.set_defaults(run=cli_orders.import_catalog)

    chat = sub.add_parser("chat", help="talk to the bot in this terminal (channel console)")
    chat.add_argument("--user", default="local", help="who you are (each user is a separate shopper)")
    chat.set_defaults(run=_chat)

    telegram = sub.add_parser("telegram", help="Telegram set-up").add_subparsers(
        dest="tg_command", required=True
    )
    hook = telegram.add_parser("set-webhook", help="tell Telegram where to POST updates (with the secret)")
    hook.add_argument("url", help="public HTTPS URL ending in /webhooks/telegram")
    hook.set_defaults(run=_set_telegram_webhook)

    _add_order_commands(sub)
    return parser


def _add_order_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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
    listing.set_defaults(run=cli_orders.list_orders)

    show = orders.add_parser("show", help="one order with its items and history")
    show.add_argument("number", type=int)
    show.add_argument("--json", action="store_true")
    show.set_defaults(run=cli_orders.show_order)

    move = orders.add_parser("set-status", help="move an order to another status")
    move.add_argument("number", type=int)
    move.add_argument("status", choices=[s.value for s in OrderStatus])
    move.add_argument("--tracking")
    move.add_argument("--carrier")
    move.add_argument("--reason", default="")
    move.set_defaults(run=cli_orders.set_status)


async def _run(
    run: Callable[[Container, argparse.Namespace], Awaitable[int]], args: argparse.Namespace
) -> int:
    extra: dict[str, ChatTransport] | None = {CONSOLE: ConsoleChannel(args.user)} if run is _chat else None
    container = build_container(Settings(), extra_transports=extra)
    try:
        if run not in (_serve, _worker, _db_upgrade):
            await prepare_database(container)
        return await run(container, args)
    finally:
        if run is not _serve:  # the app's lifespan closes it when serving
            await container.aclose()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        return asyncio.run(_run(args.run, args))
    except _EXPECTED_ERRORS as exc:
        print(f"chatcart: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
