"""The web chat's page and JSON API on the real app: replies in the answer, later messages on fetch."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from bot.setup.wiring import Services
from orders.commands import ChangeStatus, LineRequest, PlaceOrder
from orders.model import Lead
from orders.status import OrderStatus

SESSION = "test-session-1"


async def say(api: httpx.AsyncClient, message_id: str, **body: Any) -> httpx.Response:
    return await api.post("/chat/api/messages", json={"session": SESSION, "id": message_id, **body})


async def test_the_page_names_the_store_and_escapes_it(api: httpx.AsyncClient) -> None:
    page = await api.get("/chat")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<title>Test Tea · test chat</title>" in page.text


async def test_a_message_is_answered_in_the_same_request_with_its_choices(api: httpx.AsyncClient) -> None:
    answer = await say(api, "message-0001", text="2 chai")
    assert answer.status_code == 200
    added, prompt = answer.json()["messages"]
    assert added["text"] == "Added 2 × Masala chai."
    assert [c["label"] for c in prompt["choices"]] == ["Add more", "Checkout"]
    checkout = next(c["id"] for c in prompt["choices"] if c["label"] == "Checkout")
    pressed = await say(api, "message-0002", choice=checkout)
    assert pressed.status_code == 200 and pressed.json()["messages"]


async def test_a_new_chat_is_greeted_in_the_browsers_language_when_the_store_speaks_it(
    api: httpx.AsyncClient,
) -> None:
    greeted = (await say(api, "message-0001", text="/start", language="es-MX")).json()["messages"]
    assert [m["text"] for m in greeted] == [
        "¡Hola! Bienvenido a Test Tea.",
        "¿Qué te apetece? Elige un producto:",
    ]
    other = {"session": "test-session-2", "id": "message-0002", "text": "/start", "language": "fr-FR"}
    greeted = (await api.post("/chat/api/messages", json=other)).json()["messages"]
    assert (
        greeted[0]["text"] == "Hi! Welcome to Test Tea."
    )  # French is not served: the store's first language


async def press(api: httpx.AsyncClient, message_id: str, reply: dict[str, Any], label: str) -> httpx.Response:
    choice = next(c["id"] for c in reply["choices"] if c["label"] == label)
    return await say(api, message_id, choice=choice)


async def test_a_pickup_order_is_placed_without_a_delivery_address(api: httpx.AsyncClient) -> None:
    await say(api, "message-0001", text="2 chai")
    asked = (await say(api, "message-0002", text="checkout")).json()["messages"][-1]
    summary = (await press(api, "message-0003", asked, "Pickup")).json()["messages"][-1]
    assert summary["text"].startswith("Your order:\n2 × Masala chai — ₹240.00\nTotal: ₹240.00")
    placed = (await press(api, "message-0004", summary, "Confirm")).json()["messages"]
    assert placed[0]["text"].startswith("Order #1001 is placed. Total ₹240.00")


async def test_stock_gone_before_confirm_is_told_politely_and_the_cart_kept(
    api: httpx.AsyncClient, services: Services
) -> None:
    await say(api, "message-0001", text="3 chai")
    asked = (await say(api, "message-0002", text="checkout")).json()["messages"][-1]
    summary = (await press(api, "message-0003", asked, "Pickup")).json()["messages"][-1]
    await services.catalog.update("TEA", {"stock": 2})  # someone else bought the rest meanwhile
    refused = (await press(api, "message-0004", summary, "Confirm")).json()["messages"]
    assert [m["text"] for m in refused] == [
        "Sorry, there is not enough Masala chai left for your order. Your cart is kept; please change it and "
        "check out again.",
        "Your cart: 3 item(s), ₹360.00. Add more or check out?",
    ]


async def test_a_retried_message_is_processed_once(api: httpx.AsyncClient) -> None:
    first = await say(api, "message-0001", text="2 chai")
    again = await say(api, "message-0001", text="2 chai")
    assert len(first.json()["messages"]) == 2 and again.json()["messages"] == []
    cart = await say(api, "message-0002", text="cart")
    assert cart.json()["messages"][0]["text"].startswith("Your cart:\n2 × Masala chai — ₹240.00")


async def test_a_later_status_change_arrives_on_the_next_fetch_once(
    api: httpx.AsyncClient, services: Services
) -> None:
    lead = Lead("web", SESSION)
    placed = await services.orders.place(
        PlaceOrder(lines=(LineRequest(1, "TEA"),), delivery_address="x", lead=lead, language="en")
    )
    await services.orders.change_status(ChangeStatus(placed.order.number, OrderStatus.CONFIRMED, "ops"))
    await services.worker.relay.run_once()  # what the background relay does after the commit
    fetched = (await api.get("/chat/api/messages", params={"session": SESSION})).json()["messages"]
    confirmed = f"Your order #{placed.order.number} is confirmed"
    assert [m["text"][: len(confirmed)] for m in fetched] == [confirmed]
    assert (await api.get("/chat/api/messages", params={"session": SESSION})).json() == {"messages": []}


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"session": "short", "id": "message-0001", "text": "hi"}, "session"),
        ({"session": SESSION, "id": "x", "text": "hi"}, "id"),
        ({"session": SESSION, "id": "message-0001"}, "either text or choice"),
        ({"session": SESSION, "id": "message-0001", "text": "hi", "choice": "a"}, "either text or choice"),
        ({"session": SESSION, "id": "message-0001", "text": "x" * 2001}, "at most 2000"),
        ({"session": SESSION, "id": "message-0001", "text": "hi", "language": "<en>"}, "language"),
        ({"session": SESSION, "id": "message-0001", "text": "hi", "language": 7}, "language"),
        ([1, 2], "JSON object"),
    ],
)
async def test_what_is_no_chat_message_gets_a_json_422(
    api: httpx.AsyncClient, body: Any, problem: str
) -> None:
    answer = await api.post("/chat/api/messages", json=body)
    assert answer.status_code == 422 and answer.json()["code"] == "invalid_message"
    assert problem in answer.json()["error"]


async def test_a_body_that_is_not_json_gets_a_400(api: httpx.AsyncClient) -> None:
    answer = await api.post(
        "/chat/api/messages", content=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert (answer.status_code, answer.json()["code"]) == (400, "bad_request")
