"""`/admin/orders/new`: an order typed up by staff (a phone sale): customer, products, delivery; placed with
stock reserved, or saved as an empty draft to fill in later."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from bot.staff.sessions import Session
from bot.web.dashboard.order_forms import form_text, read_lines, typed_rows
from bot.web.dashboard.render import Notice, page
from bot.web.dashboard.session import EditsOrders, OrdersStaff
from bot.web.deps import AppServices, Catalog, Desk
from catalog.money import format_money
from orders.commands import LineRequest
from orders.desk import ADDRESS_PARTS, ManualOrder, required_address_parts
from orders.editing import InvalidEdit
from orders.errors import OrderError
from orders.model import Customer, FieldValue
from orders.status import PaymentMethod

router = APIRouter(include_in_schema=False)
ADDRESS_LABELS = {
    "street": "Street",
    "apartment": "Apartment",
    "city": "City",
    "region": "State / region",
    "postal_code": "Postal code",
}


async def _form_page(
    request: Request,
    app: AppServices,
    session: Session,
    desk: Desk,
    catalog: Catalog,
    *,
    typed: dict[str, str] | None = None,
    problems: dict[str, str] | None = None,
    notices: tuple[Notice, ...] = (),
    status: int = 200,
    query: str = "",
    form: FormData | None = None,
) -> HTMLResponse:
    products, _total = await catalog.list(active_only=True)
    store = app.store
    method = (typed or {}).get("delivery_method") or store.store.delivery[0]
    values: dict[str, Any] = {
        "known": await desk.known_customers(query),
        "products": products,
        "rows": typed_rows(form, [], products) if form else [],
        "categories": sorted({p.category for p in products if p.category}),
        "item_fields": store.item_fields,
        "order_fields": [f for f in store.order_fields if f.name != "delivery_address"],
        "methods": store.store.delivery,
        "payments": [*store.store.payment, PaymentMethod.MANUAL.value],
        "address_parts": [(p, ADDRESS_LABELS[p]) for p in ADDRESS_PARTS],
        "required": required_address_parts(store, method),
        "currency": store.currency,
        "money": format_money,
        "typed": typed or {},
        "problems": problems or {},
    }
    return page(
        request, session, "order_new.html", title="New order", notices=notices, status=status, **values
    )


@router.get("/admin/orders/new", response_class=HTMLResponse)
async def new_order(  # noqa: PLR0917 (FastAPI reads each parameter from this signature)
    request: Request,
    app: AppServices,
    session: OrdersStaff,
    desk: Desk,
    catalog: Catalog,
    q: Annotated[str, Query(max_length=200)] = "",
) -> HTMLResponse:
    return await _form_page(request, app, session, desk, catalog, query=q)


async def _customer(form: FormData, desk: Desk) -> Customer:
    """The typed customer; with nothing typed, the earlier customer picked from the list."""
    first = (form_text(form, "first_name") or "").strip()
    last = (form_text(form, "last_name") or "").strip()
    phone = (form_text(form, "customer_phone") or "").strip()
    email = (form_text(form, "customer_email") or "").strip()
    picked = (form_text(form, "known") or "").strip()
    if not (first or last or phone or email) and picked.isdigit() and len(picked) < 11:
        earlier = await desk.customer_of(int(picked))
        if earlier is not None:
            return Customer(earlier.name, earlier.phone, earlier.email)
    return Customer(" ".join(p for p in (first, last) if p), phone, email)


def _payment(form: FormData) -> PaymentMethod:
    try:
        return PaymentMethod((form_text(form, "payment_method") or "cod").strip())
    except ValueError:
        return PaymentMethod.COD


@router.post("/admin/orders/new")
async def create_order(
    request: Request, app: AppServices, session: EditsOrders, desk: Desk, catalog: Catalog
) -> Response:
    form = await request.form()
    problems: dict[str, str] = {}
    lines = read_lines(form, app.store, problems)
    fields: dict[str, FieldValue] = {
        f.name: value
        for f in app.store.order_fields
        if (value := (form_text(form, f"field_{f.name}") or "").strip())
    }
    cmd = ManualOrder(
        actor=session.member.email,
        customer=await _customer(form, desk),
        lines=tuple(LineRequest(e.quantity, e.sku, e.product_id, e.fields) for e in lines if e.quantity > 0),
        delivery_method=(form_text(form, "delivery_method") or "").strip(),
        address={p: (form_text(form, p) or "") for p in ADDRESS_PARTS},
        fields=fields,
        payment_method=_payment(form),
        note=(form_text(form, "note") or "").strip(),
        draft=form_text(form, "action") == "draft",
    )
    typed = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf"}
    try:
        if problems:
            raise InvalidEdit(problems)
        order = await desk.create(cmd)
    except InvalidEdit as exc:
        notice = Notice("error", "Not created: please correct the fields marked below.")
        return await _form_page(
            request, app, session, desk, catalog, typed=typed, problems=exc.problems,
            notices=(notice,), status=422, form=form,
        )  # fmt: skip
    except OrderError as exc:
        notice = Notice("error", f"Not created: {exc}.")
        return await _form_page(
            request, app, session, desk, catalog, typed=typed, notices=(notice,), status=422, form=form
        )
    outcome = "draft" if cmd.draft and not cmd.lines else "created"
    return RedirectResponse(f"/admin/orders/{order.number}?saved={outcome}", status_code=303)
