"""`chatcart serve` and `chatcart worker`: the web server with or without the background work, and the
background work alone."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal

from bot.cli.common import Subcommands
from bot.setup.startup import load_demo_catalog_if_empty
from bot.setup.wiring import Services

log = logging.getLogger("chatcart")


async def serve(services: Services, args: argparse.Namespace) -> int:
    import uvicorn

    from bot.web.app import create_app

    if args.demo_catalog and (added := await load_demo_catalog_if_empty(services)):
        log.info("loaded the demo catalog: %d products", added)
    if await services.staff.count() == 0:
        token = await services.staff.new_setup_link()
        host = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
        log.warning(
            "no dashboard account yet: open http://%s:%d/admin/setup?token=%s to set the owner's password "
            "(the link works once, for 24 hours)",
            host,
            args.port,
            token,
        )
    if services.settings.api_token is None:
        log.warning("CHATCART_API_TOKEN is not set: the REST API answers 401 until it is")
    app = create_app(services, run_worker=not args.no_worker)
    # Our logging set-up speaks for uvicorn too (JSON lines, the level, probes out of the access log).
    config = uvicorn.Config(app, host=args.host, port=args.port, log_config=None, log_level=None)
    log.info("serving %s on http://%s:%d", services.store.store.name, args.host, args.port)
    await uvicorn.Server(config).serve()
    return 0


async def worker(services: Services, _args: argparse.Namespace) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    log.info("worker running: sending the outbox and COD reminders until stopped")
    await services.worker.run(stop)
    log.info("worker stopped")
    return 0


def add_commands(sub: Subcommands) -> None:
    command = sub.add_parser("serve", help="serve webhooks, REST API and the background worker")
    command.add_argument("--host", default="127.0.0.1")
    command.add_argument("--port", type=int, default=8000)
    command.add_argument("--no-worker", action="store_true", help="do not send the outbox from this process")
    command.add_argument(
        "--demo-catalog", action="store_true", help="load the demo catalog if the catalog is empty"
    )
    # The app's lifespan closes the services when the server stops.
    command.set_defaults(run=serve, closes_itself=True)
    command = sub.add_parser("worker", help="run only the background worker (outbox relay)")
    command.set_defaults(run=worker)
