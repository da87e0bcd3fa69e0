"""Claims of provider message ids, in the turn's transaction: a repeated delivery stops at its claim."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Column, Connection, String, Table

from catalog.db.schema import UtcDateTime, insert_ignoring, metadata
from orders.db.statements import DriverStatement, ManyRows

inbound_claims = Table(
    "inbound_claims",
    metadata,
    Column("provider", String(32), primary_key=True),
    Column("external_id", String(200), primary_key=True),
    Column("claimed_at", UtcDateTime, nullable=False, index=True),
)

_COLUMNS = ("provider", "external_id", "claimed_at")
_CLAIM = DriverStatement(
    lambda dialect: insert_ignoring(dialect, inbound_claims, ["provider", "external_id"]), _COLUMNS
)
_CLAIM_MANY = ManyRows(
    inbound_claims, _COLUMNS, conflict="ON CONFLICT DO NOTHING", returning=("provider", "external_id")
)

Claim = tuple[str, str]  # (provider, the provider's message id)


def claim(conn: Connection, provider: str, external_id: str, now: datetime) -> bool:
    """True the first time this provider id is seen; False for a repeated delivery."""
    claimed = _CLAIM.run(conn, {"provider": provider, "external_id": external_id, "claimed_at": now})
    return claimed.rowcount == 1


def claim_many(conn: Connection, claims: Sequence[Claim], now: datetime) -> set[Claim]:
    """The ids of `claims` seen for the first time (on PostgreSQL, in one statement)."""
    if conn.dialect.name != "postgresql":
        return {(provider, id_) for provider, id_ in claims if claim(conn, provider, id_, now)}
    rows = [{"provider": p, "external_id": e, "claimed_at": now} for p, e in claims]
    return {(str(p), str(e)) for p, e in _CLAIM_MANY.run(conn, rows).rows}
