"""REST API for the dashboard's figures: the stat cards for the list's filters, and the customers."""

from __future__ import annotations

import httpx
import pytest

from tests.bot.web.test_api_orders import ORDER, create, move


async def _cards(api: httpx.AsyncClient, query: str = "") -> dict[str | None, tuple[int, int | None]]:
    response = await api.get(f"/api/v1/orders/stats{query}")
    assert response.status_code == 200, response.text
    return {c["group"]: (c["count"], c["in_period"]) for c in response.json()["cards"]}


async def test_stats_count_each_group_for_the_same_filters_as_the_list(api: httpx.AsyncClient) -> None:
    for _ in range(3):
        await create(api)
    await move(api, 1001, "confirmed")
    await move(api, 1001, "shipped", tracking_number="AWB-1", carrier="Delhivery")
    await move(api, 1002, "cancelled")
    cards = await _cards(api)
    assert cards[None] == (3, None)
    assert (cards["new"], cards["in_transit"], cards["problematic"]) == ((1, None), (1, None), (1, None))
    assert (await _cards(api, "?carrier=DELHIVERY"))[None] == (1, None)
    assert (await _cards(api, "?tracking=AWB-1&group=new"))["in_transit"] == (1, None)  # group aside
    listed = await api.get("/api/v1/orders?tracking=AWB-1")
    assert [o["number"] for o in listed.json()["items"]] == [1001]
    period = await _cards(api, "?date_from=2000-01-01&date_to=2000-01-02")
    assert period[None] == (3, 0)  # none of them in that period


@pytest.mark.parametrize("query", ["?group=vip", "?date_from=yesterday", "?tracking=" + "x" * 101])
async def test_stats_refuse_a_bad_filter_with_a_422(api: httpx.AsyncClient, query: str) -> None:
    response = await api.get(f"/api/v1/orders/stats{query}")
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


async def test_customers_one_per_contact_with_figures_and_a_search(api: httpx.AsyncClient) -> None:
    await create(api)
    await create(api)
    other = ORDER | {"customer": {"name": "Ravi", "phone": "+91 90000 00000", "email": ""}}
    await create(api, other)
    response = await api.get("/api/v1/customers")
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 2
    ravi, asha = body["items"]  # the latest to order first
    assert (ravi["name"], ravi["orders"], ravi["markers"]) == ("Ravi", 1, ["New"])
    assert (asha["id"], asha["orders"], asha["spent"]) == ("website:tel:+91 98765 43210", 2, {"INR": 56000})
    found = await api.get("/api/v1/customers", params={"q": "asha@"})
    assert [c["name"] for c in found.json()["items"]] == ["Asha Rao"]


async def test_customers_need_the_token(api: httpx.AsyncClient) -> None:
    api.headers.pop("Authorization")
    assert (await api.get("/api/v1/customers")).status_code == 401
    assert (await api.get("/api/v1/orders/stats")).status_code == 401
