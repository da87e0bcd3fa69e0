"""The merchant's dashboard at /admin: server-rendered pages (templates/html/admin/), its own static files,
staff sessions and CSRF, and the pages: sign-in, orders, customers, conversations, staff."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from bot.web.dashboard import (
    conversations,
    customers,
    manual_order,
    order_page,
    order_payments,
    orders_list,
    payments_page,
    sign_in,
    staff_pages,
)
from bot.web.dashboard.render import page
from bot.web.dashboard.session import BadCsrf, Forbidden, SignInNeeded, to_sign_in


def _refused(request: Request, text: str, status: int = 403) -> HTMLResponse | RedirectResponse:
    session = getattr(request.state, "session", None)
    if session is None:
        return RedirectResponse("/admin/login", status_code=303)
    return page(request, session, "message.html", title="Not allowed", text=text, status=status)


def install_dashboard(app: FastAPI) -> None:
    """Mount /admin: its static files, its pages, and the answers to a missing sign-in or a refusal."""
    static = Path(str(resources.files("templates").joinpath("static", "admin")))
    app.mount("/admin/static", StaticFiles(directory=static), name="admin-static")
    app.include_router(sign_in.router)
    app.include_router(orders_list.router)
    app.include_router(customers.router)
    app.include_router(conversations.router)
    app.include_router(manual_order.router)  # /admin/orders/new before /admin/orders/{number}
    app.include_router(order_page.router)
    app.include_router(staff_pages.router)
    app.include_router(payments_page.router)
    app.include_router(order_payments.router)

    async def sign_in_needed(request: Request, exc: Exception) -> RedirectResponse:
        assert isinstance(exc, SignInNeeded)
        return to_sign_in(exc)

    async def forbidden(request: Request, _exc: Exception) -> HTMLResponse | RedirectResponse:
        return _refused(request, "Your role may not use this part of the dashboard. Ask the shop's owner.")

    async def bad_csrf(request: Request, _exc: Exception) -> HTMLResponse | RedirectResponse:
        return _refused(
            request, "This form has expired or came from another site. Reload the page and try again."
        )

    app.add_exception_handler(SignInNeeded, sign_in_needed)
    app.add_exception_handler(Forbidden, forbidden)
    app.add_exception_handler(BadCsrf, bad_csrf)
