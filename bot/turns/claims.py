"""Claims of provider message ids, in the turn's transaction: a repeated delivery stops at its claim."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Connection, String, Table

from catalog.db.schema import UtcDateTime, insert_ignoring, metadata
from orders.db.statements import DriverStatement

inbound_claims = Table(
    "inbound_claims",
    metadata,
    Column("provider", String(32), primary_key=True),
    Column("external_id", String(200), primary_key=True),
    Column("claimed_at", UtcDateTime, nullable=False, index=True),
)

_CLAIM = DriverStatement(
    lambda dialect: insert_ignoring(dialect, inbound_claims, ["provider", "external_id"]),
    ("provider", "external_id", "claimed_at"),
)


def claim(conn: Connection, provider: str, external_id: str, now: datetime) -> bool:
    """True the first time this provider id is seen; False for a repeated delivery."""
    claimed = _CLAIM.run(conn, {"provider": provider, "external_id": external_id, "claimed_at": now})
    return claimed.rowcount == 1
