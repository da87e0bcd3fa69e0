"""Dashboard pages rendered from templates/html/admin/, with the navigation a role may use and a strict
Content-Security-Policy (scripts and styles only from this server's files)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import HTMLResponse

from bot.staff.roles import Area, may
from bot.staff.sessions import Session
from bot.templating import render_page

# Merchants' product images may live anywhere on the web; nothing else is loaded from elsewhere.
POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
NAV = (
    ("/admin/orders", "Orders", Area.ORDERS),
    ("/admin/customers", "Customers", Area.ORDERS),
    ("/admin/conversations", "Conversations", Area.ORDERS),
    ("/admin/payments", "Payments", Area.PAYMENTS),
    ("/admin/staff", "Staff", Area.STAFF),
)


@dataclass(frozen=True, slots=True)
class Notice:
    """A line at the top of a page: `ok`, `error` or `info`."""

    kind: str
    text: str


@dataclass(frozen=True, slots=True)
class NavItem:
    """One entry of the sidebar."""

    href: str
    label: str
    current: bool


def page(
    request: Request,
    session: Session,
    template: str,
    *,
    title: str,
    status: int = 200,
    notices: tuple[Notice, ...] = (),
    **params: object,
) -> HTMLResponse:
    """A signed-in page: `template` below templates/html/admin/, in the dashboard's layout."""
    role = session.member.role
    path = request.url.path
    nav = [NavItem(href, label, path.startswith(href)) for href, label, area in NAV if may(role, area)]
    html = render_page(
        f"admin/{template}",
        title=title,
        store_name=request.app.state.services.store.store.name,
        member=session.member,
        csrf=session.csrf,
        nav=nav,
        notices=notices,
        **params,
    )
    return HTMLResponse(html, status_code=status, headers={"Content-Security-Policy": POLICY})


def bare_page(request: Request, template: str, *, status: int = 200, **params: object) -> HTMLResponse:
    """A page outside the layout (signing in)."""
    store_name = request.app.state.services.store.store.name
    html = render_page(f"admin/{template}", store_name=store_name, **params)
    return HTMLResponse(html, status_code=status, headers={"Content-Security-Policy": POLICY})
