"""`pip install .` as a newcomer does it: the wheel carries every file the code reads, and the `chatcart` it
installs in a fresh virtualenv serves the demo store. Offline: the wheel is built with the setuptools of the
project's venv, and the new venv borrows the project venv's dependencies instead of downloading them."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "flows", "channels", "catalog", "orders", "templates")  # [tool.setuptools.packages.find]
READY = "/healthz"  # the probe `chatcart serve` answers once it can take traffic
STARTUP = 60.0  # a guard, not a wait: the server says when it listens
_LISTENING = re.compile(r"Uvicorn running on (http://\S+)")


def _run(*command: str | Path, cwd: Path | None = None) -> str:
    done = subprocess.run([str(c) for c in command], cwd=cwd, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"{command}: {done.stdout}{done.stderr}"
    return done.stdout


def _source_files() -> list[Path]:
    """Every file of the packages, as a fresh checkout has them (no bytecode)."""
    return sorted(
        path.relative_to(ROOT)
        for package in PACKAGES
        for path in (ROOT / package).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`pip wheel .` of a copy of the source (a build in place would leave build/ in the work tree)."""
    source = tmp_path_factory.mktemp("source")
    for relative in [*_source_files(), Path("pyproject.toml"), Path("README.md"), Path("LICENSE")]:
        (source / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / relative, source / relative)
    dist = tmp_path_factory.mktemp("dist")
    pip = (sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--no-index")
    _run(*pip, "--wheel-dir", dist, source)
    (built,) = dist.glob("chatcart-*.whl")
    return built


def test_the_wheel_carries_every_data_file_and_the_license(wheel: Path) -> None:
    inside = set(zipfile.ZipFile(wheel).namelist())
    data = [path.as_posix() for path in _source_files() if path.suffix != ".py"]
    assert {"templates/phrases/en.toml", "catalog/demo_catalog.csv", "templates/html/chat.html"} <= set(data)
    assert [name for name in data if name not in inside] == []
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in inside)


def _fresh_venv(wheel: Path, where: Path) -> Path:
    """A new venv with only the wheel installed; a .pth file lends it the project venv's dependencies
    (their site-packages' own .pth files, among them the editable install of this source, are not run)."""
    _run(sys.executable, "-m", "venv", "--without-pip", where)
    python = where / "bin" / "python"
    _run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        python,
        "install",
        "--quiet",
        "--no-deps",
        "--no-index",
        wheel,
    )
    site = Path(_run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip())
    lent = dict.fromkeys(sysconfig.get_paths()[key] for key in ("purelib", "platlib"))
    (site / "zz_project_dependencies.pth").write_text("\n".join(lent) + "\n")
    return where / "bin"


@contextlib.asynccontextmanager
async def serving(chatcart: Path, shop: Path, env: dict[str, str]) -> AsyncIterator[str]:
    """`chatcart serve --demo-catalog` on a free port; yields its URL once it says it listens."""
    command = (chatcart, "serve", "--port", "0", "--demo-catalog")
    quiet, pipe = asyncio.subprocess.DEVNULL, asyncio.subprocess.PIPE
    server = await asyncio.create_subprocess_exec(*command, cwd=shop, env=env, stdout=quiet, stderr=pipe)
    assert server.stderr is not None
    said: list[str] = []
    drain: asyncio.Future[bytes] | None = None
    try:
        listening = None
        while listening is None:
            line = await asyncio.wait_for(server.stderr.readline(), STARTUP)
            assert line, "chatcart serve stopped:\n" + "".join(said)
            said.append(line.decode())
            listening = _LISTENING.search(said[-1])
        drain = asyncio.ensure_future(server.stderr.read())  # later log lines must never fill the pipe
        yield listening.group(1)
    finally:
        if server.returncode is None:
            server.terminate()
        await server.wait()
        if drain is not None:
            await drain


async def test_chatcart_from_a_fresh_venv_serves_the_demo_store(wheel: Path, tmp_path: Path) -> None:
    bin_dir = _fresh_venv(wheel, tmp_path / "venv")
    imports = "import bot, templates; print(bot.__file__, templates.__file__)"
    where = _run(bin_dir / "python", "-c", imports, cwd=tmp_path)  # cwd: not the source tree
    assert all(path.startswith(str(tmp_path / "venv")) for path in where.split()), where
    assert _run(bin_dir / "chatcart", "--version").startswith("chatcart 0.1.0")

    shop = tmp_path / "shop"
    shop.mkdir()
    shutil.copy2(ROOT / "chatcart.toml", shop / "chatcart.toml")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHATCART_", "PYTHON"))}
    env |= {"CHATCART_API_TOKEN": "install-test", "CHATCART_WEB_CHAT": "on"}
    async with serving(bin_dir / "chatcart", shop, env) as url, httpx.AsyncClient(base_url=url) as client:
        assert (await client.get(READY)).status_code == 200
        page = await client.get("/chat")
        assert "<title>Chai Corner · test chat</title>" in page.text
        body = {"session": "install-test", "id": "message-0001", "text": "2 masala chai"}
        replies = (await client.post("/chat/api/messages", json=body)).json()["messages"]
        assert replies[0]["text"] == "Sugar for Masala chai?"
    assert (shop / "chatcart.db").is_file()
