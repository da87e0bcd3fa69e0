"""`chatcart db current|history|backup`, run as an operator would, beside a chatcart that is serving."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import sqlite3
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from bot.cli.main import main
from bot.setup.settings import Settings
from bot.setup.startup import prepare_database
from bot.setup.wiring import build_services
from orders.commands import LineRequest, PlaceOrder
from orders.db import migrate
from tests.conftest import STORE_TOML, TEA


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "store.toml").write_text(STORE_TOML)
    monkeypatch.setenv("CHATCART_DATABASE_URL", f"sqlite:///{tmp_path / 'chatcart.db'}")
    monkeypatch.setenv("CHATCART_STORE_CONFIG", str(tmp_path / "store.toml"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def orders_in(path: Path) -> int:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        try:
            count: int = conn.execute("SELECT count(*) FROM orders").fetchone()[0]
        except sqlite3.OperationalError:  # not even the table reached the file
            return 0
    return count


async def chatcart(*argv: str) -> int:
    """The command in its own thread and event loop, as a second process would run beside the server."""
    return await asyncio.to_thread(main, list(argv))


async def test_a_backup_taken_while_serving_holds_every_committed_order(
    shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    serving = build_services(Settings())
    try:
        await prepare_database(serving)
        await serving.catalog.import_products([TEA])
        for _ in range(3):
            await serving.orders.place(PlaceOrder((LineRequest(1, "TEA"),), delivery_address="12 MG Road"))
        # What `cp chatcart.db` takes while chatcart serves: the orders are still in chatcart.db-wal.
        shutil.copy(shop / "chatcart.db", shop / "copied.db")
        assert orders_in(shop / "copied.db") < 3
        assert await chatcart("db", "backup", "backups/chatcart.db") == 1
        assert "backups: no such directory" in capsys.readouterr().err
        (shop / "backups").mkdir()
        assert await chatcart("db", "backup", "backups/chatcart.db") == 0
    finally:
        await serving.aclose()
    out = capsys.readouterr().out
    live = shop / "chatcart.db"
    assert f"Backed up {live} to backups/chatcart.db (" in out and ", 3 orders)." in out
    assert f"delete {live}-wal and {live}-shm if present, then copy backups/chatcart.db to {live}." in out
    assert orders_in(shop / "backups" / "chatcart.db") == 3
    assert sorted(p.name for p in (shop / "backups").iterdir()) == ["chatcart.db"]  # no leftovers


async def test_a_backup_never_overwrites_a_file(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert await chatcart("db", "upgrade") == 0
    (shop / "yesterday.db").write_text("keep me")
    assert await chatcart("db", "backup", "yesterday.db") == 1
    assert "yesterday.db already exists: give a new file name" in capsys.readouterr().err
    assert (shop / "yesterday.db").read_text() == "keep me"


async def test_backing_up_postgresql_explains_pg_dump_without_repeating_the_password(
    shop: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CHATCART_DATABASE_URL", "postgresql+asyncpg://shop:s3cret@db.internal:5432/shop")
    assert await chatcart("db", "backup", "shop.dump") == 1
    err = capsys.readouterr().err
    assert "pg_dump --format=custom --file=shop.dump 'postgresql://shop@db.internal:5432/shop'" in err
    assert "pg_restore" in err and "s3cret" not in err


async def test_db_current_and_history_tell_what_is_applied_and_what_is_pending(
    shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = f"sqlite:///{shop / 'chatcart.db'}"
    assert await chatcart("db", "current") == 0
    assert await chatcart("db", "history") == 0
    out = capsys.readouterr().out.splitlines()
    revisions = [
        script.revision for script in ScriptDirectory.from_config(migrate._config()).walk_revisions()
    ]
    assert revisions[0] == migrate.head_revision() and revisions[-1] == "0001"  # newest first
    assert out[0] == f"{database} has no schema yet; {len(revisions)} to apply: run `chatcart db upgrade`"
    assert [line.split()[:2] for line in out[1:]] == [[r, "pending"] for r in revisions]
    assert out[-1] == "0001  pending  initial schema"

    assert await chatcart("db", "upgrade") == 0
    capsys.readouterr()
    assert await chatcart("db", "current") == 0
    assert await chatcart("db", "history") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"{database} is at revision {revisions[0]} (") and out[0].endswith(
        ", the newest"
    )
    assert [line.split()[:2] for line in out[1:]] == [[revisions[0], "current"]] + [
        [r, "applied"] for r in revisions[1:]
    ]
