"""REST API for products: list, create, edit, each with validation and JSON errors."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

NEW = {
    "sku": "KAHWA",
    "name": "Kashmiri kahwa",
    "price": 18000,
    "stock": 5,
    "category": "Tea",
    "aliases": ["kehwa"],
    "image_urls": ["https://img.test/kahwa.png"],
}


async def test_products_are_listed_with_prices_in_minor_units(api: httpx.AsyncClient) -> None:
    body = (await api.get("/api/v1/products")).json()
    assert body["total"] == 3
    tea = next(p for p in body["items"] if p["sku"] == "TEA")
    assert tea == {
        "id": 1,
        "sku": "TEA",
        "name": "Masala chai",
        "price": 12000,
        "stock": 10,
        "category": "",
        "description": "",
        "image_urls": [],
        "aliases": ["chai"],
        "active": True,
    }


async def test_a_created_product_can_be_fetched_and_ordered(api: httpx.AsyncClient) -> None:
    created = await api.post("/api/v1/products", json=NEW)
    assert created.status_code == 201
    assert (await api.get("/api/v1/products/KAHWA")).json() == created.json()
    order = await api.post(
        "/api/v1/orders", json={"items": [{"sku": "KAHWA", "quantity": 5}], "delivery": {"address": "x"}}
    )
    assert order.json()["total"] == 5 * 18000 + 4000
    assert (await api.get("/api/v1/products/KAHWA")).json()["stock"] == 0


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"price": -1}, "price"),
        ({"price": "12.00"}, "price"),
        ({"stock": 0}, "stock"),
        ({"image_urls": ["ftp://x"]}, "image_url"),
        ({"colour": "red"}, "colour"),
    ],
)
async def test_invalid_products_are_refused_with_422(
    api: httpx.AsyncClient, change: dict[str, Any], problem: str
) -> None:
    response = await api.post("/api/v1/products", json=NEW | change)
    assert response.status_code == 422
    assert problem in response.json()["error"]
    assert (await api.get("/api/v1/products/KAHWA")).status_code == 404


async def test_a_duplicate_sku_is_a_conflict(api: httpx.AsyncClient) -> None:
    response = await api.post("/api/v1/products", json=NEW | {"sku": "TEA"})
    assert (response.status_code, response.json()["code"]) == (409, "duplicate_sku")


async def test_patch_changes_only_what_is_sent(api: httpx.AsyncClient) -> None:
    response = await api.patch("/api/v1/products/TEA", json={"price": 12550, "active": False})
    assert response.status_code == 200
    assert {k: response.json()[k] for k in ("price", "active", "name", "stock")} == {
        "price": 12550,
        "active": False,
        "name": "Masala chai",
        "stock": 10,
    }
    untracked = await api.patch("/api/v1/products/TEA", json={"stock": None})
    assert untracked.json()["stock"] is None
    sold_out = await api.patch("/api/v1/products/TEA", json={"stock": 0})
    assert sold_out.json()["stock"] == 0


@pytest.mark.parametrize(
    ("sku", "change", "status"),
    [
        ("NOPE", {"price": 1}, 404),
        ("TEA", {"name": None}, 422),
        ("TEA", {"price": -5}, 422),
        ("TEA", {"sku": "NEW"}, 422),
        ("TEA", {"stock": -1}, 422),
    ],
)
async def test_bad_patches_change_nothing(
    api: httpx.AsyncClient, sku: str, change: dict[str, Any], status: int
) -> None:
    response = await api.patch(f"/api/v1/products/{sku}", json=change)
    assert response.status_code == status
    assert "error" in response.json()
    assert (await api.get("/api/v1/products/TEA")).json()["price"] == 12000
