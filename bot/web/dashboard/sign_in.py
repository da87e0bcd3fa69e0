"""`/admin/login`, `/admin/logout` and `/admin/setup` (the first owner's one-time link)."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel

from bot.staff.accounts import StaffError
from bot.staff.passwords import WeakPassword
from bot.staff.sessions import SignInRefused
from bot.web.dashboard.render import bare_page
from bot.web.dashboard.session import (
    COOKIE,
    LOGIN_CSRF_COOKIE,
    EditsOrders,
    new_login_csrf,
    open_session,
    set_cookie,
)
from bot.web.deps import AppServices

router = APIRouter(include_in_schema=False)
LANDING = "/admin/orders"


def _safe_next(target: str) -> str:
    """Only a dashboard page of this server: never another site (an open redirect)."""
    return target if target.startswith("/admin/") and not target.startswith("//") else LANDING


def _sign_in_form(
    request: Request, *, next_page: str = "", email: str = "", error: str = "", status: int = 200
) -> Response:
    csrf = new_login_csrf()
    response = bare_page(
        request,
        "sign_in.html",
        status=status,
        title="Sign in",
        action="/admin/login",
        button="Sign in",
        csrf=csrf,
        next=next_page,
        email=email,
        error=error,
        token="",
        intro="",
    )
    set_cookie(response, request, LOGIN_CSRF_COOKIE, csrf, 3600)
    return response


@router.get("/admin")
async def dashboard_home() -> RedirectResponse:
    return RedirectResponse(LANDING, status_code=303)


@router.get("/admin/login")
async def sign_in_page(request: Request, app: AppServices, next: str = "") -> Response:
    token = request.cookies.get(COOKIE)
    if token and await app.sign_ins.session(token) is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return _sign_in_form(request, next_page=next)


class SignInForm(BaseModel):
    """What the sign-in form sends."""

    email: str = ""
    password: str = ""
    csrf: str = ""
    next: str = ""


@router.post("/admin/login")
async def sign_in(request: Request, app: AppServices, form: Annotated[SignInForm, Form()]) -> Response:
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not form.csrf or not expected or not secrets.compare_digest(form.csrf, expected):
        error = "This sign-in form has expired. Please try again."
        return _sign_in_form(request, next_page=form.next, email=form.email, error=error, status=403)
    address = request.client.host if request.client else "unknown"
    try:
        token, _session = await app.sign_ins.sign_in(form.email, form.password, address)
    except SignInRefused as exc:
        status = 429 if exc.retry_after is not None else 401
        return _sign_in_form(request, next_page=form.next, email=form.email, error=str(exc), status=status)
    response = RedirectResponse(_safe_next(form.next), status_code=303)
    open_session(response, request, token)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/admin")
    return response


@router.post("/admin/logout")
async def sign_out(request: Request, app: AppServices, _session: EditsOrders) -> Response:
    await app.sign_ins.sign_out(request.cookies.get(COOKIE, ""))
    response = RedirectResponse("/admin/login", status_code=303)
    response.delete_cookie(COOKIE, path="/admin")
    return response


def _setup_form(
    request: Request, token: str, *, email: str = "", error: str = "", status: int = 200
) -> HTMLResponse:
    return bare_page(
        request,
        "sign_in.html",
        status=status,
        title="Set up the owner's account",
        intro="Nobody has a dashboard account yet. Choose the owner's email and password.",
        action="/admin/setup",
        button="Create the owner's account",
        csrf=token,  # the one-time token is the form's secret
        next="",
        email=email,
        error=error,
        token=token,
    )


@router.get("/admin/setup")
async def setup_page(request: Request, app: AppServices, token: str = "") -> Response:
    if await app.staff.count():
        return RedirectResponse("/admin/login", status_code=303)
    return _setup_form(request, token)


class SetUpForm(BaseModel):
    """What the first owner's form sends."""

    token: str = ""
    email: str = ""
    password: str = ""
    password_again: str = ""


@router.post("/admin/setup")
async def set_up(request: Request, app: AppServices, form: Annotated[SetUpForm, Form()]) -> Response:
    token, email, password = form.token, form.email, form.password
    if password != form.password_again:
        return _setup_form(request, token, email=email, error="The two passwords differ.", status=422)
    try:
        await app.staff.set_up_owner(token, email, password)
        session_token, _session = await app.sign_ins.sign_in(email, password, "setup")
    except (StaffError, WeakPassword) as exc:
        return _setup_form(
            request, token, email=email, error=f"{str(exc)[:1].upper()}{str(exc)[1:]}.", status=422
        )
    response = RedirectResponse(LANDING, status_code=303)
    open_session(response, request, session_token)
    return response
