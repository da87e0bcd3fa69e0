"""`/admin/orders/{number}`: one order's page (summary, stepper, cards, one Save for every edited card),
cancel and the sales check from its More menu, and `/print`, a clean printable copy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from bot.setup.wiring import Services
from bot.staff.roles import Area, may
from bot.staff.sessions import Session
from bot.web.dashboard import order_history, order_payments, order_view
from bot.web.dashboard.order_forms import CARDS, parse_edit, stored_rows, typed_rows
from bot.web.dashboard.render import Notice, bare_page, page
from bot.web.dashboard.session import EditsOrders, Forbidden, OrdersStaff, changes
from bot.web.deps import AppServices, Catalog, Desk, Editor, Orders
from catalog.money import format_money
from catalog.service import CatalogService
from orders.commands import ChangeStatus
from orders.desk import OrderDesk
from orders.editing import InvalidEdit
from orders.edits import OrderEditor
from orders.errors import OrderError, OrderNotFound
from orders.model import Order
from orders.services import OrderService
from orders.status import OrderStatus

router = APIRouter(include_in_schema=False)
ChecksSales = Annotated[Session, Depends(changes(Area.ATTRIBUTION))]
MAX_NUMBER = 2**31 - 1


@dataclass(frozen=True, slots=True)
class Parts:
    """The services an order's page reads and writes through."""

    app: Services
    orders: OrderService
    editor: OrderEditor
    desk: OrderDesk
    catalog: CatalogService


def _parts(app: AppServices, orders: Orders, editor: Editor, desk: Desk, catalog: Catalog) -> Parts:
    return Parts(app, orders, editor, desk, catalog)


OrderParts = Annotated[Parts, Depends(_parts)]


def order_number(raw: str) -> int | None:
    """The number in an order's URL, or None for anything that cannot be one (a 404, never a 500)."""
    text = raw.strip().lstrip("#")
    return int(text) if text.isdigit() and 0 < int(text) <= MAX_NUMBER else None


async def _load(orders: OrderService, raw: str) -> Order | None:
    number = order_number(raw)
    if number is None:
        return None
    try:
        return await orders.get(number)
    except OrderNotFound:
        return None


def _missing(request: Request, session: Session, raw: str) -> HTMLResponse:
    text = f"There is no order {raw[:40]}. It may have been typed wrong."
    return page(request, session, "message.html", title="Order not found", text=text, status=404)


def _shown(order: Order, today: date) -> dict[str, Any]:
    """What the page shows of the order itself, worked out by `order_view`."""
    return {
        "order": order,
        "group_of": order_view.GROUP_OF,
        "money": format_money,
        "major": order_view.major,
        "steps": order_view.stepper(order),
        "next_statuses": order_view.next_statuses(order),
        "can_cancel": order_view.can_cancel(order),
        "payment": order_view.payment_label(order),
        "tags": order_view.tags(order, today),
        "history": order_history.history(order),
        "customer_href": order_view.customer_href(order),
        "conversation_href": order_view.conversation_href(order),
    }


async def render_order(
    request: Request,
    parts: Parts,
    session: Session,
    order: Order,
    *,
    notices: tuple[Notice, ...] = (),
    status: int = 200,
    problems: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
    open_cards: frozenset[str] = frozenset(),
    form: FormData | None = None,
) -> HTMLResponse:
    """The order's page; after a refused Save, the opened cards keep what was typed and say what is wrong."""
    app = parts.app
    products, _total = await parts.catalog.list(active_only=True)
    attributes = may(session.member.role, Area.ATTRIBUTION)
    staff = [m.email for m in await app.staff.members()] if attributes else []
    values: dict[str, Any] = _shown(order, app.clock().date()) | {
        "stock": await parts.desk.stock(order),
        "products": products,
        "rows": typed_rows(form, order.lines, products) if form else stored_rows(order.lines),
        "categories": sorted({p.category for p in products if p.category}),
        "item_fields": app.store.item_fields,
        "methods": app.store.store.delivery,
        "staff": staff,
        "attributes": attributes,
        "problems": problems or {},
        "typed": typed or {},
        "open_cards": open_cards,
        "pay": await order_payments.card(request, app, session, order),  # the Payments card
    }
    title = f"Order #{order.number}"
    return page(request, session, "order.html", title=title, notices=notices, status=status, **values)


