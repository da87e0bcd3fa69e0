"""Staff accounts: add, list, remove, change a password; and the one-time link for the first owner."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from bot.staff.passwords import check_strength, hash_password
from bot.staff.roles import Role
from bot.staff.tables import setup_links, staff
from orders.db.engine import Database

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SETUP_LINK_LIFETIME = timedelta(hours=24)


class StaffError(ValueError):
    """A staff change that cannot be made; the message says why."""


@dataclass(frozen=True, slots=True)
class StaffMember:
    """A person who signs in to the dashboard."""

    id: int
    email: str
    role: Role
    created_at: datetime


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalised_email(email: str) -> str:
    address = email.strip().lower()
    if len(address) > 200 or not _EMAIL.match(address):
        raise StaffError(f"{email!r} is not an email address")
    return address


def _member(row: object) -> StaffMember:
    m = row._mapping  # type: ignore[attr-defined]
    return StaffMember(m["id"], m["email"], Role(m["role"]), m["created_at"])


class StaffAccounts:
    """The staff table over the database."""

    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._clock = clock

    async def add(self, email: str, role: Role, password: str) -> StaffMember:
        address = normalised_email(email)
        check_strength(password, address)
        hashed = await hash_password(password)
        now = self._clock()
        values = {"email": address, "password_hash": hashed, "role": role.value, "created_at": now}
        statement = staff.insert().values(values).returning(staff.c.id)
        try:
            new_id = await self._db.write(lambda conn: conn.execute(statement).scalar_one())
        except IntegrityError:
            raise StaffError(f"{address} already has an account") from None
        return StaffMember(int(new_id), address, role, now)

    async def members(self) -> list[StaffMember]:
        query = select(staff).order_by(staff.c.email)
        return await self._db.read(lambda conn: [_member(r) for r in conn.execute(query)])

    async def get(self, staff_id: int) -> StaffMember | None:
        query = select(staff).where(staff.c.id == staff_id)
        row = await self._db.read(lambda conn: conn.execute(query).first())
        return _member(row) if row else None

    async def remove(self, email: str) -> None:
        address = normalised_email(email)

        def work(conn: Connection) -> None:
            target = conn.execute(select(staff.c.role).where(staff.c.email == address)).scalar()
            if target is None:
                raise StaffError(f"{address} has no account")
            owners = conn.execute(select(func.count()).where(staff.c.role == Role.OWNER.value)).scalar_one()
            if target == Role.OWNER.value and owners == 1:
                raise StaffError(f"{address} is the only owner: add another owner first")
            conn.execute(delete(staff).where(staff.c.email == address))  # sessions go with it (cascade)

        await self._db.write(work)

    async def set_password(self, email: str, password: str) -> None:
        address = normalised_email(email)
        check_strength(password, address)
        hashed = await hash_password(password)
        statement = update(staff).where(staff.c.email == address).values(password_hash=hashed)
        if await self._db.write(lambda conn: conn.execute(statement).rowcount) != 1:
            raise StaffError(f"{address} has no account")

    async def count(self) -> int:
        return int(
            await self._db.read(
                lambda conn: conn.execute(select(func.count()).select_from(staff)).scalar_one()
            )
        )

    async def new_setup_link(self) -> str:
        """A token for the first owner's sign-up page (while nobody has an account); 24 hours, used once."""
        token = secrets.token_urlsafe(24)
        values = {"token_hash": token_hash(token), "expires_at": self._clock() + SETUP_LINK_LIFETIME}
        await self._db.write(lambda conn: conn.execute(setup_links.insert().values(values)))
        return token

    async def set_up_owner(self, token: str, email: str, password: str) -> StaffMember:
        """Use the one-time link: the first owner's account. Refused once anybody has an account."""
        address = normalised_email(email)
        check_strength(password, address)
        hashed = await hash_password(password)
        now = self._clock()

        def work(conn: Connection) -> StaffMember:
            link = (setup_links.c.token_hash == token_hash(token)) & (setup_links.c.expires_at > now)
            if conn.execute(delete(setup_links).where(link)).rowcount != 1:
                raise StaffError(
                    "this set-up link is not valid any more: restart chatcart serve for a new one"
                )
            if conn.execute(select(func.count()).select_from(staff)).scalar_one():
                raise StaffError("an owner is already set up: sign in instead")
            conn.execute(delete(setup_links))  # the other links printed earlier are spent too
            values = {"email": address, "password_hash": hashed, "role": Role.OWNER.value, "created_at": now}
            new_id = conn.execute(staff.insert().values(values).returning(staff.c.id)).scalar_one()
            return StaffMember(int(new_id), address, Role.OWNER, now)

        return await self._db.write(work)
