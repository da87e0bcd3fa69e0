"""A pooled PostgreSQL connection the server dropped (a restart, a failover) is replaced, not reused."""

from __future__ import annotations

import asyncpg
from sqlalchemy import Integer, bindparam, select
from sqlalchemy.engine import make_url

from orders.db.engine import Database
from orders.db.statements import DriverStatement
from tests.conftest import POSTGRES_ONLY, POSTGRES_URL

_ECHO = DriverStatement(select(bindparam("b_value", type_=Integer)))


async def _drop_other_connections() -> None:
    """What a PostgreSQL restart does to this process's pool: every other connection to the database ends."""
    assert POSTGRES_URL is not None
    url = make_url(POSTGRES_URL).set(drivername="postgresql")
    killer = await asyncpg.connect(url.render_as_string(hide_password=False))
    try:
        await killer.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await killer.close()


@POSTGRES_ONLY
async def test_writes_on_the_drivers_cursor_go_on_after_the_server_dropped_the_pool(db: Database) -> None:
    # The per-message statements run on the driver's cursor; a dropped connection they meet must be thrown
    # away like one `Connection.execute` meets, or every later write on it fails (the drill saw 20 s of that).
    async def echo(value: int) -> object:
        return await db.write(lambda conn: _ECHO.run(conn, {"b_value": value}).scalar())

    assert await echo(1) == 1
    await _drop_other_connections()
    assert [await echo(value) for value in range(2, 8)] == list(range(2, 8))
