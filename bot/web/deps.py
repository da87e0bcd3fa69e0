"""FastAPI dependencies: the services a route needs, declared in its signature."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from bot.inbox.service import Inbox
from bot.setup.wiring import Services
from bot.turns.dispatch import Dispatcher
from catalog.service import CatalogService
from channels.web import WebChatChannel
from orders.desk import OrderDesk
from orders.edits import OrderEditor
from orders.list_service import ListService
from orders.payment_services import PaymentService
from orders.services import OrderService


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found


AppServices = Annotated[Services, Depends(services)]


def _orders(app: AppServices) -> OrderService:
    return app.orders


def _listing(app: AppServices) -> ListService:
    return app.listing


def _catalog(app: AppServices) -> CatalogService:
    return app.catalog


def _payments(app: AppServices) -> PaymentService:
    return app.payments


def _dispatch(app: AppServices) -> Dispatcher:
    return app.dispatch


def _web_chat(app: AppServices) -> WebChatChannel:
    return app.web_chat


def _editor(app: AppServices) -> OrderEditor:
    return OrderEditor(app.db, app.store, app.orders)


def _desk(app: AppServices) -> OrderDesk:
    return OrderDesk(app.db, app.store, app.orders)


def _inbox(app: AppServices) -> Inbox:
    return Inbox(app.db, app.store.currency)


Orders = Annotated[OrderService, Depends(_orders)]
Listing = Annotated[ListService, Depends(_listing)]
Catalog = Annotated[CatalogService, Depends(_catalog)]
Payments = Annotated[PaymentService, Depends(_payments)]
Dispatch = Annotated[Dispatcher, Depends(_dispatch)]
WebChat = Annotated[WebChatChannel, Depends(_web_chat)]
Editor = Annotated[OrderEditor, Depends(_editor)]
Desk = Annotated[OrderDesk, Depends(_desk)]
Inboxes = Annotated[Inbox, Depends(_inbox)]
