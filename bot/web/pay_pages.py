"""`/pay/<token>`: an order's own pay link, sent in chat; it opens the provider's checkout (a new one once the
last expired), and the pages a shopper returns to."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bot.templating import render_page
from bot.turns.failures import is_transient
from bot.web.deps import AppServices
from orders.pay_links import PayLinks
from orders.payments.amounts import UnpayableAmount
from orders.payments.gateway import GatewayError

router = APIRouter(include_in_schema=False)
Token = Annotated[str, Path(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


def _links(app: AppServices) -> PayLinks | None:
    return app.pay_links


Links = Annotated[PayLinks | None, Depends(_links)]

_STATES = {
    "paid": (200, "Paid", "This order is paid. Thank you!"),
    "closed": (410, "Order closed", "This order was cancelled, so there is nothing to pay."),
    "unknown": (404, "Link not found", "This payment link does not exist. Ask the shop for a new one."),
}


def _page(request: Request, status: int, heading: str, text: str, **extra: object) -> HTMLResponse:
    store_name = request.app.state.services.store.store.name
    html = render_page("pay/page.html", store_name=store_name, heading=heading, text=text, **extra)
    return HTMLResponse(html, status_code=status)


@router.get("/pay/{token}", response_model=None)
async def open_pay_link(request: Request, token: Token, links: Links) -> Response:
    if links is None:
        return _page(request, 404, *_STATES["unknown"][1:])
    try:
        answer = await links.open(token)
    except (GatewayError, UnpayableAmount) as exc:
        transient = isinstance(exc, GatewayError) and exc.transient
        text = "The payment service is not answering. Please try again in a minute."
        return _page(request, 503 if transient else 502, "Payment unavailable", text)
    except Exception as exc:
        if not is_transient(exc):
            raise
        return _page(request, 503, "Payment unavailable", "Please try again in a minute.")
    if answer.url:
        return RedirectResponse(answer.url, status_code=303)
    status, heading, text = _STATES[answer.state]
    return _page(request, status, heading, text)


@router.get("/pay/{token}/done", response_class=HTMLResponse)
async def paid_page(request: Request, token: Token) -> HTMLResponse:
    text = "Thank you! Your payment is being confirmed; you will get a message in the chat."
    return _page(request, 200, "Thank you", text)
