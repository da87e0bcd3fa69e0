"""`PATCH /api/v1/orders/{number}`: the dashboard's edits over the REST API, with the same rules."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from bot.setup.wiring import Services
from bot.staff.roles import Role
from orders.db.engine import Database
from tests.helpers import stock_of

ORDER = {
    "customer": {"name": "Asha Rao", "phone": "+91 98765 43210"},
    "items": [{"sku": "TEA", "quantity": 2}],
    "delivery": {"method": "shipping", "address": "12 MG Road"},
}


async def placed(api: httpx.AsyncClient) -> dict[str, Any]:
    response = await api.post("/api/v1/orders", json=ORDER)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_items_customer_delivery_and_money_change_with_stock_and_totals(
    api: httpx.AsyncClient, db: Database, services: Services
) -> None:
    await services.staff.add("ravi@chai.example", Role.MANAGER, "a-long-test-password")
    order = await placed(api)
    patch = {
        "customer": {"email": "asha@example.com"},
        "delivery": {"carrier": "BlueDart", "tracking_number": "BD1", "expected_date": "2026-11-20"},
        "items": [{"sku": "TEA", "quantity": 1}, {"sku": "CUP", "quantity": 2, "fields": {"size": "Large"}}],
        "discount": 1000,
        "delivery_fee": 0,
        "warehouse": "Bengaluru",
        "note": "gift wrap",
        "sales_manager": "ravi@chai.example",
    }
    response = await api.patch(f"/api/v1/orders/{order['number']}", json=patch)
    assert response.status_code == 200, response.text
    edited = response.json()
    assert [(i["sku"], i["quantity"]) for i in edited["items"]] == [("TEA", 1), ("CUP", 2)]
    assert (edited["subtotal"], edited["discount"], edited["total"]) == (22000, 1000, 21000)
    assert edited["customer"] == {"name": "Asha Rao", "phone": "+91 98765 43210", "email": "asha@example.com"}
    assert edited["delivery"]["expected_date"] == "2026-11-20"
    assert (edited["warehouse"], edited["note"], edited["assignee"]) == (
        "Bengaluru",
        "gift wrap",
        "ravi@chai.example",
    )
    assert edited["assignee_confirmed"] is False
    assert (await stock_of(db, "TEA"), await stock_of(db, "CUP")) == (9, 1)
    again = (await api.get(f"/api/v1/orders/{order['number']}")).json()
    assert again["total"] == 21000
    assert {e["actor"] for e in again["history"][1:]} == {"api"}
    cleared = await api.patch(f"/api/v1/orders/{order['number']}", json={"delivery": {"expected_date": None}})
    assert cleared.json()["delivery"]["expected_date"] is None


@pytest.mark.parametrize(
    ("patch", "status", "words"),
    [
        ({"customer": {"email": "not-an-email"}}, 422, "Invalid email"),
        ({"customer": {"phone": "ring me"}}, 422, "Invalid phone number"),
        ({"items": [{"sku": "TEA", "quantity": 50}]}, 409, "not enough stock"),
        ({"items": [{"sku": "NOPE", "quantity": 1}]}, 422, "unknown product"),
        ({"discount": 10**7}, 422, "More than the order's amount"),
        ({"discount": -1}, 422, "discount"),
        ({"delivery": {"method": "drone"}}, 422, "delivery_method"),
        ({"status": "shipped"}, 422, "status"),
        ({"items": [{"sku": "TEA", "quantity": "2"}]}, 422, "quantity"),
        ({"sales_manager": "stranger@example.com"}, 422, "not a staff member"),
        ({"customer": {"name": "A\u0000B"}}, 422, "NUL"),
    ],
)
async def test_wrong_values_are_4xx_json_and_change_nothing(
    api: httpx.AsyncClient, db: Database, patch: dict[str, Any], status: int, words: str
) -> None:
    order = await placed(api)
    response = await api.patch(f"/api/v1/orders/{order['number']}", json=patch)
    assert response.status_code == status, response.text
    assert words in response.json()["error"]
    assert (await api.get(f"/api/v1/orders/{order['number']}")).json() == order
    assert await stock_of(db, "TEA") == 8


async def test_an_unknown_order_is_404_and_a_shipped_orders_items_are_fixed(api: httpx.AsyncClient) -> None:
    missing = await api.patch("/api/v1/orders/999999", json={"note": "x"})
    assert (missing.status_code, missing.json()["code"]) == (404, "order_not_found")
    order = await placed(api)
    number = order["number"]
    for status in ("confirmed", "shipped"):
        assert (await api.post(f"/api/v1/orders/{number}/status", json={"status": status})).status_code == 200
    refused = await api.patch(f"/api/v1/orders/{number}", json={"items": [{"sku": "TEA", "quantity": 1}]})
    assert refused.status_code == 422
    assert "In transit cannot change" in refused.json()["error"]
    noted = await api.patch(f"/api/v1/orders/{number}", json={"tracking": "x"})
    assert noted.status_code == 422
