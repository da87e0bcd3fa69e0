"""The order page's forms sent by hand, not by the page: odd and hostile values get a 4xx page, never a 500,
and change nothing; a form without the session's token is refused."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest

from bot.staff.roles import Role
from orders.commands import LineRequest, PlaceOrder
from orders.model import Customer
from tests.dashboard.conftest import PASSWORD, Shop
from tests.shop import API_HEADERS


@pytest.fixture
async def staff(shop: Shop) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    """A client signed in as an ops member, and the session's CSRF token."""
    await shop.member("ops@chai.example", Role.OPS)
    async with httpx.AsyncClient(base_url=shop.url) as client:
        form = await client.get("/admin/login")
        token = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert token is not None
        fields = {"email": "ops@chai.example", "password": PASSWORD, "csrf": token.group(1)}
        assert (await client.post("/admin/login", data=fields)).status_code == 303
        page = await client.get("/admin/orders/new")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert csrf is not None
        yield client, csrf.group(1)


HOSTILE: list[dict[str, str | list[str]]] = [
    {"cards": "products", "add_sku": "CHAI\x00MASALA"},
    {"cards": "products", "add_sku": "X" * 5000},
    {"cards": "products", "line": ["pos:999999999999"], "line_qty": ["1"]},
    {"cards": "products", "line": ["pos:0"], "line_qty": ["-4"]},
    {"cards": "products", "line": ["pos:0"], "line_qty": ["99999999999999999999"]},
    {"cards": "products", "line": ["pos:0"], "line_qty": ["two"]},
    {"cards": "products", "line": ["sku:NO-SUCH"], "line_qty": ["1"], "line_fields": ["{not json"]},
    {"cards": "products", "discount": "1e999"},
    {"cards": "products", "discount": "-5"},
    {"cards": "products", "delivery_fee": "12.345"},
    {"cards": "customer", "customer_name": "A\x00B"},
    {"cards": "customer", "customer_email": "a@b.c" + "x" * 300},
    {"cards": "delivery", "expected_delivery": "2026-02-30"},
    {"cards": "delivery", "status": "teleported"},
    {"cards": "delivery", "status": "delivered"},
    {"cards": "delivery", "tracking_number": "T" * 101},
    {"cards": "warehouse", "warehouse": "W" * 101},
    {"cards": "sales", "assignee": "stranger@example.com"},
]


async def test_hostile_order_forms_are_refused_politely(
    shop: Shop, staff: tuple[httpx.AsyncClient, str]
) -> None:
    placed = await shop.services.orders.place(
        PlaceOrder(lines=(LineRequest(2, "CHAI-MASALA"),), customer=Customer("Asha"), delivery_address="1 Rd")
    )
    before = await shop.services.orders.get(placed.order.number)
    client, csrf = staff
    for fields in HOSTILE:  # one shop for all: starting one per case costs a second each
        response = await client.post(f"/admin/orders/{before.number}", data={"csrf": csrf, **fields})
        assert 400 <= response.status_code < 500, (fields, response.text[:500])
        assert (await shop.services.orders.get(before.number)) == before, fields


async def test_forms_without_the_token_and_odd_urls_change_nothing(
    shop: Shop, staff: tuple[httpx.AsyncClient, str]
) -> None:
    placed = await shop.services.orders.place(
        PlaceOrder(lines=(LineRequest(1, "CHAI-MASALA"),), delivery_address="1 Rd")
    )
    number = placed.order.number
    client, csrf = staff
    forged = await client.post(f"/admin/orders/{number}/cancel", data={})
    assert forged.status_code == 403
    assert (await shop.services.orders.get(number)).status.value == "pending"
    for url in (f"/admin/orders/{number}?edit={'x' * 500}", "/admin/orders/%00", "/admin/orders/-1/print"):
        assert (await client.get(url)).status_code in (200, 404)
    everything = await client.get(f"/admin/orders/{number}?edit=1")  # the list's Edit row action
    assert everything.text.count('<fieldset class="card-edit">') == 5  # all but the sales manager (ops)
    refused = await client.post(f"/admin/orders/{number}/check", data={"csrf": csrf})
    assert refused.status_code == 403  # ops may not check sales
    empty = await client.post("/admin/orders/new", data={"csrf": csrf, "action": "place"})
    assert empty.status_code == 422 and "Add at least one product" in empty.text


async def test_a_save_over_someone_elses_newer_change_is_refused(
    shop: Shop, staff: tuple[httpx.AsyncClient, str]
) -> None:
    placed = await shop.services.orders.place(
        PlaceOrder(lines=(LineRequest(1, "CHAI-MASALA"),), delivery_address="1 Rd")
    )
    number = placed.order.number
    client, csrf = staff
    page = await client.get(f"/admin/orders/{number}")
    seen = re.search(r'name="seen" value="([^"]+)"', page.text)
    assert seen is not None
    await shop.client.patch(f"/api/v1/orders/{number}", json={"note": "theirs"}, headers=API_HEADERS)
    form = {"csrf": csrf, "seen": seen.group(1), "cards": "notes", "note": "mine"}
    refused = await client.post(f"/admin/orders/{number}", data=form)
    assert refused.status_code == 409 and "changed meanwhile" in refused.text
    assert (await shop.services.orders.get(number)).note == "theirs"
