"""The optional AI assistant against a fake chat-completions server on 127.0.0.1."""

# Its tool calls run with the checks of button presses; a slow, failing or nonsensical model leaves the
# rules' answer.

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse

from bot.setup.settings import Settings
from flows.assistant import TOOL_NAMES
from tests.fakes import FakeServer, serve_asgi, serve_fake
from tests.shop import API_HEADERS, running_shop, shop_settings
from tests.telegram_fake import SECRET, TelegramUser, telegram_answer

OFF_SCRIPT = "Sorry, I didn't understand that."
MODEL_WORDS = "Done! I added 2 jalebis for ₹1."  # what a model may say: never shown to a shopper


def tool_call(name: str, **arguments: object) -> dict[str, Any]:
    return {"type": "function", "id": "c1", "function": {"name": name, "arguments": json.dumps(arguments)}}


def answer(*calls: dict[str, Any], content: str | None = MODEL_WORDS) -> dict[str, Any]:
    return {"choices": [{"message": {"role": "assistant", "content": content, "tool_calls": list(calls)}}]}


@dataclass
class FakeModel:
    """A chat-completions server scripted by what the shopper wrote; "slow" never answers in time."""

    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        body = json.loads(await request.body())
        self.requests.append(body)
        self.headers.append(dict(request.headers))
        self.paths.append(request.url.path)
        said = body["messages"][-1]["content"]
        status, payload = 200, answer()
        if "sweet" in said:
            payload = answer(tool_call("add_to_cart", sku="SWEET-JALEBI", quantity=2))
        elif "everything" in said:  # an unknown SKU is skipped; an impossible quantity is refused as typed
            payload = answer(
                tool_call("add_to_cart", sku="NO-SUCH-THING", quantity=1),
                tool_call("add_to_cart", sku="SNACK-SAMOSA", quantity=9999),
            )
        elif "person" in said:
            payload = answer(tool_call("talk_to_human"))
        elif "slow" in said:
            await asyncio.sleep(5)
        elif "broken" in said:
            status, payload = 500, {"error": "overloaded"}
        elif "garbled" in said:
            payload = {
                "choices": [
                    {
                        "message": {
                            "tool_calls": [{"function": {"name": "add_to_cart", "arguments": "{not json"}}]
                        }
                    }
                ]
            }
        await JSONResponse(payload, status_code=status)(scope, receive, send)


@pytest.fixture
async def model() -> AsyncIterator[tuple[FakeModel, str]]:
    fake = FakeModel()
    async with serve_asgi(fake, lifespan=False) as url:
        yield fake, url


@pytest.fixture
async def telegram_api() -> AsyncIterator[FakeServer]:
    async with serve_fake(FakeServer(respond=telegram_answer)) as fake:
        yield fake


@pytest.fixture
async def app(
    tmp_path: Path, telegram_api: FakeServer, model: tuple[FakeModel, str]
) -> AsyncIterator[httpx.AsyncClient]:
    settings = shop_settings(
        tmp_path,
        telegram_token="123:TEST",
        telegram_webhook_secret=SECRET,
        telegram_api_url=telegram_api.url,
        llm_url=f"{model[1]}/v1",
        llm_model="tiny-local",
        llm_api_key="sk-test",
        llm_timeout=0.5,
    )
    async with running_shop(settings) as (client, _services):
        yield client


def shopper(app: httpx.AsyncClient, fake: FakeServer, chat_id: int) -> TelegramUser:
    return TelegramUser(app, fake, chat_id, update_counter=itertools.count(chat_id * 100))


async def test_the_models_tool_calls_fill_the_cart_and_its_own_words_are_never_shown(
    app: httpx.AsyncClient, telegram_api: FakeServer, model: tuple[FakeModel, str]
) -> None:
    fake, _ = model
    shopper_a = shopper(app, telegram_api, 501)
    await shopper_a.says("something sweet for my kids")
    texts = [m.text for m in shopper_a.inbox()]
    assert "Added 2 × Jalebi (250 g)." in texts
    assert not any("₹1" in t or "Done!" in t for t in texts)
    request = fake.requests[0]
    assert fake.paths == ["/v1/chat/completions"] and fake.headers[0]["authorization"] == "Bearer sk-test"
    assert request["model"] == "tiny-local"
    assert {t["function"]["name"] for t in request["tools"]} == TOOL_NAMES
    assert "SWEET-JALEBI: Jalebi (250 g)" in request["messages"][0]["content"]


async def test_tool_calls_get_the_checks_of_button_presses(
    app: httpx.AsyncClient, telegram_api: FakeServer, model: tuple[FakeModel, str]
) -> None:
    shopper_b = shopper(app, telegram_api, 502)
    await shopper_b.says("everything, all of it")
    texts = [m.text for m in shopper_b.inbox()]
    assert "Please send a number from 1 to 50." in texts  # 9999 samosas, refused as if typed
    await shopper_b.says("is a person around")
    assert any(m.text.startswith("I'm the shop's ordering assistant") for m in shopper_b.inbox())


@pytest.mark.parametrize("trouble", ["slow", "broken", "garbled", "just chatting"])
async def test_a_slow_failing_or_nonsensical_model_leaves_the_rules_answer(
    app: httpx.AsyncClient, telegram_api: FakeServer, model: tuple[FakeModel, str], trouble: str
) -> None:
    shopper_c = shopper(app, telegram_api, 503)
    await shopper_c.says(f"{trouble} zzz")
    texts = [m.text for m in shopper_c.inbox()]
    assert OFF_SCRIPT in texts and not any("Done!" in t for t in texts)
    assert len(model[0].requests) == 1


async def test_messages_the_rules_read_never_go_to_the_model(
    app: httpx.AsyncClient, telegram_api: FakeServer, model: tuple[FakeModel, str]
) -> None:
    shopper_d = shopper(app, telegram_api, 504)
    await shopper_d.says("2 samosa")
    await shopper_d.says("my cart")
    await shopper_d.says("checkout")
    await shopper_d.says("sweet street 5, flat sweet")  # an address, at a step the assistant never sees
    assert model[0].requests == []
    assert any(m.text.startswith("Your order:") for m in shopper_d.inbox())


async def test_the_tools_are_published_for_merchants_agents(app: httpx.AsyncClient) -> None:
    tools = await app.get("/api/v1/tools", headers=API_HEADERS)
    assert tools.status_code == 200
    assert {t["function"]["name"] for t in tools.json()["tools"]} == TOOL_NAMES
    assert (await app.get("/api/v1/tools")).status_code == 401


def test_the_assistant_is_off_unless_configured() -> None:
    assert Settings().llm_url is None and Settings().llm_model is None
