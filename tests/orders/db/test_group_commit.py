"""Group commit on SQLite: writes that wait together share a commit, yet each succeeds or fails alone."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Connection

from orders.db import migrate
from orders.db.engine import Database
from orders.db.tables import counters
from tests.helpers import count_rows


async def test_one_failing_write_in_a_shared_commit_is_rolled_back_alone(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'g.db'}")
    await migrate.upgrade(db)

    def insert(name: str, fail: bool) -> Callable[[Connection], str]:
        def work(conn: Connection) -> str:
            conn.execute(counters.insert().values(name=name, value=1))
            if fail:
                raise ValueError(f"{name} refused")
            return name

        return work

    works = [insert(f"c{i}", fail=i == 7) for i in range(30)]
    results: list[str | BaseException] = await asyncio.gather(
        *(db.write(w) for w in works), return_exceptions=True
    )
    assert [str(r) for r in results if isinstance(r, BaseException)] == ["c7 refused"]
    assert [r for r in results if isinstance(r, str)] == [f"c{i}" for i in range(30) if i != 7]
    assert await count_rows(db, counters) == 1 + 29  # the seeded order counter and every other write
    with pytest.raises(ValueError, match="alone refused"):
        await db.write(insert("alone", fail=True))
    assert await count_rows(db, counters, name="alone") == 0
    await db.dispose()


async def test_a_write_waits_off_the_loop_while_another_process_holds_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "g.db"
    db = Database(f"sqlite:///{path}")
    await migrate.upgrade(db)
    other = sqlite3.connect(path, isolation_level=None)  # as another process would
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO counters (name, value) VALUES ('other', 1)")

    write = asyncio.create_task(
        db.write(lambda conn: conn.execute(counters.insert().values(name="ours", value=1)))
    )
    ticks = 0
    for _ in range(20):  # the event loop keeps running while our write waits for the lock
        await asyncio.sleep(0.01)
        ticks += 1
    assert ticks == 20 and not write.done()
    other.execute("COMMIT")
    await write
    assert await count_rows(db, counters, name="ours") == 1
    assert await count_rows(db, counters, name="other") == 1
    other.close()
    await db.dispose()
