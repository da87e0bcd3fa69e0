"""The order page's Payments card in Chromium: a partly paid order, the rest recorded on the page, a
mistaken payment voided; the pay link of an online order copied and sent again; ops staff only read it."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from bot.staff.roles import Role
from tests.dashboard.conftest import PHONE, Shop, no_sideways_scroll, screenshot, signed_in
from tests.dashboard.test_payments_tab import PHONE_ORDER
from tests.shop import API_HEADERS

if TYPE_CHECKING:
    from playwright.async_api import Browser

playwright = pytest.importorskip("playwright.async_api")
expect = playwright.expect


async def test_the_rest_of_a_partly_paid_order_is_recorded_on_its_page(browser: Browser, shop: Shop) -> None:
    placed = await shop.client.post("/api/v1/orders", json=PHONE_ORDER, headers=API_HEADERS)
    number = placed.json()["number"]
    await shop.client.post(
        f"/api/v1/orders/{number}/payments", json={"amount": 5000, "method": "cash"}, headers=API_HEADERS
    )
    email = await shop.member("ravi@chai.example", Role.MANAGER)
    page = await signed_in(browser, shop, email)
    page.on("dialog", lambda dialog: dialog.accept())
    await page.goto(f"{shop.url}/admin/orders/{number}")
    card = page.get_by_role("region", name="Payments")
    await expect(card).to_contain_text("Partial ₹50.00 paid, ₹70.00 remaining")
    await card.get_by_text("Record payment").click()
    await card.get_by_label("Amount").fill("70.00")
    await card.get_by_label("Method").select_option(label="Bank transfer")
    await card.get_by_label("Reference").fill("UTR 99")
    await card.get_by_role("button", name="Save payment").click()
    await expect(page).to_have_url(re.compile(r"\?payment=recorded#payments$"))
    await expect(card).to_contain_text("Payment recorded.")
    await expect(card).to_contain_text("Fully paid")
    await expect(card).to_contain_text("₹70.00 · Bank transfer · 58.3%")
    await screenshot(page, "order-payments-card")

    await card.get_by_role("button", name=re.compile("^Void payment #2")).click()
    await expect(card).to_contain_text("Payment voided; it stays in the list.")
    await expect(card).to_contain_text("voided by ravi@chai.example")
    order = (await shop.client.get(f"/api/v1/orders/{number}", headers=API_HEADERS)).json()
    assert (order["payment_status"], order["amount_due"]) == ("partially_paid", 7000)

    await card.get_by_role("button", name="Accept as paid").click()
    await expect(card).to_contain_text("The partial payment is accepted")
    order = (await shop.client.get(f"/api/v1/orders/{number}", headers=API_HEADERS)).json()
    assert order["payment_status"] == "paid"

    await card.get_by_text("Record payment").count()  # nothing is due now: no form
    await expect(card.get_by_role("button", name="Save payment")).to_have_count(0)
    phone = await signed_in(browser, shop, email, viewport=PHONE)
    await phone.goto(f"{shop.url}/admin/orders/{number}")
    assert await no_sideways_scroll(phone)


async def test_a_bad_amount_is_explained_and_ops_only_read_the_card(browser: Browser, shop: Shop) -> None:
    placed = await shop.client.post("/api/v1/orders", json=PHONE_ORDER, headers=API_HEADERS)
    number = placed.json()["number"]
    manager = await shop.member("ravi@chai.example", Role.MANAGER)
    page = await signed_in(browser, shop, manager)
    await page.goto(f"{shop.url}/admin/orders/{number}")
    card = page.get_by_role("region", name="Payments")
    await card.get_by_text("Record payment").click()
    await card.get_by_label("Amount").fill("12.345")
    await card.get_by_role("button", name="Save payment").click()
    await expect(card.get_by_role("alert")).to_contain_text("Not recorded: Amount:")
    ops = await signed_in(browser, shop, await shop.member("ops@chai.example", Role.OPS))
    await ops.goto(f"{shop.url}/admin/orders/{number}")
    ops_card = ops.get_by_role("region", name="Payments")
    await expect(ops_card).to_contain_text("Not paid ₹120.00 due")
    await expect(ops_card.get_by_text("Record payment")).to_have_count(0)
    refused = await ops.request.post(
        f"{shop.url}/admin/orders/{number}/payments", form={"amount": "1", "method": "cash"}
    )
    assert refused.status == 403
