"""The statements of the hot path that run on the driver: `DriverStatement` (in catalog.db.driver, so that
product reads use it too), savepoints, and many rows in one PostgreSQL INSERT."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table, bindparam, func, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.selectable import TableValuedAlias

from catalog.db.driver import DriverResult, DriverStatement, driver_failed

__all__ = ["DriverResult", "DriverSavepoint", "DriverStatement", "ManyRows", "insert_rows"]


def insert_rows(
    conn: Connection,
    rows: list[dict[str, Any]],
    one: DriverStatement,
    many: Callable[[Connection, list[dict[str, Any]]], object],
) -> None:
    """Rows in one round trip on PostgreSQL (`many`), one driver statement each elsewhere (on SQLite each
    costs less than SQLAlchemy's executemany, and there is no round trip to save)."""
    if len(rows) > 1 and conn.dialect.name == "postgresql":
        many(conn, rows)
    else:
        for row in rows:
            one.run(conn, row)


class DriverSavepoint:
    """A savepoint said on the driver's cursor: `Connection.begin_nested` spends ~50 µs of bookkeeping on
    its two statements, and an order placed in a chat turn takes one."""

    def __init__(self, conn: Connection, name: str) -> None:
        self._conn = conn
        self._cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        self._name = name
        self._say(f"SAVEPOINT {name}")

    def rollback(self) -> None:
        """Undo what was done since the savepoint, and end it."""
        self._end(f"ROLLBACK TO SAVEPOINT {self._name}")

    def release(self) -> None:
        """Keep what was done since the savepoint (on PostgreSQL it ends with the transaction)."""
        if self._conn.dialect.name == "postgresql":
            # RELEASE would be one more round trip per order. Left open, the savepoints of a batch's orders
            # nest (at most one per turn, 64); a rollback to this name returns to the newest one, the
            # order being refused, so no other order's outcome changes.
            self._cursor.close()
            return
        self._end(None)

    def _end(self, first: str | None) -> None:
        try:
            if first is not None:
                self._say(first)
            self._say(f"RELEASE SAVEPOINT {self._name}")
        finally:
            self._cursor.close()

    def _say(self, sql: str) -> None:
        try:
            self._cursor.execute(sql)
        except self._conn.dialect.loaded_dbapi.Error as exc:
            driver_failed(self._conn, exc, sql, (), self._cursor)


class ManyRows:
    """An INSERT of many rows in one PostgreSQL statement (one round trip): each column's values go as one
    array, unnested back into rows. `conflict` is the statement's ON CONFLICT clause, if any."""

    def __init__(
        self, table: Table, columns: Sequence[str], *, conflict: str = "", returning: Sequence[str] = ()
    ) -> None:
        dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
        params = []
        for name in columns:
            array_type = ARRAY(table.c[name].type)
            cast = array_type.dialect_impl(dialect).compile(dialect=dialect)
            params.append((bindparam(name, type_=array_type), f"CAST(:{name} AS {cast})"))
        sql = (
            f"INSERT INTO {table.name} ({', '.join(columns)}) "
            f"SELECT * FROM unnest({', '.join(cast for _, cast in params)}) {conflict}"
        )
        statement: Any = text(sql).bindparams(*(param for param, _ in params))
        if returning:
            statement = text(f"{sql} RETURNING {', '.join(returning)}").bindparams(
                *(param for param, _ in params)
            )
            statement = statement.columns(*(table.c[name] for name in returning))
        self._columns = tuple(columns)
        self._statement = DriverStatement(statement)

    def run(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> DriverResult:
        """Insert `rows` (each with a value for every column); PostgreSQL only."""
        arrays = {name: [row[name] for row in rows] for name in self._columns}
        return self._statement.run(conn, arrays)


def unnested(table: Table, columns: Sequence[str], prefix: str) -> TableValuedAlias:
    """PostgreSQL: rows given as one array per column (parameters `{prefix}{column}`), unnested back into
    rows, for an INSERT … SELECT inside a larger statement (ManyRows is that as a statement of its own)."""
    arrays = (bindparam(f"{prefix}{name}", type_=ARRAY(table.c[name].type)) for name in columns)
    return func.unnest(*arrays).table_valued(*columns).render_derived()
