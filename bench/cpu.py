"""CPU time a benchmark spends, its own and its PostgreSQL server processes': on a shared machine wall-clock
medians move with the neighbours' load, CPU per operation much less."""

from __future__ import annotations

import os
import time
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")


def _stat_seconds(pid: str) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime


def _backends(database: str) -> list[str]:
    """The server processes of `database` here (a backend's title: `postgres: [CLUSTER:] USER DB ...`)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        words = [w for w in title.split() if not w.endswith(":")]  # "postgres:", a cluster's "15/main:"
        if title.startswith("postgres:") and len(words) >= 2 and words[1] == database:
            found.append(entry.name)
    return found


class CpuMeter:
    """Seconds of CPU this process and, for a local PostgreSQL database, its backends used so far (a
    parallel query's workers exit before they can be read: their share is missing)."""

    def __init__(self, database: str | None) -> None:
        self.database = database

    def now(self) -> float:
        total = time.process_time()
        for pid in _backends(self.database) if self.database else []:
            try:
                total += _stat_seconds(pid)
            except OSError:
                continue
        return total
