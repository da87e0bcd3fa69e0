"""Staff sign-in to the dashboard, as a person does it in a browser: the first owner's link, sign-in and
sign-out, throttled guesses, refused roles and forms from elsewhere."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import httpx
import pytest

from bot.staff.roles import Role
from tests.dashboard.conftest import PASSWORD, Shop, screenshot, signed_in

if TYPE_CHECKING:
    from playwright.async_api import Browser

playwright = pytest.importorskip("playwright.async_api")
expect = playwright.expect


async def test_the_first_owner_sets_a_password_through_the_one_time_link(
    browser: Browser, shop: Shop
) -> None:
    token = await shop.services.staff.new_setup_link()
    page = await browser.new_page()
    await page.goto(f"{shop.url}/admin/setup?token={token}")
    await page.get_by_label("Email").fill("owner@chai.example")
    await page.get_by_label("Password", exact=True).fill("correct-horse-battery")
    await page.get_by_label("Password again").fill("correct-horse-battery")
    await page.get_by_role("button", name="Create the owner's account").click()
    await expect(page.get_by_role("heading", name=re.compile("^Orders"))).to_be_visible()
    again = await shop.client.get(f"/admin/setup?token={token}", follow_redirects=False)
    assert again.status_code == 303  # an owner exists: the link is spent


async def test_every_page_asks_for_a_sign_in_and_comes_back_after_it(browser: Browser, shop: Shop) -> None:
    await shop.member("asha@chai.example", Role.OPS)
    page = await browser.new_page()
    await page.goto(f"{shop.url}/admin/orders?q=asha")
    await expect(page).to_have_url(re.compile(r"/admin/login\?next="))
    await screenshot(page, "sign-in")
    await page.get_by_label("Email").fill("asha@chai.example")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page).to_have_url(re.compile(r"/admin/orders\?q=asha$"))
    await page.get_by_role("button", name="Sign out").click()
    await expect(page).to_have_url(re.compile("/admin/login$"))
    await page.goto(f"{shop.url}/admin/orders")
    await expect(page).to_have_url(re.compile(r"/admin/login\?next="))


async def test_wrong_passwords_are_throttled_for_the_account_even_with_the_right_one(
    browser: Browser, shop: Shop
) -> None:
    await shop.member("ravi@chai.example", Role.MANAGER)
    page = await browser.new_page()
    await page.goto(f"{shop.url}/admin/login")
    for _ in range(5):
        await page.get_by_label("Email").fill("ravi@chai.example")
        await page.get_by_label("Password").fill("not-the-password")
        await page.get_by_role("button", name="Sign in").click()
        await expect(page.get_by_role("alert")).to_have_text("Wrong email or password.")
    await page.get_by_label("Email").fill("ravi@chai.example")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("alert")).to_contain_text("Too many failed sign-ins")


async def test_a_role_without_access_is_refused_the_staff_page(browser: Browser, shop: Shop) -> None:
    await shop.member("ops@chai.example", Role.OPS)
    page = await signed_in(browser, shop, "ops@chai.example")
    await expect(page.get_by_role("link", name="Staff")).to_have_count(0)  # not even offered
    response = await page.goto(f"{shop.url}/admin/staff")
    assert response is not None and response.status == 403
    await expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()


async def test_the_owner_adds_an_account_that_can_then_sign_in(browser: Browser, shop: Shop) -> None:
    await shop.member("owner@chai.example", Role.OWNER)
    page = await signed_in(browser, shop, "owner@chai.example")
    await page.get_by_role("link", name="Staff").click()
    await page.get_by_label("Email").fill("new-ops@chai.example")
    await page.get_by_label("Role").select_option("ops")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Add").click()
    await expect(
        page.get_by_role("status").filter(has_text="new-ops@chai.example can now sign in as ops")
    ).to_be_visible()
    await screenshot(page, "staff")
    other = await signed_in(browser, shop, "new-ops@chai.example")
    await expect(other.get_by_role("heading", name=re.compile("^Orders"))).to_be_visible()


async def test_a_form_without_the_sessions_token_changes_nothing(shop: Shop) -> None:
    await shop.member("owner@chai.example", Role.OWNER)
    async with httpx.AsyncClient(base_url=shop.url) as client:
        form = await client.get("/admin/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert csrf is not None
        fields = {"email": "owner@chai.example", "password": PASSWORD, "csrf": csrf.group(1)}
        signed = await client.post("/admin/login", data=fields)
        assert signed.status_code == 303
        forged = await client.post(
            "/admin/staff", data={"email": "eve@evil.example", "role": "owner", "password": "x" * 12}
        )
        assert forged.status_code == 403
    assert [m.email for m in await shop.services.staff.members()] == ["owner@chai.example"]
