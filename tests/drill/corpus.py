"""The malformed-input corpus: webhook updates and REST calls that deserve a 4xx or a polite chat answer."""

from __future__ import annotations

import json
from typing import Any

import orjson

NAN = b'{"sku": "X1", "name": "n", "price": NaN}'
HUGE = "9" * 30


def telegram_updates(first_id: int, chat_id: int) -> list[bytes]:
    """Updates of the wrong shape (a 400) and crafted but well-formed ones (answered politely)."""
    chat = {"id": chat_id, "type": "private"}
    user = {"id": chat_id, "first_name": "Mallory"}
    ids = iter(range(first_id, first_id + 1000))

    def message(**fields: Any) -> dict[str, Any]:
        return {
            "update_id": next(ids),
            "message": {"message_id": 1, "date": 1, "chat": chat, "from": user} | fields,
        }

    def press(data: Any, **fields: Any) -> dict[str, Any]:
        query = {
            "id": "q",
            "from": user,
            "chat_instance": "1",
            "data": data,
            "message": {"message_id": 1, "date": 1, "chat": chat},
        }
        return {"update_id": next(ids), "callback_query": query | fields}

    shapes: list[Any] = [
        message(**{"from": "bob"}),
        message(**{"from": 5}),
        message(**{"from": None}),
        press("pg:1", **{"from": "bob"}),
        message(chat={"id": "x" * 500}),
        message(chat={"id": 10**30}),
        message(chat={"id": True}),
        message(chat=[]),
        message(contact="x"),
        message(date="soon"),
        message(date=[1]),
        press("x", message="m"),
        {"update_id": "x"},
        {"update_id": None, "message": {}},
        [],
        "update",
        42,
        None,
    ]
    crafted: list[Any] = [
        message(text="2 sam\x00osa"),
        message(text="\x00"),
        message(text="9" * 5000),
        message(text="𝟚 samosa"),
        message(text=["list"]),
        message(text={"a": 1}),
        message(date=10**20, text="hi"),
        message(date=-(10**20), text="hi"),
        message(text="I want " + "🍵" * 3000),
        message(text="\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace")),
        press("pg:99999999999999999999"),
        press("pg:-1"),
        press("pg:²"),
        press("cod:y:99999999999999999999"),
        press("cod:y:²"),
        press("²:p:1"),
        press("cod:y:-5"),
        press("q:1:" + HUGE),
        press(""),
        press(5),
        press(None),
        press("x" * 10000),
        press("cod:n:1001"),
        press("\x00"),
        message(text="/order " + HUGE),
        message(text="/ship 1e999999"),
    ]
    bodies = [json.dumps(u).encode() for u in shapes + crafted]  # orjson refuses integers beyond 64 bits
    bodies += [
        b"",
        b"{",
        b"not json",
        b'{"update_id": 1e999999}',
        b'{"update_id": ' + b"1" * 5000 + b"}",
        b"\xff\xfe",
    ]
    return bodies


def api_calls() -> list[tuple[str, str, bytes | None]]:
    """(method, path, JSON body) that must each get a 4xx JSON error."""
    item = {"sku": "SAMOSA", "quantity": 1}
    customer = {"name": "A", "phone": "1"}
    delivery = {"method": "shipping", "address": "x"}

    def order(**changes: Any) -> bytes:
        return json.dumps({"customer": customer, "items": [item], "delivery": delivery} | changes).encode()

    def raw(text: str) -> bytes:
        return text.encode()

    calls: list[tuple[str, str, bytes | None]] = [
        ("POST", "/api/v1/orders", order(items=[item | {"fields": {"size": "1e999999"}}])),
        (
            "POST",
            "/api/v1/orders",
            raw(
                '{"customer": {"name": "A", "phone": "1"}, "delivery": {"method": "shipping", '
                '"address": "x"}, "items": [{"sku": "SAMOSA", "quantity": 1, "fields": {"x": 1e999999}}]}'
            ),
        ),
        ("POST", "/api/v1/orders", raw('{"items": [{"sku": "SAMOSA", "quantity": ' + "1" * 5000 + "}]}")),
        ("POST", "/api/v1/orders", order(items=[item | {"quantity": "2"}])),
        ("POST", "/api/v1/orders", order(items=[item | {"quantity": True}])),
        ("POST", "/api/v1/orders", order(items=[item | {"quantity": 2**63}])),
        ("POST", "/api/v1/orders", order(items=[item | {"quantity": 0}])),
        ("POST", "/api/v1/orders", order(items=[item | {"quantity": -1}])),
        ("POST", "/api/v1/orders", order(items=[{"sku": "NOPE", "quantity": 1}])),
        ("POST", "/api/v1/orders", order(items=[])),
        ("POST", "/api/v1/orders", order(customer={"name": "A" * 10_000, "phone": "1"})),
        ("POST", "/api/v1/orders", order(customer={"name": "A\x00B", "phone": "1"})),
        ("POST", "/api/v1/orders", raw('{"customer": {"name": NaN}}')),
        ("POST", "/api/v1/orders", raw("[]")),
        ("POST", "/api/v1/orders", raw("{")),
        ("POST", "/api/v1/products", NAN),
        ("POST", "/api/v1/products", json.dumps({"sku": "X1", "name": "n", "price": 2**63}).encode()),
        (
            "POST",
            "/api/v1/products",
            json.dumps({"sku": "X1", "name": "n", "price": 1, "stock": 2**63}).encode(),
        ),
        ("POST", "/api/v1/products", orjson.dumps({"sku": "X\x00", "name": "n", "price": 1})),
        ("POST", "/api/v1/products", orjson.dumps({"sku": "X" * 500, "name": "n", "price": 1})),
        ("PATCH", "/api/v1/products/SAMOSA", orjson.dumps({"price": -1})),
        ("PATCH", "/api/v1/products/SAMOSA", orjson.dumps({"price": 1.5})),
        ("POST", f"/api/v1/orders/{HUGE}/status", orjson.dumps({"status": "confirmed"})),
        ("POST", "/api/v1/orders/2147483648/status", orjson.dumps({"status": "confirmed"})),
        ("POST", "/api/v1/orders/1/status", orjson.dumps({"status": "nope"})),
        (
            "POST",
            "/api/v1/orders/1/status",
            orjson.dumps({"status": "shipped", "tracking_number": "T" * 1000}),
        ),
    ]
    queries = [
        "date_to=9999-12-31",
        "date_from=9999-12-31",
        "date_to=0000-01-01",
        "date_from=2026-13-45",
        f"page={2**62}",
        f"page={HUGE}",
        "page=-1",
        "per_page=0",
        "per_page=1000",
        "q=%00",
        "q=" + "x" * 5000,
        "status=nope",
        "group=nope",
        "channel=" + "c" * 500,
        "payment_status=%00",
    ]
    for query in queries:
        calls.append(("GET", f"/api/v1/orders?{query}", None))
        calls.append(("GET", f"/api/v1/orders/export.csv?{query}", None))
    for path in (
        f"/api/v1/orders/{HUGE}",
        "/api/v1/orders/-1",
        "/api/v1/orders/2147483648",
        "/api/v1/orders/1e9",
        "/api/v1/products/%00",
        "/api/v1/products/" + "S" * 500,
    ):
        calls.append(("GET", path, None))
    return calls
