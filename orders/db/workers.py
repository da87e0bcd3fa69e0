"""Worker heartbeats: each process that leases outbox rows says it is alive every few seconds."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Dialect, delete

from catalog.db.schema import upsert_statement
from orders.db.statements import DriverStatement
from orders.db.tables import workers


def _upsert(dialect: Dialect) -> Any:
    insert = upsert_statement(dialect, workers)
    return insert.on_conflict_do_update(
        index_elements=["id"], set_={"heartbeat_at": insert.excluded.heartbeat_at}
    )


_BEAT = DriverStatement(_upsert, ("id", "started_at", "heartbeat_at"))


def beat(conn: Connection, worker_id: str, now: datetime) -> None:
    """This worker is alive now (a separate transaction: claims judge liveness by what is committed)."""
    _BEAT.run(conn, {"id": worker_id, "started_at": now, "heartbeat_at": now})


def forget(conn: Connection, *, worker_id: str) -> None:
    """A worker that stops cleanly: its leases are free for the others at once."""
    conn.execute(delete(workers).where(workers.c.id == worker_id))
