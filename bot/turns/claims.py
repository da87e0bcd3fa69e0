"""Claims of provider message ids, in the turn's transaction: a repeated delivery stops at its claim."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Column, Connection, String, Table, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY

from bot.conversations.sql import LOAD_MANY_BINDS, LOAD_MANY_SQL, load_many_in, load_many_params, loaded_from
from catalog.db.schema import UtcDateTime, insert_ignoring, metadata
from flows.conversation import Conversation
from flows.messages import ConversationKey
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


# PostgreSQL: a batch's claims and its conversations (locked) in one round trip; the claims' rows are those
# with no version (a saved conversation has one).
_CLAIM_AND_LOAD = DriverStatement(
    text(
        "WITH claimed AS (INSERT INTO inbound_claims (provider, external_id, claimed_at) "
        "SELECT n.provider, n.external_id, CAST(:now AS TIMESTAMP WITH TIME ZONE) "
        "FROM unnest(CAST(:providers AS VARCHAR(32)[]), CAST(:ids AS VARCHAR(200)[])) "
        "AS n(provider, external_id) "
        "ON CONFLICT DO NOTHING RETURNING provider, external_id), "
        f"loaded AS MATERIALIZED ({LOAD_MANY_SQL}) "
        "SELECT provider, external_id, NULL::JSONB, NULL::INTEGER FROM claimed "
        "UNION ALL SELECT channel, user_id, data, version FROM loaded"
    ).bindparams(
        bindparam("providers", type_=ARRAY(String)),
        bindparam("ids", type_=ARRAY(String)),
        bindparam("now", type_=UtcDateTime),
        *LOAD_MANY_BINDS,
    )
)


def claim_and_load(
    conn: Connection, turns: Sequence[tuple[Claim, ConversationKey]], now: datetime
) -> tuple[set[Claim], dict[ConversationKey, Conversation]]:
    """The claims seen for the first time, and the saved conversations of theirs; on PostgreSQL one
    statement, which also locks the conversations of repeated deliveries until the batch commits."""
    if conn.dialect.name != "postgresql":
        claimed = claim_many(conn, [c for c, _ in turns], now)
        return claimed, load_many_in(conn, [key for c, key in turns if c in claimed])
    params = load_many_params([key for _, key in turns]) | {
        "providers": [provider for (provider, _), _ in turns],
        "ids": [id_ for (_, id_), _ in turns],
        "now": now,
    }
    rows = _CLAIM_AND_LOAD.run(conn, params).rows
    claimed = {(str(p), str(e)) for p, e, _, version in rows if version is None}
    loaded = loaded_from(row for row in rows if row[3] is not None)
    fresh = {key for c, key in turns if c in claimed}
    return claimed, {key: c for key, c in loaded.items() if key in fresh}


def claim_many(conn: Connection, claims: Sequence[Claim], now: datetime) -> set[Claim]:
    """The ids of `claims` seen for the first time (on PostgreSQL, in one statement)."""
    if conn.dialect.name != "postgresql":
        return {(provider, id_) for provider, id_ in claims if claim(conn, provider, id_, now)}
    rows = [{"provider": p, "external_id": e, "claimed_at": now} for p, e in claims]
    return {(str(p), str(e)) for p, e in _CLAIM_MANY.run(conn, rows).rows}
