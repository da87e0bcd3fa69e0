"""The shared SQLAlchemy metadata, portable column types and the products table."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ColumnElement,
    Connection,
    DateTime,
    Dialect,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    cast,
    literal_column,
)
from sqlalchemy.dialects import postgresql, sqlite

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

JsonColumn = JSON().with_variant(postgresql.JSONB(), "postgresql")


class UtcDateTime(TypeDecorator[datetime]):
    """Timestamps stored as UTC and always read back timezone-aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; pass an aware UTC time")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def bind_processor(self, dialect: Dialect) -> Any:
        # SQLite: the text SQLAlchemy's DATETIME would store, in one C call (its own formatting and ours
        # took ~3 µs a value, and a chat turn binds several).
        if dialect.name == "sqlite":
            return _sqlite_utc_text
        return super().bind_processor(dialect)


# The latest time written and its text: a chat turn binds its one `now` several times (claim, conversation,
# replies), so most binds are this same object. One tuple, swapped whole: safe across the reader threads.
_latest: list[tuple[datetime | None, str | None]] = [(None, None)]


def _sqlite_utc_text(value: datetime | None) -> str | None:
    """An aware time as SQLite's DATETIME text in UTC: `YYYY-MM-DD HH:MM:SS.ffffff`."""
    latest = _latest[0]
    if value is latest[0]:
        return latest[1]
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime given; pass an aware UTC time")
    utc = value if value.tzinfo is UTC else value.astimezone(UTC)
    text = utc.replace(tzinfo=None).isoformat(" ", "microseconds")
    _latest[0] = (value, text)
    return text


products = Table(
    "products",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sku", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("price", Integer, nullable=False),
    Column("stock", Integer, nullable=True),
    Column("category", String(100), nullable=False, default=""),
    Column("image_urls", JsonColumn, nullable=False, default=list),
    Column("aliases", JsonColumn, nullable=False, default=list),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)


def upsert_statement(conn: Connection | Dialect, table: Table) -> Any:
    """An INSERT that supports ON CONFLICT for the dialect (SQLite or PostgreSQL)."""
    dialect = conn.dialect if isinstance(conn, Connection) else conn
    if dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


_INSERTS_IGNORING: dict[tuple[str, str], Any] = {}


def insert_ignoring(conn: Connection | Dialect, table: Table, keys: list[str]) -> Any:
    """INSERT … ON CONFLICT (keys) DO NOTHING, built once per table and dialect (it is on the hot path)."""
    dialect = conn.dialect if isinstance(conn, Connection) else conn
    cache_key = (table.name, dialect.name)
    if cache_key not in _INSERTS_IGNORING:
        _INSERTS_IGNORING[cache_key] = upsert_statement(dialect, table).on_conflict_do_nothing(
            index_elements=keys
        )
    return _INSERTS_IGNORING[cache_key]


def row_version(table: Table) -> ColumnElement[str]:
    """PostgreSQL: the version of a row of `table` (its `xmin`), which every write of the row changes and a
    lock does not: a write guarded by the version read applies only if nobody wrote the row since."""
    return cast(literal_column(f"{table.name}.xmin"), String)