@router.get("/admin/orders/{number}", response_class=HTMLResponse)
async def order_page(  # noqa: PLR0917 (FastAPI reads each parameter from this signature)
    request: Request,
    parts: OrderParts,
    session: OrdersStaff,
    number: str,
    edit: str = "",
    saved: str = "",
) -> HTMLResponse:
    order = await _load(parts.orders, number)
    if order is None:
        return _missing(request, session, number)
    notices = (Notice("ok", "Order saved."),) if saved == "1" else ()
    if saved == "cancelled":
        notices = (Notice("ok", f"Order #{order.number} is cancelled."),)
    if saved in ("created", "draft"):
        kind = "Draft" if saved == "draft" else "Order"
        notices = (Notice("ok", f"{kind} #{order.number} created."),)
    if saved == "checked":
        notices = (Notice("ok", f"The sale is checked: {order.assignee or 'system'}."),)
    # `?edit=delivery` opens one card; the list's row action (`?edit=1`) opens every card staff edit daily.
    opened = frozenset({edit}) if edit in CARDS else frozenset(CARDS) - {"sales"} if edit else frozenset()
    return await render_order(request, parts, session, order, notices=notices, open_cards=opened)


@router.post("/admin/orders/{number}")
async def save_order(request: Request, parts: OrderParts, session: EditsOrders, number: str) -> Response:
    order = await _load(parts.orders, number)
    if order is None:
        return _missing(request, session, number)
    form = await request.form()
    parsed = parse_edit(form, order.number, session.member.email, parts.app.store)
    if "sales" in parsed.cards and not may(session.member.role, Area.ATTRIBUTION):
        raise Forbidden(Area.ATTRIBUTION.value)
    typed = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf"}
    problems = parsed.problems | await _unknown_seller(parts.app, parsed.edit.assignee)
    try:
        if problems:
            raise InvalidEdit(problems)
        await parts.editor.edit(parsed.edit)
    except InvalidEdit as exc:
        notice = Notice("error", "Not saved: please correct the fields marked below.")
        return await render_order(
            request, parts, session, order, notices=(notice,), status=422,
            problems=exc.problems, typed=typed, open_cards=parsed.cards, form=form,
        )  # fmt: skip
    except OrderError as exc:
        fresh = await parts.orders.get(order.number)
        typed.pop("seen", None)  # the page now shows the order as it is: saving again is a choice
        notice = Notice("error", f"Not saved: {exc}.")
        return await render_order(
            request, parts, session, fresh, notices=(notice,), status=409 if _conflict(exc) else 422,
            typed=typed, open_cards=parsed.cards, form=form,
        )  # fmt: skip
    return RedirectResponse(f"/admin/orders/{order.number}?saved=1", status_code=303)


async def _unknown_seller(app: Services, who: str | None) -> dict[str, str]:
    """A sales manager is a staff member or "system", nobody else."""
    if who is None or who.strip() in ("", "system"):
        return {}
    members = {m.email for m in await app.staff.members()}
    return {} if who.strip() in members else {"assignee": "Not a staff member"}


def _conflict(exc: OrderError) -> bool:
    return exc.code in ("invalid_status_transition", "concurrent_update", "out_of_stock")


@router.post("/admin/orders/{number}/cancel")
async def cancel_order(
    request: Request,
    parts: OrderParts,
    session: EditsOrders,
    number: str,
    reason: Annotated[str, Form()] = "",
) -> Response:
    order = await _load(parts.orders, number)
    if order is None:
        return _missing(request, session, number)
    try:
        why = reason.replace("\x00", "").strip()[:1000]  # PostgreSQL keeps no NUL in the history's JSON
        command = ChangeStatus(order.number, OrderStatus.CANCELLED, session.member.email, reason=why)
        await parts.orders.change_status(command)
    except OrderError as exc:
        notice = Notice("error", f"Not cancelled: {exc}.")
        return await render_order(request, parts, session, order, notices=(notice,), status=409)
    return RedirectResponse(f"/admin/orders/{order.number}?saved=cancelled", status_code=303)


@router.post("/admin/orders/{number}/check")
async def check_sale(
    request: Request,
    parts: OrderParts,
    session: ChecksSales,
    number: str,
    assignee: Annotated[str | None, Form()] = None,
) -> Response:
    order = await _load(parts.orders, number)
    if order is None:
        return _missing(request, session, number)
    try:
        if problems := await _unknown_seller(parts.app, assignee):
            raise InvalidEdit(problems)
        await parts.editor.confirm_sale(order.number, session.member.email, assignee or None)
    except OrderError as exc:
        notice = Notice("error", f"Not checked: {exc}.")
        return await render_order(request, parts, session, order, notices=(notice,), status=422)
    return RedirectResponse(f"/admin/orders/{order.number}?saved=checked", status_code=303)


@router.get("/admin/orders/{number}/print", response_class=HTMLResponse)
async def print_order(request: Request, parts: OrderParts, session: OrdersStaff, number: str) -> HTMLResponse:
    order = await _load(parts.orders, number)
    if order is None:
        return _missing(request, session, number)
    return bare_page(
        request,
        "order_print.html",
        order=order,
        money=format_money,
        printed=parts.app.clock().strftime("%Y-%m-%d %H:%M UTC"),
        payment=order_view.payment_label(order),
    )
