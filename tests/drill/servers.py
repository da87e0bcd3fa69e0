"""Real processes for the drill: `chatcart serve` (killed with SIGKILL and started again), and a PostgreSQL
cluster and a Redis server of the drill's own, which it may stop and restart (never the machine's shared
ones)."""

from __future__ import annotations

import asyncio
import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.drill.bot_api import free_port

CHATCART = str(Path(sys.executable).parent / "chatcart")
TOKEN = "123456:DRILL"
SECRET = "drill-secret"
API_TOKEN = "drill-api-token"
ADMIN_CHAT = "999"
PG_PORT = 55432
REDIS_PORT = 56379

STORE = """
[store]
name = "Drill Tea"
currency = "INR"
languages = ["en"]
delivery = ["shipping"]
payment = ["cod"]

[[order_fields]]
name = "delivery_address"
required = true
"""
CATALOG = "sku,name,price,stock\nSAMOSA,Samosa,60.00,1000000\n"


@dataclass
class Backend:
    """Where the servers keep their data: a SQLite file, or PostgreSQL (+ Redis)."""

    name: str
    database_url: str
    redis_url: str | None = None

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith("postgresql")


async def run(*args: str, env: Mapping[str, str] | None = None, user: str | None = None) -> str:
    """A command to its end; its output, or an error with it."""
    command = ["runuser", "-u", user, "--", *args] if user and os.geteuid() == 0 else list(args)
    process = await asyncio.create_subprocess_exec(
        *command, env=dict(env) if env else None, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    out, _ = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({process.returncode}): {out.decode()[-2000:]}")
    return out.decode()


def port_or_free(preferred: int) -> int:
    """`preferred` when nothing listens on it, else any free port (another drill may be running)."""
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", preferred))
        except OSError:
            return free_port()
    return preferred


@dataclass
class Shop:
    """`chatcart serve` processes over one database, each on its port, as behind a load balancer."""

    backend: Backend
    workdir: Path
    bot_api_url: str
    count: int = 2
    ports: list[int] = field(default_factory=list)
    processes: dict[int, asyncio.subprocess.Process] = field(default_factory=dict)
    kills: list[float] = field(default_factory=list)  # when each SIGKILL was sent (monotonic)

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CHATCART_")}
        env |= {
            "CHATCART_DATABASE_URL": self.backend.database_url,
            "CHATCART_STORE_CONFIG": str(self.workdir / "store.toml"),
            "CHATCART_API_TOKEN": API_TOKEN,
            "CHATCART_TELEGRAM_TOKEN": TOKEN,
            "CHATCART_TELEGRAM_WEBHOOK_SECRET": SECRET,
            "CHATCART_TELEGRAM_API_URL": self.bot_api_url,
            "CHATCART_TELEGRAM_ADMIN_CHAT_ID": ADMIN_CHAT,
            "CHATCART_LOG_LEVEL": "WARNING",
        }
        if self.backend.redis_url:
            env["CHATCART_REDIS_URL"] = self.backend.redis_url
        return env

    @property
    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{p}" for p in self.ports]

    async def prepare(self) -> None:
        """The store file, the schema and the catalog, as an operator would set them up."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        (self.workdir / "store.toml").write_text(STORE)
        (self.workdir / "catalog.csv").write_text(CATALOG)
        if self.backend.is_postgres:
            await run(CHATCART, "db", "upgrade", env=self.env())
        await run(CHATCART, "catalog", "import", str(self.workdir / "catalog.csv"), env=self.env())
        self.ports = [free_port() for _ in range(self.count)]

    async def start(self, port: int) -> None:
        """One `chatcart serve`, answering /healthz."""
        log = (self.workdir / f"serve-{port}.log").open("ab")
        self.processes[port] = await asyncio.create_subprocess_exec(
            CHATCART, "serve", "--host", "127.0.0.1", "--port", str(port),
            env=self.env(), stdout=log, stderr=log,
        )  # fmt: skip
        log.close()
        async with httpx.AsyncClient(timeout=1) as client:
            for _ in range(600):
                if self.processes[port].returncode is not None:
                    raise RuntimeError(f"chatcart serve exited: see {self.workdir}/serve-{port}.log")
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                        return
                await asyncio.sleep(0.05)
        raise RuntimeError(f"chatcart serve on {port} never answered")

    async def start_all(self) -> None:
        """Every server at once: the schema is in place already (the catalog import made it)."""
        await asyncio.gather(*(self.start(port) for port in self.ports))

    async def kill(self, port: int) -> None:
        """SIGKILL: no shutdown, no flush, whatever was in flight."""
        process = self.processes.pop(port)
        self.kills.append(time.monotonic())
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGKILL)
        await process.wait()

    async def stop_all(self) -> None:
        for port, process in list(self.processes.items()):
            with contextlib.suppress(ProcessLookupError):
                process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 15)
            except TimeoutError:
                process.kill()
                await process.wait()
            del self.processes[port]


class OwnPostgres:
    """A PostgreSQL cluster in a temp directory on port 55432, which the drill may restart under load."""

    def __init__(self, root: Path) -> None:
        matches = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if not matches:
            raise RuntimeError("no PostgreSQL server binaries in /usr/lib/postgresql/*/bin")
        self.bin = Path(matches[-1]).parent
        self.data = root / "pgdata"
        self.root = root
        self.user = "postgres" if os.geteuid() == 0 else None
        self.port = port_or_free(PG_PORT)

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    async def init(self) -> None:
        if self.user:
            shutil.chown(self.root, self.user)
        await run(
            str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", user=self.user
        )
        conf = self.data / "postgresql.conf"
        conf.write_text(
            conf.read_text() + f"\nport = {self.port}\nlisten_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{self.root}'\nfsync = off\nmax_connections = 200\n"
        )
        await self.start()

    async def start(self) -> None:
        log = str(self.root / "postgres.log")
        await run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", log, "-w", "start", user=self.user)

    async def stop(self, mode: str = "fast") -> None:
        await run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop", user=self.user)

    async def fresh_database(self, name: str) -> str:
        psql = [str(self.bin / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-q", "-c"]
        if not (self.bin / "psql").exists():
            psql[0] = "psql"
        await run(*psql, f"drop database if exists {name}")
        await run(*psql, f"create database {name}")
        return self.url(name)


class OwnRedis:
    """redis-server on port 56379 in a temp directory (with its append-only file), restartable."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.process: asyncio.subprocess.Process | None = None
        self.port = port_or_free(REDIS_PORT)
        self.url = f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            "redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.root),
            "--appendonly", "yes", "--save", "",
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for _ in range(200):
            with contextlib.suppress(OSError):
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.close()
                return
            await asyncio.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    async def stop(self) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGKILL)
            await self.process.wait()
            self.process = None


def _scratch() -> Path:
    """A directory the postgres user may enter (initdb runs as that user when the drill runs as root)."""
    root = Path(tempfile.mkdtemp(prefix="chatcart-drill-"))
    root.chmod(0o755)
    (root / "pg").mkdir()
    return root


@contextlib.asynccontextmanager
async def own_servers() -> AsyncIterator[tuple[OwnPostgres, OwnRedis]]:
    """The drill's own PostgreSQL and Redis, removed afterwards."""
    root = _scratch()
    postgres, redis = OwnPostgres(root / "pg"), OwnRedis(root)
    await postgres.init()
    await redis.start()
    try:
        yield postgres, redis
    finally:
        await redis.stop()
        with contextlib.suppress(RuntimeError):
            await postgres.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)
