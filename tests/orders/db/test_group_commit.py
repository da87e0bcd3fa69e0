"""Group commit on SQLite: writes that wait together share a commit, yet each succeeds or fails alone."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Connection, event

from orders.db import migrate
from orders.db.engine import BUSY_TIMEOUT_MS, Database
from orders.db.group_commit import GroupCommit
from orders.db.tables import counters
from tests.helpers import count_rows


def _insert(name: str) -> Callable[[Connection], object]:
    """A write of one counter row named `name`."""
    return lambda conn: conn.execute(counters.insert().values(name=name, value=1))


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


async def _locked_by_another(tmp_path: Path) -> tuple[Database, sqlite3.Connection]:
    """A database whose write lock another connection holds, as another process would."""
    path = tmp_path / "g.db"
    db = Database(f"sqlite:///{path}")
    await migrate.upgrade(db)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    return db, other


async def test_a_write_waits_off_the_loop_while_another_process_holds_the_lock(tmp_path: Path) -> None:
    db, other = await _locked_by_another(tmp_path)
    other.execute("INSERT INTO counters (name, value) VALUES ('other', 1)")

    write = asyncio.create_task(db.write(_insert("ours")))
    ticks = 0
    for _ in range(20):  # the event loop keeps running while our write waits for the lock
        await asyncio.sleep(0.01)
        ticks += 1
    assert ticks == 20 and not write.done()
    other.execute("COMMIT")
    await write
    assert await count_rows(db, counters, name="ours") == 1
    assert await count_rows(db, counters, name="other") == 1
    checkouts: list[object] = []
    event.listen(db.engine, "checkout", lambda dbapi_conn, *_: checkouts.append(dbapi_conn))
    await db.write(_insert("next"))
    assert checkouts == []  # refused the lock, the loop's connection was kept for the next batch
    other.close()
    await db.dispose()


async def test_writes_on_the_loop_keep_one_connection_and_drop_it_when_a_write_fails(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'g.db'}")
    await migrate.upgrade(db)

    await db.write(_insert("first"))
    checkouts: list[object] = []
    opened: list[object] = []
    event.listen(db.engine, "checkout", lambda dbapi_conn, *_: checkouts.append(dbapi_conn))
    event.listen(db.engine, "connect", lambda dbapi_conn, _: opened.append(dbapi_conn))

    for i in range(5):  # one at a time: each is a batch, a transaction and a commit of its own
        await db.write(_insert(f"c{i}"))
    assert checkouts == []

    def refused(conn: Connection) -> None:
        conn.execute(counters.insert().values(name="refused", value=1))
        raise ValueError("refused")

    with pytest.raises(ValueError, match="refused"):
        await db.write(refused)
    await db.write(_insert("after"))
    assert len(checkouts) == 1 and opened == checkouts  # the failed batch's connection was closed, not pooled
    assert await count_rows(db, counters, name="refused") == 0
    assert await count_rows(db, counters, name="after") == 1
    await db.dispose()


async def test_the_pool_keeps_waiting_for_the_lock_after_the_loop_was_refused_it(tmp_path: Path) -> None:
    db, other = await _locked_by_another(tmp_path)
    write = asyncio.create_task(db.write(_insert("ours")))
    await asyncio.sleep(0.05)
    other.execute("COMMIT")
    await write
    # The loop's connection does not wait for the lock; none the pool hands out may have kept that.
    pooled = [db.engine.connect() for _ in range(4)]
    timeouts = [c.connection.dbapi_connection.execute("PRAGMA busy_timeout").fetchone() for c in pooled]  # type: ignore[union-attr]
    assert timeouts == [(BUSY_TIMEOUT_MS,)] * 4
    for conn in pooled:
        conn.close()
    other.close()
    await db.dispose()


async def test_writes_arriving_together_share_the_next_commit_and_a_lone_writer_goes_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(GroupCommit, "GATHER", 0.5)  # wide, so that the loop's own pace cannot matter
    db = Database(f"sqlite:///{tmp_path / 'g.db'}")
    await migrate.upgrade(db)
    commits: list[object] = []
    event.listen(db.engine, "commit", commits.append)

    async def settled(task: asyncio.Task[object]) -> bool:
        for _ in range(10):  # enough turns of the loop for a batch run at once to be committed and heard
            await asyncio.sleep(0)
        return task.done()

    assert await settled(asyncio.create_task(db.write(_insert("lone"))))  # alone: not held back
    await asyncio.gather(db.write(_insert("a")), db.write(_insert("b")))  # together: one batch of two
    third = asyncio.create_task(db.write(_insert("c")))
    assert not await settled(third)  # writes are arriving together: it waits for company
    fourth = asyncio.create_task(db.write(_insert("d")))
    before = len(commits)
    await asyncio.gather(third, fourth)
    assert len(commits) == before + 1
    assert await count_rows(db, counters) == 1 + 5
    await db.dispose()


async def test_closing_the_database_runs_a_batch_still_gathering(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(GroupCommit, "GATHER", 60.0)
    path = tmp_path / "g.db"
    db = Database(f"sqlite:///{path}")
    await migrate.upgrade(db)

    await asyncio.gather(db.write(_insert("a")), db.write(_insert("b")))
    late = asyncio.create_task(db.write(_insert("late")))  # would wait a minute for company
    await asyncio.sleep(0)
    await db.dispose()
    assert late.done() and late.exception() is None
    reopened = Database(f"sqlite:///{path}")
    assert await count_rows(reopened, counters, name="late") == 1
    await reopened.dispose()
