"""REST API for payments: staff record partial and full payments, void one, settle a partial payment, and
list every payment across orders."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import Clock

ORDER = {
    "customer": {"name": "Ravi Phone", "phone": "+91 90000 00001"},
    "items": [{"sku": "TEA", "quantity": 2}],  # 2 × ₹120.00 + ₹40.00 delivery = ₹280.00
    "delivery": {"method": "shipping", "address": "3 Hill Road"},
}


async def phone_order(api: httpx.AsyncClient) -> int:
    response = await api.post("/api/v1/orders", json=ORDER)
    assert response.status_code == 201
    number: int = response.json()["number"]
    return number


async def pay(api: httpx.AsyncClient, number: int, **body: Any) -> httpx.Response:
    return await api.post(f"/api/v1/orders/{number}/payments", json=body)


async def test_a_phone_order_paid_half_in_cash_and_half_by_transfer(api: httpx.AsyncClient) -> None:
    number = await phone_order(api)
    half = await pay(api, number, amount=14000, method="cash", comment="paid at the door")
    assert half.status_code == 201
    order = half.json()
    assert (order["payment_status"], order["amount_paid"], order["amount_due"]) == (
        "partially_paid",
        14000,
        14000,
    )
    assert order["status"] == "pending"
    rest = await pay(api, number, amount=14000, method="bank_transfer", reference="UTR 5521", fee=100)
    order = rest.json()
    assert (order["payment_status"], order["amount_paid"], order["amount_due"]) == ("paid", 28000, 0)
    assert order["status"] == "confirmed"  # paid in full confirms a new order (F038)
    cash, transfer = order["payments"]
    assert (cash["method"], cash["comment"], cash["provider"]) == ("cash", "paid at the door", "manual")
    assert (transfer["reference"], transfer["fee"], transfer["net"]) == ("UTR 5521", 100, 13900)
    listed = (await api.get(f"/api/v1/orders/{number}/payments")).json()
    assert (listed["amount_paid"], listed["amount_due"], len(listed["items"])) == (28000, 0, 2)
    kinds = [e["kind"] for e in order["history"]]
    assert kinds.count("payment_received") == 2


async def test_a_voided_payment_stays_listed_and_no_longer_counts(api: httpx.AsyncClient) -> None:
    number = await phone_order(api)
    wrong = (await pay(api, number, amount=28000, method="card_terminal")).json()
    assert wrong["payment_status"] == "paid"
    payment_id = wrong["payments"][0]["id"]
    voided = await api.post(f"/api/v1/orders/{number}/payments/{payment_id}/void")
    assert voided.status_code == 200
    order = voided.json()
    assert (order["payment_status"], order["amount_paid"], order["amount_due"]) == ("unpaid", 0, 28000)
    [kept] = order["payments"]
    assert (kept["status"], kept["voided_by"]) == ("voided", "api")
    again = await api.post(f"/api/v1/orders/{number}/payments/{payment_id}/void")
    assert again.status_code == 422 and "voided already" in again.json()["error"]
    missing = await api.post(f"/api/v1/orders/{number}/payments/999/void")
    assert (missing.status_code, missing.json()["code"]) == (404, "payment_not_found")


@pytest.mark.parametrize(
    ("decision", "payment_status", "status"),
    [("accept", "paid", "confirmed"), ("decline", "partially_paid", "cancelled")],
)
async def test_a_manager_accepts_or_declines_a_partial_payment(
    api: httpx.AsyncClient, decision: str, payment_status: str, status: str
) -> None:
    number = await phone_order(api)
    await pay(api, number, amount=20000, method="cash")
    settled = await api.post(f"/api/v1/orders/{number}/payments/settle", json={"decision": decision})
    assert settled.status_code == 200
    order = settled.json()
    assert (order["payment_status"], order["status"]) == (payment_status, status)
    assert f"partial_payment_{decision}{'ed' if decision == 'accept' else 'd'}" in [
        e["kind"] for e in order["history"]
    ]
    refused = await api.post(f"/api/v1/orders/{number}/payments/settle", json={"decision": decision})
    assert refused.status_code == 422


@pytest.mark.parametrize(
    "body",
    [
        {"amount": 0, "method": "cash"},
        {"amount": -5, "method": "cash"},
        {"amount": 2**31, "method": "cash"},
        {"amount": "100", "method": "cash"},
        {"amount": 100, "method": "cheque"},
        {"amount": 100, "method": "cash", "comment": "x\x00y"},
        {"amount": 100, "method": "cash", "reference": "r" * 201},
        {"amount": 100, "method": "cash", "fee": 101},
        {"amount": 100, "method": "cash", "paid_at": "yesterday"},
        {"amount": 100, "method": "cash", "extra": 1},
    ],
)
async def test_a_payment_no_column_holds_is_a_422_and_nothing_is_recorded(
    api: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    number = await phone_order(api)
    response = await pay(api, number, **body)
    assert response.status_code == 422, response.text
    assert set(response.json()) >= {"error", "code"}
    assert (await api.get(f"/api/v1/orders/{number}")).json()["payments"] == []


async def test_every_payment_across_orders_with_filters(api: httpx.AsyncClient, clock: Clock) -> None:
    first, second = await phone_order(api), await phone_order(api)
    await pay(api, first, amount=7000, method="cash")
    clock.advance(days=2)
    voided = (await pay(api, second, amount=28000, method="bank_transfer")).json()
    await api.post(f"/api/v1/orders/{second}/payments/{voided['payments'][0]['id']}/void")
    listed = (await api.get("/api/v1/payments")).json()
    assert listed["total"] == 2
    assert [(p["order_number"], p["share"]) for p in listed["items"]] == [(second, "100%"), (first, "25%")]
    only_voided = (await api.get("/api/v1/payments?status=voided")).json()["items"]
    assert [p["order_number"] for p in only_voided] == [second]
    day = clock.now.date().isoformat()
    today = (await api.get(f"/api/v1/payments?date_from={day}")).json()["items"]
    assert [p["order_number"] for p in today] == [second]
    assert (await api.get("/api/v1/payments?status=bogus")).status_code == 422
    assert (await api.get("/api/v1/payments?provider=stripe")).json()["total"] == 0


async def test_an_unknown_order_has_no_payments(api: httpx.AsyncClient) -> None:
    assert (await api.get("/api/v1/orders/424242/payments")).status_code == 404
    assert (await pay(api, 424242, amount=100, method="cash")).status_code == 404
