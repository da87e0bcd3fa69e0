"""The databases a read benchmark runs on: a temporary SQLite file, then PostgreSQL when one is named."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path


async def each_backend(run: Callable[[str, str], Awaitable[None]]) -> None:
    """`run(name, url)` on SQLite, then on CHATCART_BENCH_POSTGRES_URL if set (the benchmark wipes it)."""
    with tempfile.TemporaryDirectory() as tmp:
        await run("SQLite (file, WAL)", f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}")
    postgres = os.environ.get("CHATCART_BENCH_POSTGRES_URL")
    if postgres:
        await run("PostgreSQL", postgres)
    else:
        print("PostgreSQL: skipped (set CHATCART_BENCH_POSTGRES_URL; the benchmark wipes that database)")
