"""A corpus of hostile REST API requests, on SQLite and PostgreSQL: each is a 4xx JSON error naming what is
wrong, never a 500, and none changes anything."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from bot.setup.wiring import Services
from catalog.db.schema import products
from orders.db.tables import idempotency_keys, order_events, order_lines, orders, outbox
from tests.helpers import rows

BIG = 2**31  # one past PostgreSQL's INTEGER: orders.number, product_id, price, stock, quantity
HUGE = 2**63  # one past SQLite's
NAN = float("nan")
ORDER: dict[str, Any] = {
    "customer": {"name": "Asha Rao", "phone": "+91 98765 43210", "email": "asha@example.com"},
    "items": [{"sku": "TEA", "quantity": 2}],
    "delivery": {"method": "shipping", "address": "12 MG Road"},
}
PRODUCT: dict[str, Any] = {"sku": "KAHWA", "name": "Kashmiri kahwa", "price": 18000, "stock": 20}


@dataclass(frozen=True)
class Bad:
    """One hostile request, the status it deserves and the field its error must name."""

    method: str
    path: str  # sent as written: %00 stays a NUL in the query
    body: object = None
    field: str = ""
    status: int = 422
    headers: tuple[tuple[str, str], ...] = ()


def order(**changes: Any) -> dict[str, Any]:
    return ORDER | changes


def item(**changes: Any) -> dict[str, Any]:
    return order(items=[{"sku": "TEA", "quantity": 1} | changes])


def customer(**changes: Any) -> dict[str, Any]:
    return order(customer=ORDER["customer"] | changes)


ORDER_BODIES = {
    "quantity as a string": Bad("POST", "/api/v1/orders", item(quantity="2"), "quantity"),
    "quantity as true": Bad("POST", "/api/v1/orders", item(quantity=True), "quantity"),
    "quantity as 2.0": Bad("POST", "/api/v1/orders", item(quantity=2.0), "quantity"),
    "quantity NaN": Bad("POST", "/api/v1/orders", item(quantity=NAN), "quantity"),
    "quantity 2^63": Bad("POST", "/api/v1/orders", item(quantity=HUGE), "quantity"),
    "product_id 2^31": Bad(
        "POST", "/api/v1/orders", {**ORDER, "items": [{"product_id": BIG, "quantity": 1}]}, "product_id"
    ),
    "product_id 10^30": Bad(
        "POST", "/api/v1/orders", {**ORDER, "items": [{"product_id": 10**30, "quantity": 1}]}, "product_id"
    ),
    "sku with NUL": Bad("POST", "/api/v1/orders", item(sku="TE\x00A"), "sku"),
    "field value NaN": Bad("POST", "/api/v1/orders", order(fields={"delivery_address": NAN}), "fields"),
    "field value Infinity": Bad(
        "POST", "/api/v1/orders", item(sku="CUP", fields={"size": float("inf")}), "fields"
    ),
    "field value true": Bad("POST", "/api/v1/orders", order(fields={"delivery_address": True}), "fields"),
    "field value 10^30": Bad("POST", "/api/v1/orders", order(fields={"delivery_address": 10**30}), "fields"),
    "field value with NUL": Bad(
        "POST", "/api/v1/orders", order(fields={"delivery_address": "a\x00b"}), "fields"
    ),
    "field name with NUL": Bad("POST", "/api/v1/orders", order(fields={"a\x00": "b"}), "fields"),
    "customer name of 201": Bad("POST", "/api/v1/orders", customer(name="x" * 201), "customer.name"),
    "customer name with NUL": Bad("POST", "/api/v1/orders", customer(name="As\x00ha"), "customer.name"),
    "customer name lone surrogate": Bad(
        "POST", "/api/v1/orders", customer(name="As\ud800ha"), "customer.name"
    ),
    "customer name a number": Bad("POST", "/api/v1/orders", customer(name=42), "customer.name"),
    "phone of 65": Bad("POST", "/api/v1/orders", customer(phone="1" * 65), "customer.phone"),
    "email of 201": Bad("POST", "/api/v1/orders", customer(email="a" * 195 + "@x.com"), "customer.email"),
    "address with NUL": Bad(
        "POST",
        "/api/v1/orders",
        order(delivery={"method": "shipping", "address": "1\x00"}),
        "delivery.address",
    ),
    "method of 33": Bad("POST", "/api/v1/orders", order(delivery={"method": "s" * 33}), "delivery.method"),
    "note with NUL": Bad("POST", "/api/v1/orders", order(note="\x00"), "note"),
    "a JSON array": Bad("POST", "/api/v1/orders", [ORDER]),
    "not JSON": Bad("POST", "/api/v1/orders", "{not json"),
    "Idempotency-Key of 201": Bad(
        "POST", "/api/v1/orders", ORDER, "Idempotency-Key", headers=(("Idempotency-Key", "k" * 201),)
    ),
}

STATUS_CHANGES = {
    "number 2^31": Bad("POST", f"/api/v1/orders/{BIG}/status", {"status": "confirmed"}, "number"),
    "number 2^63": Bad("POST", f"/api/v1/orders/{HUGE}/status", {"status": "confirmed"}, "number"),
    "number 10^30": Bad("POST", f"/api/v1/orders/{10**30}/status", {"status": "confirmed"}, "number"),
    "number 0": Bad("POST", "/api/v1/orders/0/status", {"status": "confirmed"}, "number"),
    "number ²": Bad("POST", "/api/v1/orders/%C2%B2/status", {"status": "confirmed"}, "number"),
    "tracking of 101": Bad(
        "POST",
        "/api/v1/orders/1001/status",
        {"status": "confirmed", "tracking_number": "T" * 101},
        "tracking_number",
    ),
    "tracking with NUL": Bad(
        "POST",
        "/api/v1/orders/1001/status",
        {"status": "confirmed", "tracking_number": "T\x00"},
        "tracking_number",
    ),
    "carrier with NUL": Bad(
        "POST", "/api/v1/orders/1001/status", {"status": "confirmed", "carrier": "\x00"}, "carrier"
    ),
    "reason with NUL": Bad(
        "POST", "/api/v1/orders/1001/status", {"status": "cancelled", "reason": "a\x00"}, "reason"
    ),
    "status with NUL": Bad("POST", "/api/v1/orders/1001/status", {"status": "confirmed\x00"}, "status"),
}

READS = {
    "order 2^31": Bad("GET", f"/api/v1/orders/{BIG}", field="number"),
    "order 2^63": Bad("GET", f"/api/v1/orders/{HUGE}", field="number"),
    "order -1": Bad("GET", "/api/v1/orders/-1", field="number"),
    "page 2^62": Bad("GET", f"/api/v1/orders?page={2**62}", field="page"),
    "page 2^62 of the export": Bad("GET", f"/api/v1/orders/export.csv?page={2**62}", field="page"),
    "per_page 2^63": Bad("GET", f"/api/v1/orders?per_page={HUGE}", field="per_page"),
    "q with NUL": Bad("GET", "/api/v1/orders?q=as%00ha", field="q"),
    "q with NUL in the export": Bad("GET", "/api/v1/orders/export.csv?q=%00", field="q"),
    "channel with NUL": Bad("GET", "/api/v1/orders?channel=web%00", field="channel"),
    "status with NUL": Bad("GET", "/api/v1/orders?status=pending%00", field="status"),
    "date_to the last day": Bad("GET", "/api/v1/orders?date_to=9999-12-31", field="date_to"),
    "date_from of year 10000": Bad("GET", "/api/v1/orders?date_from=10000-01-01", field="date_from"),
    "sku with NUL": Bad("GET", "/api/v1/products/TE%00A", field="sku"),
    "sku of 65": Bad("GET", "/api/v1/products/" + "S" * 65, field="sku"),
    "products offset 2^63": Bad("GET", f"/api/v1/products?offset={HUGE}", field="offset"),
}


def product(**changes: Any) -> dict[str, Any]:
    return PRODUCT | changes


PRODUCT_BODIES = {
    "price as a string": Bad("POST", "/api/v1/products", product(price="180.00"), "price"),
    "price 2^31": Bad("POST", "/api/v1/products", product(price=BIG), "price"),
    "price 2^63": Bad("POST", "/api/v1/products", product(price=HUGE), "price"),
    "price NaN": Bad("POST", "/api/v1/products", product(price=NAN), "price"),
    "stock 2^63": Bad("POST", "/api/v1/products", product(stock=HUGE), "stock"),
    "stock as a string": Bad("POST", "/api/v1/products", product(stock="20"), "stock"),
    "stock as true": Bad("POST", "/api/v1/products", product(stock=True), "stock"),
    "sku with NUL": Bad("POST", "/api/v1/products", product(sku="KA\x00HWA"), "sku"),
    "sku of 65": Bad("POST", "/api/v1/products", product(sku="K" * 65), "sku"),
    "name of 201": Bad("POST", "/api/v1/products", product(name="n" * 201), "name"),
    "name with NUL": Bad("POST", "/api/v1/products", product(name="Ka\x00hwa"), "name"),
    "category of 101": Bad("POST", "/api/v1/products", product(category="c" * 101), "category"),
    "description with NUL": Bad("POST", "/api/v1/products", product(description="\x00"), "description"),
    "alias with NUL": Bad("POST", "/api/v1/products", product(aliases=["ka\x00hwa"]), "aliases"),
    "image URL with NUL": Bad(
        "POST", "/api/v1/products", product(image_urls=["https://x.test/\x00"]), "image_urls"
    ),
    "active as a string": Bad("POST", "/api/v1/products", product(active="yes"), "active"),
    "patched price 2^31": Bad("PATCH", "/api/v1/products/TEA", {"price": BIG}, "price"),
    "patched stock 2^63": Bad("PATCH", "/api/v1/products/TEA", {"stock": HUGE}, "stock"),
    "patched stock as a string": Bad("PATCH", "/api/v1/products/TEA", {"stock": "5"}, "stock"),
    "patched category of 101": Bad("PATCH", "/api/v1/products/TEA", {"category": "c" * 101}, "category"),
    "patched name with NUL": Bad("PATCH", "/api/v1/products/TEA", {"name": "\x00"}, "name"),
}


async def send(api: httpx.AsyncClient, bad: Bad) -> httpx.Response:
    """The request as a hostile client writes it: ASCII JSON keeps NaN, NUL and lone surrogates."""
    headers = dict(bad.headers)
    if bad.body is None:
        return await api.request(bad.method, bad.path, headers=headers)
    content = bad.body if isinstance(bad.body, str) else json.dumps(bad.body)
    headers["Content-Type"] = "application/json"
    return await api.request(bad.method, bad.path, content=content.encode(), headers=headers)


def problems(bad: Bad, response: httpx.Response) -> str | None:
    """What is wrong with the answer to one hostile request, or None."""
    if response.status_code != bad.status:
        return f"{response.status_code}: {response.text[:300]}"
    body = response.json()
    if not (isinstance(body.get("error"), str) and isinstance(body.get("code"), str)):
        return f"not an error body: {body}"
    if bad.field and bad.field not in body["error"]:
        return f"the error does not name {bad.field}: {body['error']}"
    return None


async def snapshot(services: Services) -> list[list[dict[str, Any]]]:
    tables = (orders, order_lines, order_events, outbox, idempotency_keys, products)
    return [await rows(services.db, table) for table in tables]


@pytest.mark.parametrize(
    "corpus",
    [ORDER_BODIES, STATUS_CHANGES, READS, PRODUCT_BODIES],
    ids=["order bodies", "status changes", "paths and queries", "product bodies"],
)
async def test_hostile_requests_get_a_4xx_naming_the_field_and_change_nothing(
    api: httpx.AsyncClient, services: Services, corpus: dict[str, Bad]
) -> None:
    assert (await api.post("/api/v1/orders", json=ORDER)).status_code == 201  # order 1001 to aim at
    before = await snapshot(services)
    wrong = {
        what: problem for what, bad in corpus.items() if (problem := problems(bad, await send(api, bad)))
    }
    assert wrong == {}
    assert await snapshot(services) == before


async def test_an_order_total_beyond_what_an_order_holds_is_a_422_on_every_database(
    api: httpx.AsyncClient, services: Services
) -> None:
    """Each value fits its column, the total of 3 x (2^31 - 1) does not: refused alike on SQLite (whose
    INTEGER would hold it) and PostgreSQL, and nothing is kept."""
    created = await api.post("/api/v1/products", json=product(price=BIG - 1))
    assert created.status_code == 201
    before = await snapshot(services)
    response = await api.post("/api/v1/orders", json=order(items=[{"sku": "KAHWA", "quantity": 3}]))
    assert (response.status_code, response.json()["code"]) == (422, "invalid_order")
    assert "beyond what an order can hold" in response.json()["error"]
    assert await snapshot(services) == before


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)  # refused before any database is asked
@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (NAN, "must be a finite number"),
        (True, "must be text or a number"),
        (10**30, "a whole number must be between -9007199254740992 and 9007199254740992"),
        ("x" * 1001, "must be text of at most 1000 characters"),
    ],
)
async def test_a_bad_field_value_is_named_and_explained_in_words(
    api: httpx.AsyncClient, value: object, problem: str
) -> None:
    response = await send(api, Bad("POST", "/api/v1/orders", order(fields={"delivery_address": value})))
    assert response.json()["error"] == f"fields.delivery_address: Value error, {problem}"
