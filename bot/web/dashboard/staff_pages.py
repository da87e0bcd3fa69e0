"""`/admin/staff`: the owner's page of dashboard accounts (add one, take one away)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel

from bot.staff.accounts import StaffError
from bot.staff.passwords import WeakPassword
from bot.staff.roles import Area, Role
from bot.staff.sessions import Session
from bot.web.dashboard.render import Notice, page
from bot.web.dashboard.session import changes, needs
from bot.web.deps import AppServices

router = APIRouter(include_in_schema=False)
Owner = Annotated[Session, Depends(needs(Area.STAFF))]
ChangesStaff = Annotated[Session, Depends(changes(Area.STAFF))]


class NewMember(BaseModel):
    """The add-an-account form."""

    email: str = ""
    role: Role = Role.OPS
    password: str = ""


async def _staff_page(
    request: Request,
    app: AppServices,
    session: Session,
    *,
    notices: tuple[Notice, ...] = (),
    status: int = 200,
) -> HTMLResponse:
    members = await app.staff.members()
    return page(
        request,
        session,
        "staff.html",
        title="Staff",
        members=members,
        roles=list(Role),
        notices=notices,
        status=status,
    )


@router.get("/admin/staff", response_class=HTMLResponse)
async def staff_page(request: Request, app: AppServices, session: Owner) -> HTMLResponse:
    return await _staff_page(request, app, session)


@router.post("/admin/staff")
async def add_member(
    request: Request, app: AppServices, session: ChangesStaff, form: Annotated[NewMember, Form()]
) -> Response:
    try:
        member = await app.staff.add(form.email, form.role, form.password)
    except (StaffError, WeakPassword) as exc:
        return await _staff_page(
            request, app, session, notices=(Notice("error", f"Not added: {exc}."),), status=422
        )
    notice = Notice("ok", f"{member.email} can now sign in as {member.role.value}.")
    return await _staff_page(request, app, session, notices=(notice,))


@router.post("/admin/staff/remove")
async def remove_member(
    request: Request, app: AppServices, session: ChangesStaff, email: Annotated[str, Form()] = ""
) -> Response:
    if email.strip().lower() == session.member.email:
        notice = Notice("error", "You cannot remove your own account.")
        return await _staff_page(request, app, session, notices=(notice,), status=422)
    try:
        await app.staff.remove(email)
    except StaffError as exc:
        return await _staff_page(
            request, app, session, notices=(Notice("error", f"Not removed: {exc}."),), status=422
        )
    return RedirectResponse("/admin/staff", status_code=303)
