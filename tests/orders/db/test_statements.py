"""Driver statements on SQLite and PostgreSQL store and return exactly what `Connection.execute` does."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Connection, bindparam, select, update

from catalog.db.schema import insert_ignoring
from orders.db.engine import Database
from orders.db.statements import DriverStatement
from orders.db.tables import outbox
from tests.conftest import Clock

COLUMNS = (
    "kind",
    "recipient",
    "payload",
    "dedupe_key",
    "status",
    "attempts",
    "due_at",
    "last_error",
    "created_at",
)
INSERT = DriverStatement(
    lambda dialect: insert_ignoring(dialect, outbox, ["dedupe_key"]).returning(outbox.c.id), COLUMNS
)
BY_KEY = DriverStatement(
    select(outbox.c.payload, outbox.c.due_at, outbox.c.attempts).where(outbox.c.dedupe_key == bindparam("k"))
)
BUMP = DriverStatement(
    update(outbox).where(outbox.c.dedupe_key == bindparam("k")).values(attempts=outbox.c.attempts + 5)
)
PAYLOAD = {"text": "Намасте ₹120.00", "choices": [{"id": "1:q:2", "label": "2"}], "n": 3}


def values(key: str, clock: Clock) -> dict[str, Any]:
    return {
        "kind": "customer_message",
        "recipient": "telegram:1",
        "payload": PAYLOAD,
        "dedupe_key": key,
        "status": "pending",
        "attempts": 0,
        "due_at": clock(),
        "last_error": "",
        "created_at": clock(),
    }


async def test_a_row_written_by_the_driver_reads_back_like_one_written_by_core(
    db: Database, clock: Clock
) -> None:
    def write_both(conn: Connection) -> tuple[Any, ...]:
        driver_id = INSERT.run(conn, values("driver", clock)).scalar()
        core_id = conn.execute(outbox.insert().returning(outbox.c.id), values("core", clock)).scalar()
        wanted = (outbox.c.payload, outbox.c.due_at, outbox.c.attempts, outbox.c.lease_until)
        read = select(*wanted).where(outbox.c.id.in_([driver_id, core_id])).order_by(outbox.c.id)
        return tuple(conn.execute(read).all())

    driver_row, core_row = await db.write(write_both)
    assert driver_row == core_row
    assert driver_row[0] == PAYLOAD and driver_row[1] == clock()


async def test_selected_columns_come_back_as_python_values(db: Database, clock: Clock) -> None:
    def write_and_read(conn: Connection) -> Any:
        INSERT.run(conn, values("x", clock))
        return BY_KEY.run(conn, {"k": "x"}).first()

    assert tuple(await db.write(write_and_read)) == (PAYLOAD, clock(), 0)


async def test_a_repeated_key_inserts_nothing_and_returns_no_id(db: Database, clock: Clock) -> None:
    def twice(conn: Connection) -> tuple[Any, Any]:
        first = INSERT.run(conn, values("same", clock))
        return first.scalar(), INSERT.run(conn, values("same", clock)).scalar()

    first_id, second_id = await db.write(twice)
    assert first_id is not None and second_id is None


async def test_literals_in_the_statement_and_rowcount(db: Database, clock: Clock) -> None:
    def bump(conn: Connection) -> tuple[int, int, Any]:
        INSERT.run(conn, values("b", clock))
        hit, miss = BUMP.run(conn, {"k": "b"}).rowcount, BUMP.run(conn, {"k": "nope"}).rowcount
        return hit, miss, BY_KEY.run(conn, {"k": "b"}).first()

    hit, miss, row = await db.write(bump)
    assert (hit, miss) == (1, 0) and row is not None and row[2] == 5


async def test_a_failed_statement_rolls_back_with_its_transaction(db: Database, clock: Clock) -> None:
    def half(conn: Connection) -> None:
        INSERT.run(conn, values("kept?", clock))
        raise RuntimeError("later step failed")

    with pytest.raises(RuntimeError):
        await db.write(half)
    assert await db.read(lambda conn: BY_KEY.run(conn, {"k": "kept?"}).first()) is None


async def test_expanding_in_lists_are_refused(db: Database) -> None:
    statement = DriverStatement(select(outbox.c.id).where(outbox.c.id.in_(bindparam("ids", expanding=True))))
    with pytest.raises(ValueError, match="IN lists"):
        await db.read(lambda conn: statement.run(conn, {"ids": [1]}))
