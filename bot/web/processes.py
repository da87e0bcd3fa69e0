"""What each process of `chatcart serve --workers N` runs: the app, built from the environment's settings."""

from __future__ import annotations

import os

from bot.setup.logging import configure_logging
from bot.setup.settings import Settings
from bot.setup.wiring import build_services
from bot.web.app import ChatcartApp, create_app

APP_FACTORY = "bot.web.processes:app_factory"
RUN_WORKER = "CHATCART_SERVE_RUN_WORKER"  # `serve --no-worker`, handed to processes the supervisor starts


def app_factory() -> ChatcartApp:
    """A whole server of its own: settings, logging, connections; the outbox relay unless told otherwise."""
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    return create_app(build_services(settings), run_worker=os.environ.get(RUN_WORKER, "1") == "1")
