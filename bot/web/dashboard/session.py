"""Who is signed in to the dashboard: the session cookie, the role a page needs, and the CSRF check of every
form that changes something."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from bot.staff.roles import Area, may
from bot.staff.sessions import LIFETIME, Session
from bot.web.deps import AppServices

COOKIE = "chatcart_session"
LOGIN_CSRF_COOKIE = "chatcart_login_csrf"


class SignInNeeded(Exception):
    """No session: the page asks for a sign-in, then comes back."""

    def __init__(self, back_to: str) -> None:
        super().__init__(back_to)
        self.back_to = back_to


class Forbidden(Exception):
    """Signed in, but this role may not use that part of the dashboard."""


class BadCsrf(Exception):
    """A form without this session's CSRF token: sent by another site, or from an old page."""


def set_cookie(response: Response, request: Request, name: str, value: str, max_age: int) -> None:
    """HttpOnly, SameSite=Lax, only for /admin; Secure whenever the dashboard is reached over HTTPS."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/admin",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def open_session(response: Response, request: Request, token: str) -> None:
    set_cookie(response, request, COOKIE, token, int(LIFETIME.total_seconds()) * 14)


def new_login_csrf() -> str:
    return secrets.token_urlsafe(24)


def needs(area: Area) -> Callable[[Request, AppServices], Awaitable[Session]]:
    """A dependency: the session of a staff member whose role may use `area`."""

    async def signed_in(request: Request, app: AppServices) -> Session:
        token = request.cookies.get(COOKIE)
        session = await app.sign_ins.session(token) if token else None
        if session is None:
            back_to = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise SignInNeeded(back_to)
        request.state.session = session  # a refusal page still shows who is signed in
        if not may(session.member.role, area):
            raise Forbidden(area.value)
        return session

    return signed_in


def changes(area: Area) -> Callable[[Request, AppServices, str], Awaitable[Session]]:
    """A dependency for a form that changes something: the session, and the form's CSRF token checked
    against it (a script sends it as the X-CSRF-Token header)."""
    signed_in = needs(area)

    async def checked(request: Request, app: AppServices, csrf: Annotated[str, Form()] = "") -> Session:
        session = await signed_in(request, app)
        sent = csrf or request.headers.get("x-csrf-token", "")
        if not sent or not secrets.compare_digest(sent, session.csrf):
            raise BadCsrf()
        return session

    return checked


OrdersStaff = Annotated[Session, Depends(needs(Area.ORDERS))]
EditsOrders = Annotated[Session, Depends(changes(Area.ORDERS))]


def to_sign_in(exc: SignInNeeded) -> RedirectResponse:
    return RedirectResponse(f"/admin/login?next={quote(exc.back_to, safe='')}", status_code=303)
