"""Logging as an operator sees it: one line per order event, no library chatter, JSON on request, and an
access log without the web chat's polls and the probes."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from bot.cli.main import main
from bot.setup.logging import ACCESS_LOGGER, QUIET_LIBRARIES, JsonFormatter, configure_logging
from bot.setup.startup import prepare_database
from bot.setup.wiring import build_services
from bot.web.app import create_app
from tests.conftest import STORE_TOML
from tests.shop import shop_settings

CATALOG = "sku,name,price,stock,category,description,image_url,aliases\nTEA,Masala chai,120,10,,,,chai\n"
# Two masala chai, Checkout, Delivery, the address, Confirm, then "Confirm order" on the COD question.
ORDER_LINES = "2 chai\n2\n1\n12 MG Road\n1\n1\n"


@pytest.fixture(autouse=True)
def logging_restored() -> Iterator[None]:
    """Each test configures logging its own way; the process's logging is as it was afterwards."""
    root = logging.getLogger()
    access = logging.getLogger(ACCESS_LOGGER)
    handlers, filters, access_handlers, propagate = (
        root.handlers[:],
        access.filters[:],
        access.handlers[:],
        access.propagate,
    )
    levels = {name: logging.getLogger(name).level for name in ("", *QUIET_LIBRARIES, ACCESS_LOGGER)}
    yield
    root.handlers[:], access.filters[:], access.handlers[:] = handlers, filters, access_handlers
    access.propagate = propagate
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Path:
    """A store with masala chai in it, for `chatcart chat`."""
    (tmp_path / "store.toml").write_text(STORE_TOML)
    (tmp_path / "catalog.csv").write_text(CATALOG)
    monkeypatch.setenv("CHATCART_DATABASE_URL", f"sqlite:///{tmp_path / 'shop.db'}")
    monkeypatch.setenv("CHATCART_STORE_CONFIG", str(tmp_path / "store.toml"))
    monkeypatch.chdir(tmp_path)
    assert main(["catalog", "import", "catalog.csv"]) == 0
    capsys.readouterr()
    return tmp_path


def chat_an_order(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> list[str]:
    """Order in `chatcart chat` as a person would type it; the log lines it wrote to stderr."""
    monkeypatch.setattr("sys.stdin", io.StringIO(ORDER_LINES))
    assert main(["chat"]) == 0
    captured = capsys.readouterr()
    assert "Order #1001 is placed." in captured.out
    return captured.err.splitlines()


def test_a_console_order_logs_one_line_when_placed_and_one_when_confirmed_and_no_library_chatter(
    shop: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = chat_an_order(monkeypatch, capsys)
    assert [line.split(" INFO ", 1)[1] for line in lines] == [
        "orders.services: order #1001 placed: channel console, total ₹280.00",
        "orders.services: order #1001 pending -> confirmed by customer: channel console, total ₹280.00",
    ]


def test_json_logs_are_one_object_per_line_with_the_order_facts_as_fields(
    shop: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CHATCART_LOG_FORMAT", "JSON")
    placed, confirmed = [json.loads(line) for line in chat_an_order(monkeypatch, capsys)]
    facts = {"order": 1001, "channel": "console", "total": 28000, "currency": "INR"}
    assert placed.items() >= ({"level": "INFO", "logger": "orders.services"} | facts).items()
    assert placed["message"] == "order #1001 placed: channel console, total ₹280.00"
    moved = {"status": "confirmed", "previous_status": "pending", "actor": "customer"}
    assert confirmed.items() >= (facts | moved).items()
    assert placed["time"].endswith("+00:00")


def test_a_json_traceback_stays_inside_its_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", "json")
    try:
        raise ValueError("bad\nthing")
    except ValueError:
        logging.getLogger("chatcart").exception("sending failed")
    (line,) = capsys.readouterr().err.splitlines()
    entry = json.loads(line)
    assert entry["message"] == "sending failed" and "ValueError: bad\nthing" in entry["exc_info"]


def test_log_level_warning_leaves_out_the_order_lines_and_debug_lets_libraries_speak(
    shop: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CHATCART_LOG_LEVEL", "warning")
    assert chat_an_order(monkeypatch, capsys) == []
    monkeypatch.setenv("CHATCART_LOG_LEVEL", "debug")
    monkeypatch.setattr("sys.stdin", io.StringIO("2 chai\n"))
    assert main(["chat"]) == 0
    assert " DEBUG asyncio: Using selector" in capsys.readouterr().err


def test_an_unknown_log_level_or_format_is_refused_with_the_variable_named(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CHATCART_LOG_LEVEL", "loud")
    assert main(["orders", "list"]) == 1
    assert "chatcart: error: CHATCART_LOG_LEVEL: Input should be 'DEBUG', 'INFO'" in capsys.readouterr().err
    monkeypatch.delenv("CHATCART_LOG_LEVEL")
    monkeypatch.setenv("CHATCART_LOG_FORMAT", "xml")
    assert main(["orders", "list"]) == 1
    assert "CHATCART_LOG_FORMAT: Input should be 'text' or 'json'" in capsys.readouterr().err


@contextlib.asynccontextmanager
async def serve_with_access_log(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """The app under uvicorn as `chatcart serve` runs it, its access log going to our logging."""
    services = build_services(shop_settings(tmp_path))
    await prepare_database(services)
    config = uvicorn.Config(create_app(services), port=0, log_config=None, log_level="info")
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 (uvicorn exposes only this flag)
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            yield client
    finally:
        server.should_exit = True
        await serving


async def test_the_access_log_leaves_out_chat_polls_and_probes_but_keeps_everything_else(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    access = logging.getLogger(ACCESS_LOGGER)
    access.handlers.clear()  # another test's uvicorn may have given it handlers of its own
    access.propagate = True
    configure_logging("INFO", "text")
    caplog.set_level(logging.INFO, ACCESS_LOGGER)
    caplog.set_level(logging.INFO, "uvicorn.error")
    async with serve_with_access_log(tmp_path) as client:
        for path in ("/chat/api/messages?session=abcdefgh12", "/healthz", "/readyz", "/metrics"):
            assert (await client.get(path)).status_code == 200
        assert (await client.get("/api/v1/orders")).status_code == 401
        assert (await client.get("/chat/api/messages?session=x")).status_code == 422
    logged = [r.args[2] for r in caplog.records if r.name == ACCESS_LOGGER and isinstance(r.args, tuple)]
    assert logged == ["/api/v1/orders", "/chat/api/messages?session=x"]
    # In JSON, uvicorn's lines keep their facts and lose the terminal-coloured copy of their message.
    entries = [json.loads(JsonFormatter().format(r)) for r in caplog.records]
    assert any(e["message"].startswith("Uvicorn running on") for e in entries)
    assert not any("color_message" in e for e in entries)
    refused = {"logger": ACCESS_LOGGER, "method": "GET", "path": "/api/v1/orders", "status": 401}
    assert any(refused.items() <= e.items() for e in entries)
