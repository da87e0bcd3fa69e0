"""A consistent copy of a live SQLite database through SQLite's online backup API, and how to back up
PostgreSQL (pg_dump) instead.

Copying `chatcart.db` with `cp` while chatcart serves is not a backup: in WAL mode the newest transactions
live in `chatcart.db-wal` until a checkpoint, so the copied file silently lacks them (three orders, once).
The backup API reads the database as one snapshot, WAL included, while writers carry on.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(RuntimeError):
    """The backup was not taken; the message says why and what to do instead."""


@dataclass(frozen=True, slots=True)
class BackupResult:
    """What was copied where, and how much of it."""

    source: Path
    target: Path
    size: int
    orders: int | None  # None when the copy has no orders table (a database never migrated)


def backup(url: str, target: Path) -> BackupResult:
    """Copy the SQLite database at `url` to `target` (a new file), or explain how for PostgreSQL."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        raise BackupError(postgres_instructions(url, target))
    if parsed.get_backend_name() != "sqlite":
        raise BackupError(f"cannot back up a {parsed.get_backend_name()} database")
    if not parsed.database or parsed.database == ":memory:":
        raise BackupError("the database is in memory: there is nothing on disk to back up")
    source = Path(parsed.database)
    if not source.is_file():
        raise BackupError(f"{source}: no such database file")
    if not target.parent.is_dir():
        raise BackupError(f"{target.parent}: no such directory")
    if target.exists():
        raise BackupError(f"{target} already exists: give a new file name")
    return _copy(source, target)


def postgres_instructions(url: str, target: Path) -> str:
    """The pg_dump command for this database (its password is not repeated: use PGPASSWORD or ~/.pgpass)."""
    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=True)
    plain = plain.replace(":***@", "@")
    return (
        "`chatcart db backup` copies SQLite databases; back up PostgreSQL with its own tool, which takes a "
        f"consistent snapshot while chatcart runs:\n  pg_dump --format=custom --file={target} '{plain}'\n"
        f"and restore into an empty database with:\n  pg_restore --dbname='{plain}' {target}"
    )


def _copy(source: Path, target: Path) -> BackupResult:
    # Written beside the target under a temporary name and renamed at the end: an interrupted backup never
    # leaves a half-written file under the name a restore would pick up.
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    os.close(handle)
    try:
        # closing(): sqlite3's own context manager ends a transaction but leaves the connection open.
        with closing(sqlite3.connect(source)) as live, closing(sqlite3.connect(temporary)) as copy:
            live.backup(copy)  # one step: one read snapshot, and in WAL mode writers are not blocked
            # A self-contained file: opening the copy later makes no -wal beside it (chatcart turns WAL
            # back on when it serves a restored database).
            copy.execute("PRAGMA journal_mode=DELETE")
            problem = copy.execute("PRAGMA quick_check").fetchone()[0]
            if problem != "ok":
                raise BackupError(f"the copy failed its check: {problem}")
            orders = _count_orders(copy)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return BackupResult(source, target, target.stat().st_size, orders)


def _count_orders(conn: sqlite3.Connection) -> int | None:
    try:
        count: int = conn.execute("SELECT count(*) FROM orders").fetchone()[0]
    except sqlite3.OperationalError:  # no such table
        return None
    return count
