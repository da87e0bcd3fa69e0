"""The Payments tab in Chromium, as a manager uses it: a phone order paid half in cash and half by bank
transfer, a mistaken payment voided, filters in the URL, the CSV export; ops staff are kept out."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from bot.staff.roles import Role
from tests.dashboard.conftest import PHONE, Shop, no_sideways_scroll, screenshot, signed_in
from tests.fakes import serve_fake
from tests.shop import API_HEADERS, running_shop, shop_settings
from tests.stripe_fake import SECRET_KEY, WEBHOOK_SECRET, StripeFake

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

playwright = pytest.importorskip("playwright.async_api")
expect = playwright.expect

PHONE_ORDER = {
    "customer": {"name": "Meera <b>Iyer</b>", "phone": "+91 90000 00002"},
    "items": [{"sku": "SNACK-SAMOSA", "quantity": 2}],  # ₹120.00
    "delivery": {"method": "shipping", "address": "4 Lake View"},
}


async def record(page: Page, number: str, amount: str, method: str, comment: str = "") -> None:
    await page.get_by_label("Order number").fill(number)
    await page.get_by_label("Amount").fill(amount)
    await page.get_by_label("Method").select_option(label=method)
    await page.get_by_label("Buyer's comment").fill(comment)
    await page.get_by_role("button", name="Record payment").click()


async def test_a_phone_order_is_paid_half_in_cash_and_half_by_transfer_from_the_dashboard(
    browser: Browser, shop: Shop
) -> None:
    placed = await shop.client.post("/api/v1/orders", json=PHONE_ORDER, headers=API_HEADERS)
    number = str(placed.json()["number"])
    email = await shop.member("ravi@chai.example", Role.MANAGER)
    page = await signed_in(browser, shop, email)
    page.on("dialog", lambda dialog: dialog.accept())
    await page.get_by_role("link", name="Payments").click()
    await expect(page.get_by_role("heading", name=re.compile("^Payments"))).to_be_visible()
    await expect(page.get_by_text("No payments yet.")).to_be_visible()

    await record(page, number, "60.00", "Cash", "paid at the door <script>")
    await expect(page.get_by_role("status").first).to_have_text(
        f"Recorded on order #{number}. Payment: partially paid; due ₹60.00."
    )
    await record(page, number, "61.00", "Bank transfer")  # a typo: one rupee too much
    await record(page, number, "abc", "Cash")
    await expect(page.get_by_role("alert")).to_contain_text("Not recorded: Amount:")
    rows = page.locator("table.pay-list tbody tr")
    await expect(rows).to_have_count(2)
    await expect(rows.nth(0)).to_contain_text("₹61.00")
    await expect(rows.nth(1)).to_contain_text("paid at the door <script>")  # shown as text, escaped
    await expect(rows.nth(1)).to_contain_text("50%")
    order = (await shop.client.get(f"/api/v1/orders/{number}", headers=API_HEADERS)).json()
    assert (order["payment_status"], order["status"]) == ("paid", "confirmed")

    await rows.nth(0).get_by_role("button", name="Void").click()  # the typo is voided, and stays listed
    await expect(rows.nth(0)).to_contain_text("Voided")
    await record(page, number, "60.00", "Bank transfer", "UTR 7781")
    await expect(rows).to_have_count(3)
    order = (await shop.client.get(f"/api/v1/orders/{number}", headers=API_HEADERS)).json()
    assert (order["payment_status"], order["amount_paid"], order["amount_due"]) == ("paid", 12000, 0)
    await screenshot(page, "payments-desktop")

    await page.get_by_label("Status").select_option(label="Voided")
    await page.get_by_role("button", name="Filter").click()
    await expect(page).to_have_url(re.compile(r"/admin/payments\?status=voided"))
    await expect(rows).to_have_count(1)
    export = await page.request.get(f"{shop.url}/admin/payments/export.csv?status=voided")
    lines = (await export.text()).splitlines()
    assert lines[0].startswith("payment,order,date,customer,method") and len(lines) == 2
    assert ",bank_transfer,manual,,voided,INR,61.00,50.8%,0.00,61.00,0.00," in lines[1]

    phone = await signed_in(browser, shop, email, viewport=PHONE)
    await phone.goto(f"{shop.url}/admin/payments")
    assert await no_sideways_scroll(phone)
    await screenshot(phone, "payments-phone")


async def test_ops_staff_do_not_see_payments(browser: Browser, shop: Shop) -> None:
    email = await shop.member("ops@chai.example", Role.OPS)
    page = await signed_in(browser, shop, email)
    await expect(page.get_by_role("link", name="Payments")).to_have_count(0)
    response = await page.goto(f"{shop.url}/admin/payments")
    assert response is not None and response.status == 403
    refused = await page.request.post(f"{shop.url}/admin/payments", form={"number": "1001", "amount": "1"})
    assert refused.status == 403


@pytest.fixture
async def stripe_shop(tmp_path: Path) -> AsyncIterator[tuple[Shop, StripeFake]]:
    fake = StripeFake()
    async with serve_fake(fake.server):
        settings = shop_settings(
            tmp_path,
            stripe_secret_key=SECRET_KEY,
            stripe_webhook_secret=WEBHOOK_SECRET,
            stripe_api_url=fake.url,
            public_url="https://shop.example",
        )
        async with running_shop(settings) as (client, services):
            yield Shop(str(client.base_url).rstrip("/"), client, services), fake


async def test_delivered_cash_is_recorded_in_one_click_and_stripe_shows_connected(
    browser: Browser, stripe_shop: tuple[Shop, StripeFake]
) -> None:
    shop, _fake = stripe_shop
    placed = await shop.client.post("/api/v1/orders", json=PHONE_ORDER, headers=API_HEADERS)
    number = placed.json()["number"]
    for status in ("confirmed", "shipped", "delivered"):
        moved = await shop.client.post(
            f"/api/v1/orders/{number}/status", json={"status": status}, headers=API_HEADERS
        )
        assert moved.status_code == 200
    email = await shop.member("owner@chai.example", Role.OWNER)
    page = await signed_in(browser, shop, email)
    await page.goto(f"{shop.url}/admin/payments")
    stripe_card = page.get_by_role("region", name="Online payments (Stripe)")
    await expect(stripe_card).to_contain_text("Connected account acct_1TEST")
    await expect(stripe_card).to_contain_text("https://shop.example/webhooks/stripe")
    await expect(page.get_by_role("region", name="Cash to collect")).to_contain_text("₹120.00")
    await screenshot(page, "payments-cash-to-collect")
    await page.get_by_role("button", name=f"Record cash for #{number}").click()
    await expect(page.get_by_role("status").first).to_have_text(
        f"Cash recorded on order #{number}: paid in full."
    )
    await expect(page.get_by_role("region", name="Cash to collect")).to_have_count(0)
    order = (await shop.client.get(f"/api/v1/orders/{number}", headers=API_HEADERS)).json()
    assert (order["payment_status"], order["payments"][0]["method"]) == ("paid", "cash")
