"""Core statements compiled once per dialect and run on the driver's cursor: the per-message statements.

A chat turn runs four small statements (claim, load, save, outbox). Through `Connection.execute` each costs
25 to 60 µs of SQLAlchemy bookkeeping (execution context, parameter construction, result wrapping) around
3 to 10 µs of SQLite work, most of a turn (`make bench`). Here a statement is compiled once for the dialect,
and its parameters go through the same bind processors SQLAlchemy would apply (so values are stored
exactly as `Connection.execute` stores them), then straight to the DB-API cursor. The cursor is the
pooled connection's own, so this runs inside the caller's transaction on any dialect.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from sqlalchemy import Connection, Dialect
from sqlalchemy.sql.expression import ReturnsRows, TextClause, UpdateBase

Processor = Callable[[Any], Any] | None
Statement = ReturnsRows | UpdateBase | TextClause


@dataclass(frozen=True, slots=True)
class _Compiled:
    """A statement compiled for one dialect, with its bind and result processors."""

    sql: str
    names: tuple[str, ...]  # bind names in the order of the driver's positional placeholders
    literals: dict[str, Any]  # values the statement carries itself (`version + 1`)
    binds: tuple[Processor, ...]
    results: tuple[Processor, ...]  # per selected or returned column
    keys: tuple[str, ...]  # the selected or returned columns' names


def _compile(statement: Statement, columns: Sequence[str], dialect: Dialect) -> _Compiled:
    compiled = statement.compile(dialect=dialect, column_keys=list(columns) or None)
    if not dialect.positional or compiled.positiontup is None:
        raise ValueError(f"{dialect.name}: DriverStatement needs a positional paramstyle")
    names = tuple(compiled.positiontup)
    if any(compiled.binds[name].expanding for name in names):
        raise ValueError("DriverStatement cannot expand IN lists; use Connection.execute")
    binds = tuple(compiled.binds[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names)
    literals = {n: compiled.binds[n].value for n in names if not compiled.binds[n].required}
    returned = list(statement.exported_columns) if isinstance(statement, ReturnsRows) else []
    results = tuple(c.type.dialect_impl(dialect).result_processor(dialect, None) for c in returned)
    return _Compiled(compiled.string, names, literals, binds, results, tuple(c.key for c in returned))


class DriverStatement:
    """A statement with named bind parameters, run by `run(conn, params)` inside conn's transaction.

    An INSERT names the `columns` it is given values for (the others take their defaults). `statement` may
    be a function of the dialect, for statements that differ by dialect (INSERT … ON CONFLICT).
    """

    def __init__(
        self, statement: Statement | Callable[[Dialect], Statement], columns: Sequence[str] = ()
    ) -> None:
        self._statement = statement
        self._columns = tuple(columns)
        self._by_dialect: dict[str, _Compiled] = {}

    def _for(self, dialect: Dialect) -> Statement:
        return self._statement(dialect) if callable(self._statement) else self._statement

    def run(self, conn: Connection, params: Mapping[str, Any]) -> DriverResult:
        dialect = conn.dialect
        compiled = self._by_dialect.get(dialect.name)
        if compiled is None:
            compiled = self._by_dialect[dialect.name] = _compile(self._for(dialect), self._columns, dialect)
        if compiled.literals:
            params = compiled.literals | dict(params)
        values = [
            params[name] if process is None else process(params[name])
            for name, process in zip(compiled.names, compiled.binds, strict=True)
        ]
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(compiled.sql, values)
            rows = cursor.fetchall() if cursor.description else []
            rowcount = cursor.rowcount
        except conn.dialect.loaded_dbapi.Error as exc:
            driver_failed(conn, exc, compiled.sql, values, cursor)
        finally:
            cursor.close()
        results = compiled.results
        if any(results):
            rows = [
                tuple(v if p is None else p(v) for v, p in zip(row, results, strict=True)) for row in rows
            ]
        return DriverResult(rowcount, rows, compiled.keys)


def driver_failed(conn: Connection, exc: Exception, sql: str, values: Any, cursor: Any) -> NoReturn:
    """Raise what `Connection.execute` would have raised for a driver error, and do what it does: a
    connection the server dropped (a restart, a failover) is invalidated, and the pool's other connections
    of that age with it, instead of going back to the pool to fail every later transaction."""
    conn._handle_dbapi_exception(exc, sql, values, cursor, None)


@dataclass(frozen=True, slots=True)
class DriverResult:
    """The rows and row count of a statement run on the driver."""

    rowcount: int
    rows: Sequence[Sequence[Any]]
    keys: tuple[str, ...] = ()

    def mappings(self) -> list[dict[str, Any]]:
        """Each row by column name."""
        return [dict(zip(self.keys, row, strict=True)) for row in self.rows]

    def first(self) -> Sequence[Any] | None:
        return self.rows[0] if self.rows else None

    def scalar(self) -> Any:
        return self.rows[0][0] if self.rows else None
