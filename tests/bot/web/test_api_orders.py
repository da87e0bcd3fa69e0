"""REST API for orders: auth, idempotent create, status moves, filters, search, CSV export."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import pytest

from bot.setup.wiring import Services
from orders.db.tables import orders
from tests.conftest import Clock
from tests.helpers import count_rows, stock_of

ORDER = {
    "customer": {"name": "Asha Rao", "phone": "+91 98765 43210", "email": "asha@example.com"},
    "items": [{"sku": "TEA", "quantity": 2}],
    "delivery": {"method": "shipping", "address": "12 MG Road"},
}


async def create(
    api: httpx.AsyncClient, body: dict[str, Any] | None = None, key: str | None = None
) -> httpx.Response:
    headers = {"Idempotency-Key": key} if key else {}
    return await api.post("/api/v1/orders", json=body or ORDER, headers=headers)


async def move(api: httpx.AsyncClient, number: int, status: str, **extra: str) -> httpx.Response:
    return await api.post(f"/api/v1/orders/{number}/status", json={"status": status, **extra})


@pytest.mark.parametrize("header", [None, "Bearer wrong", "Basic test-token", "test-token"])
async def test_requests_without_the_right_bearer_token_get_401(
    api: httpx.AsyncClient, header: str | None
) -> None:
    headers = {"Authorization": header} if header else {}
    api.headers.pop("Authorization")
    response = await api.get("/api/v1/orders", headers=headers)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


async def test_created_order_has_the_spec_fields(api: httpx.AsyncClient) -> None:
    response = await create(api)
    assert response.status_code == 201
    assert response.headers["location"] == "/api/v1/orders/1001"
    order = response.json()
    expected = {
        "number": 1001,
        "status": "pending",
        "payment_status": "unpaid",
        "payment_method": "cod",
        "currency": "INR",
        "source": "website",
        "channel": "website",
        "subtotal": 24000,
        "delivery_fee": 4000,
        "total": 28000,
    }
    assert {k: order[k] for k in expected} == expected
    assert order["items"] == [
        {
            "name": "Masala chai",
            "sku": "TEA",
            "product_id": 1,
            "quantity": 2,
            "unit_price": 12000,
            "total": 24000,
            "fields": {},
        }
    ]
    assert order["customer"]["email"] == "asha@example.com"
    assert order["delivery"]["address"] == "12 MG Road"
    assert [h["kind"] for h in order["history"]] == ["created"]
    assert (await api.get("/api/v1/orders/1001")).json() == order


async def test_one_idempotency_key_makes_one_order(api: httpx.AsyncClient, services: Services) -> None:
    first = await create(api, key="website-77")
    again = await create(api, key="website-77")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["number"] == first.json()["number"]
    other = await create(api, ORDER | {"note": "changed"}, key="website-77")
    assert other.status_code == 409
    assert other.json()["code"] == "idempotency_conflict"
    assert await count_rows(services.db, orders) == 1
    assert await stock_of(services.db, "TEA") == 8


@pytest.mark.parametrize(
    ("items", "status", "code"),
    [
        ([{"sku": "NOPE", "quantity": 1}], 422, "unknown_product"),
        ([{"sku": "TEA", "quantity": 0}], 422, "validation_error"),
        ([{"sku": "TEA", "product_id": 1, "quantity": 1}], 422, "validation_error"),
        ([{"sku": "TEA", "quantity": 11}], 409, "out_of_stock"),
        ([], 422, "validation_error"),
        ([{"sku": "CUP", "quantity": 1, "fields": {"size": "XXL"}}], 422, "invalid_order"),
    ],
)
async def test_bad_order_requests_get_a_json_4xx_and_store_nothing(
    api: httpx.AsyncClient, services: Services, items: list[dict[str, Any]], status: int, code: str
) -> None:
    response = await create(api, ORDER | {"items": items})
    assert response.status_code == status
    assert response.json()["code"] == code
    assert response.json()["error"]
    assert await count_rows(services.db, orders) == 0
    assert await stock_of(services.db, "TEA") == 10


async def test_a_pickup_order_needs_no_address(api: httpx.AsyncClient) -> None:
    response = await create(api, ORDER | {"delivery": {"method": "pickup"}})
    assert response.status_code == 201, response.text
    order = response.json()
    assert (order["delivery"]["method"], order["delivery"]["address"], order["delivery_fee"]) == (
        "pickup",
        "",
        0,
    )
    shipped = await create(api, ORDER | {"delivery": {"method": "shipping"}})
    assert (shipped.status_code, shipped.json()["code"]) == (422, "invalid_order")


async def test_malformed_json_is_a_422_not_a_500(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/api/v1/orders", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


async def test_status_walk_and_an_illegal_move(api: httpx.AsyncClient) -> None:
    number = (await create(api)).json()["number"]
    assert (await move(api, number, "confirmed")).json()["status"] == "confirmed"
    shipped = await move(api, number, "shipped", tracking_number="TRK-1", carrier="BlueDart")
    assert shipped.json() == (await api.get(f"/api/v1/orders/{number}")).json()  # what we answered is stored
    delivery = shipped.json()["delivery"]
    assert (delivery["tracking_number"], delivery["carrier"]) == ("TRK-1", "BlueDart")
    assert (await move(api, number, "delivered")).json()["status"] == "delivered"
    refused = await move(api, number, "pending")
    assert refused.status_code == 409
    assert refused.json() == {
        "error": "cannot move an order from delivered to pending; allowed: returned",
        "code": "invalid_status_transition",
    }
    after = (await api.get(f"/api/v1/orders/{number}")).json()
    assert after["status"] == "delivered"
    assert [h["data"].get("to") for h in after["history"] if h["kind"] == "status_changed"] == [
        "confirmed",
        "shipped",
        "delivered",
    ]


async def test_unknown_status_value_and_unknown_order(api: httpx.AsyncClient) -> None:
    number = (await create(api)).json()["number"]
    assert (await move(api, number, "teleported")).status_code == 422
    missing = await move(api, 9999, "confirmed")
    assert (missing.status_code, missing.json()["code"]) == (404, "order_not_found")
    assert (await api.get("/api/v1/orders/9999")).status_code == 404


async def _numbers(api: httpx.AsyncClient, **params: str | int) -> list[int]:
    response = await api.get("/api/v1/orders", params=params)
    assert response.status_code == 200, response.text
    return [o["number"] for o in response.json()["items"]]


async def test_list_filters_search_and_pages_newest_first(api: httpx.AsyncClient, clock: Clock) -> None:
    people = [
        ("Asha Rao", "+91 111"),
        ("Bilal Khan", "+91 222"),
        ("Chen Li", "+44 333"),
        ("Dana Ross", "+1 444"),
    ]
    for name, phone in people:
        await create(
            api,
            ORDER | {"customer": {"name": name, "phone": phone}, "items": [{"sku": "COFFEE", "quantity": 1}]},
        )
        clock.advance(days=1)
    await move(api, 1002, "confirmed")
    await move(api, 1003, "cancelled")
    await move(api, 1002, "shipped", tracking_number="AWB-5566")
    assert await _numbers(api) == [1004, 1003, 1002, 1001]
    assert await _numbers(api, status="pending") == [1004, 1001]
    assert await _numbers(api, status="pending,cancelled") == [1004, 1003, 1001]
    assert await _numbers(api, group="in_transit") == [1002]
    assert await _numbers(api, group="problematic") == [1003]
    assert await _numbers(api, q="chen") == [1003]
    assert await _numbers(api, q="+44") == [1003]
    assert await _numbers(api, q="awb-55") == [1002]
    assert await _numbers(api, q="1004") == [1004]
    assert await _numbers(api, q="100%") == []  # LIKE wildcards are literal
    assert await _numbers(api, channel="website", payment_status="unpaid") == [1004, 1003, 1002, 1001]
    assert await _numbers(api, channel="telegram") == []
    assert await _numbers(api, date_from="2026-11-02", date_to="2026-11-03") == [1003, 1002]
    page = (await api.get("/api/v1/orders", params={"per_page": 3, "page": 2})).json()
    assert (page["total"], page["page"], page["per_page"], [o["number"] for o in page["items"]]) == (
        4,
        2,
        3,
        [1001],
    )


@pytest.mark.parametrize(
    "bad", [{"per_page": 101}, {"page": 0}, {"status": "lost"}, {"group": "x"}, {"date_from": "yesterday"}]
)
async def test_a_bad_list_filter_is_a_422(api: httpx.AsyncClient, bad: dict[str, str | int]) -> None:
    response = await api.get("/api/v1/orders", params=bad)
    assert (response.status_code, response.json()["code"]) == (422, "validation_error")


async def test_csv_export_follows_filters_and_defuses_formulas(api: httpx.AsyncClient) -> None:
    evil = {"name": '=HYPERLINK("http://evil.test","click")', "phone": "+1 555", "email": "@x"}
    await create(api, ORDER | {"customer": evil, "note": "-2+3"})
    await create(api)
    await move(api, 1002, "cancelled")
    response = await api.get("/api/v1/orders/export.csv", params={"status": "pending"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    (row,) = list(csv.DictReader(io.StringIO(response.text)))
    assert row["number"] == "1001"
    assert row["customer_name"] == '\'=HYPERLINK("http://evil.test","click")'
    assert (row["customer_phone"], row["customer_email"], row["note"]) == ("'+1 555", "'@x", "'-2+3")
    assert (row["total"], row["items"]) == ("280.00", "2 x Masala chai (TEA)")


async def test_health_and_openapi_answer(api: httpx.AsyncClient) -> None:
    assert (await api.get("/healthz")).json() == {"status": "ok"}
    paths = (await api.get("/openapi.json")).json()["paths"]
    assert {
        "/api/v1/orders",
        "/api/v1/orders/{number}/status",
        "/api/v1/orders/export.csv",
        "/api/v1/products",
        "/api/v1/products/{sku}",
    } <= set(paths)
