"""CPU time of processes from /proc: the servers, this process, and PostgreSQL's backends for one database.

On a shared machine wall-clock medians move with the neighbours' load; CPU per operation much less."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int | str) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name; None once the process is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU the processes used so far."""
    fields = (_stat(pid) for pid in pids)
    return sum(int(f[11]) + int(f[12]) for f in fields if f) / _TICKS  # utime, stime


def children(parent: int) -> list[int]:
    """The processes whose parent is `parent`."""
    return [
        int(entry.name)
        for entry in Path("/proc").iterdir()
        if entry.name.isdigit() and (fields := _stat(entry.name)) and int(fields[1]) == parent
    ]


def backends(database: str) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL backend connected to `database` (from its process title,
    `postgres: <cluster>: <user> <database> <client> <state>`), so other databases' load is left out."""
    found: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if title.startswith(b"postgres: ") and f" {database} ".encode() in title:
            found[int(entry.name)] = cpu_seconds([int(entry.name)])
    return found


@dataclass
class Meter:
    """CPU used by the servers, this process (the client) and PostgreSQL between `start` and `stop`."""

    servers: list[int]
    database: str
    elapsed: float = 0.0
    server_cpu: float = 0.0
    client_cpu: float = 0.0
    postgres_cpu: float = 0.0

    def start(self) -> None:
        self._at = (time.perf_counter(), cpu_seconds(self.servers), time.process_time())
        self._postgres = backends(self.database)

    def stop(self) -> None:
        wall, servers, own = self._at
        self.elapsed = time.perf_counter() - wall
        self.server_cpu = cpu_seconds(self.servers) - servers
        self.client_cpu = time.process_time() - own
        now = backends(self.database)  # a backend that started meanwhile counts from zero
        self.postgres_cpu = sum(cpu - self._postgres.get(pid, 0.0) for pid, cpu in now.items())


class CpuMeter:
    """Seconds of CPU this process and, for a local PostgreSQL database, its backends used so far (a
    parallel query's workers exit before they can be read: their share is missing)."""

    def __init__(self, database: str | None) -> None:
        self.database = database

    def now(self) -> float:
        return time.process_time() + sum(backends(self.database).values() if self.database else [])
