"""The app factory: webhooks (plain ASGI, ahead of FastAPI), the REST API and its docs, the web chat, the
operations endpoints; the background worker in the app's lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.setup.channels import WEBHOOKS
from bot.setup.settings import Settings
from bot.setup.startup import freeze_startup_heap
from bot.setup.wiring import Services, build_services
from bot.turns.failures import FailedUpdates
from bot.web import favicon, operations, pay_pages
from bot.web import web_chat as web_chat_routes
from bot.web.api import listing as listing_api
from bot.web.api import order_edits as order_edits_api
from bot.web.api import orders as orders_api
from bot.web.api import payments as payments_api
from bot.web.api import products as products_api
from bot.web.api import tools as tools_api
from bot.web.api.errors import install_error_handlers
from bot.web.dashboard import install_dashboard
from bot.web.direct_routes import DirectRoutes, Handler
from bot.web.docs import install_docs
from bot.web.headers import SecurityHeaders
from bot.web.payments_webhook import payment_webhook
from bot.web.webhooks import webhook_routes

log = logging.getLogger(__name__)


class ChatcartApp(FastAPI):
    """FastAPI with the webhook routes answered before its middleware stack (see `bot.web.direct_routes`)."""

    direct_routes: dict[str, Handler]
    _tracing: bool | None = None

    def build_middleware_stack(self) -> ASGIApp:
        # Outside FastAPI's own stack, so that its 500 page gets the security headers too.
        guarded = SecurityHeaders(super().build_middleware_stack())
        return DirectRoutes(guarded, self.direct_routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Unless OpenTelemetry is configured, a webhook goes straight to the routes above: FastAPI's own
        # entry asks whether it is on every request (three environment lookups, ~1.5 % of a chat turn's CPU).
        if scope["type"] == "http" and scope["path"] in self.direct_routes and not self._traced():
            if self.middleware_stack is None:
                self.middleware_stack = self.build_middleware_stack()
            scope["app"] = self
            await self.middleware_stack(scope, receive, send)
            return
        await super().__call__(scope, receive, send)

    def _traced(self) -> bool:
        """Whether FastAPI's OpenTelemetry instrumentation is on: asked at the first webhook, when the
        providers an operator configures at start-up are in place, and remembered."""
        if self._tracing is None:
            telemetry = getattr(self, "_native_telemetry", None)  # absent in older FastAPI releases
            self._tracing = telemetry is not None and bool(telemetry.enabled())
        return self._tracing


def create_app(services: Services | None = None, *, run_worker: bool = True) -> ChatcartApp:
    """Build the app; with run_worker the outbox relay and reminders run inside this process."""
    services = services or build_services(Settings())

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        freeze_startup_heap()
        stop = asyncio.Event()
        # Without its worker this process still beats: the replies its turns lease are its own to send.
        worker = asyncio.create_task(services.worker.run(stop, send=run_worker))
        try:
            yield
        finally:
            stop.set()
            await worker
            await services.aclose()

    # FastAPI's own /docs and /redoc load their scripts from a CDN; `install_docs` serves them locally.
    app = ChatcartApp(title="chatcart", version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None)
    failures = FailedUpdates(services.db, services.clock)
    app.direct_routes = webhook_routes(
        WEBHOOKS, services.channels.by_name, services.dispatch, failures.record
    ) | {"/webhooks/stripe": payment_webhook(services.gateway, services.payments)}
    app.state.services = services
    app.state.failures = failures
    install_error_handlers(app)
    _include_routes(app, web_chat=services.settings.web_chat)
    return app


def _include_routes(app: ChatcartApp, *, web_chat: bool) -> None:
    """The REST API, payment pages, the web chat when on, operations, docs and the dashboard."""
    app.include_router(listing_api.router)  # before /orders/{number}: `stats` is not a number
    app.include_router(orders_api.router)
    app.include_router(order_edits_api.router)
    app.include_router(products_api.router)
    app.include_router(payments_api.router)
    app.include_router(pay_pages.router)
    app.include_router(tools_api.router)
    if web_chat:
        app.include_router(web_chat_routes.router)
        log.warning(
            "the web chat at /chat is on: anyone who can reach this server can place real orders "
            "(CHATCART_WEB_CHAT=off turns it off)"
        )
    app.include_router(operations.router)
    app.include_router(favicon.router)
    install_docs(app)
    install_dashboard(app)
