"""`chatcart serve` and `chatcart worker`: the web server with or without the background work, and the
background work alone."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal

from bot.cli.common import Subcommands
from bot.setup.startup import load_demo_catalog_if_empty
from bot.setup.wiring import Services
from orders.db import migrate

log = logging.getLogger("chatcart")
MAX_WORKERS = 64
HEALTH_CHECK_SECONDS = 30
AUTOVACUUM_OFF = (
    "PostgreSQL runs with autovacuum off: dead rows pile up and the planner keeps the plans it made while "
    "the tables were small (a chat turn then scans every conversation); turn it on, or run VACUUM ANALYZE "
    "regularly"
)


def _process_count(text: str) -> int:
    """`--workers`: a whole number from 1 to MAX_WORKERS."""
    if not text.isdigit() or not 1 <= int(text) <= MAX_WORKERS:
        raise argparse.ArgumentTypeError(f"a whole number from 1 to {MAX_WORKERS}")
    return int(text)


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
    if await migrate.autovacuum_off(services.db):
        log.warning(AUTOVACUUM_OFF)
    if args.workers > 1:
        return await _serve_processes(services, args)
    app = create_app(services, run_worker=not args.no_worker)
    # Our logging set-up speaks for uvicorn too (JSON lines, the level, probes out of the access log).
    config = uvicorn.Config(app, host=args.host, port=args.port, log_config=None, log_level=None)
    log.info("serving %s on http://%s:%d", services.store.store.name, args.host, args.port)
    await uvicorn.Server(config).serve()
    return 0


async def _serve_processes(services: Services, args: argparse.Namespace) -> int:
    """Several processes on one port, each building its own services; this one only supervises them."""
    import uvicorn

    from bot.web.processes import APP_FACTORY, RUN_WORKER

    if services.db.is_sqlite:
        log.warning("SQLite takes one write at a time: several processes add little (use PostgreSQL)")
    name = services.store.store.name
    await services.aclose()  # the database is ready; every process opens its own connections
    os.environ[RUN_WORKER] = "0" if args.no_worker else "1"  # the processes read their settings there
    log.info("serving %s on http://%s:%d with %d processes", name, args.host, args.port, args.workers)
    # Blocks this event loop, which has nothing else to do: uvicorn's supervisor needs the main thread for its
    # signal handlers, and restarts a process that dies or stops answering its health check (given more than
    # the default 5 s: on a busy machine a new process can take longer to start).
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_config=None,
        timeout_worker_healthcheck=HEALTH_CHECK_SECONDS,
    )
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
        "--workers", type=_process_count, default=1, help="server processes sharing the port (default 1)"
    )
    command.add_argument(
        "--demo-catalog", action="store_true", help="load the demo catalog if the catalog is empty"
    )
    # The app's lifespan closes the services when the server stops.
    command.set_defaults(run=serve, closes_itself=True)
    command = sub.add_parser("worker", help="run only the background worker (outbox relay)")
    command.set_defaults(run=worker)
