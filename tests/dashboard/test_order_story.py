"""The order page tells the order's story truly: the stepper marks only steps the order passed as done (a
step it jumped over as skipped), and every history entry, payments included, reads as a sentence."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest

from bot.staff.roles import Role
from bot.web.dashboard.order_history import history
from bot.web.dashboard.order_view import stepper
from orders.commands import ChangeStatus
from orders.model import Order, OrderEvent, Payment
from orders.payments.manual import ManualPayment
from orders.status import OrderStatus
from tests.dashboard.conftest import PHONE, Shop, no_sideways_scroll, screenshot, signed_in
from tests.dashboard.test_order_page import XSS, open_order, place

if TYPE_CHECKING:
    from playwright.async_api import Browser

playwright = pytest.importorskip("playwright.async_api")
expect = playwright.expect
AT = datetime(2026, 11, 2, 10, 30, tzinfo=UTC)
S = OrderStatus


def _moved(order: Order, *path: OrderStatus) -> Order:
    events = [
        OrderEvent("status_changed", "ops@chai.example", AT, {"from": a.value, "to": b.value})
        for a, b in zip((S.PENDING, *path), path, strict=False)
    ]
    return replace(order, status=path[-1], history=(*order.history, *events))


async def test_only_steps_the_order_passed_are_done(shop: Shop) -> None:
    order = await shop.services.orders.get(await place(shop))
    states = {s.label: s.state for s in stepper(_moved(order, S.CONFIRMED, S.SHIPPED))}
    assert states == {
        "New": "done",
        "Confirmed": "done",
        "Collected": "skipped",
        "In transit": "current",
        "Delivered": "todo",
    }
    # A history that never names Confirmed or Collected (an order moved before history was kept).
    jumped = replace(order, status=S.SHIPPED)
    assert [s.state for s in stepper(jumped)] == ["done", "skipped", "skipped", "current", "todo"]
    walked = _moved(order, S.CONFIRMED, S.COLLECTED, S.SHIPPED, S.DELIVERED)
    assert [s.state for s in stepper(walked)] == ["done", "done", "done", "done", "current"]


async def test_every_payment_event_reads_as_a_sentence(shop: Shop) -> None:
    order = await shop.services.orders.get(await place(shop))
    paid = Payment(24000, "INR", "manual", "voided", id=7, method="bank_transfer")
    events: list[tuple[str, dict[str, object]]] = [
        ("payment_received", {"payment_id": 8, "amount": 12000, "method": "stripe"}),
        ("payment_voided", {"payment_id": 7}),
        ("payment_refunded", {"payment_id": 8, "refunded": 5000, "amount": 12000}),
        ("payment_failed", {"event": "checkout.session.expired"}),
        ("partial_payment_accepted", {"due": 4000}),
        ("payment_link_renewed", {"attempt": 2, "session": "cs_2"}),
        ("notification_sent", {"to": "customer", "recipient": "telegram:42", "template": "status_shipped"}),
        ("notification_failed", {"to": "admin", "template": "admin_new_order", "error": "blocked"}),
    ]
    told = replace(
        order,
        payments=(paid,),
        history=tuple(OrderEvent(kind, "stripe", AT, data) for kind, data in events),
    )
    lines = [f"{e.title}: {e.detail}" for e in reversed(history(told))]
    assert lines == [
        "Payment received: ₹120.00 (Stripe)",
        "Payment voided: ₹240.00 (Bank transfer) no longer counts",
        "Payment refunded: ₹50.00 of ₹120.00 given back",
        "Payment failed: the checkout expired before the shopper paid",
        "Partial payment accepted: ₹40.00 left unpaid, order settled",
        "Payment link renewed: checkout attempt 2",
        "Message sent: “In transit” notice to the shopper",
        "Message not sent: new-order alert to the admin chat: blocked",
    ]
    assert all("{" not in line and "_" not in line for line in lines)  # no raw data left


async def test_the_page_shows_the_story_with_skipped_steps_and_payments(browser: Browser, shop: Shop) -> None:
    number = await place(shop)
    orders = shop.services.orders
    await orders.change_status(ChangeStatus(number, S.CONFIRMED, "ops@chai.example"))
    await orders.change_status(ChangeStatus(number, S.SHIPPED, "ops@chai.example", tracking_number=XSS))
    await shop.services.payments.record(number, ManualPayment(24000, "cash"), "ops@chai.example")
    member = await shop.member("ops@chai.example", Role.OPS)
    page = await signed_in(browser, shop, member)
    dialogs: list[str] = []
    page.on("dialog", lambda d: dialogs.append(d.message))
    await open_order(page, shop, number)
    stepper_list = page.get_by_role("list", name="Delivery progress")
    await expect(stepper_list.locator(".step-skipped")).to_have_text("Collectedskipped")
    await expect(stepper_list.locator(".step-done")).to_have_count(2)
    story = page.get_by_role("region", name="Order history")
    await expect(story).to_contain_text("Payment received: ₹240.00 (Cash)")
    await expect(story).to_contain_text(f"Confirmed → In transit; tracking number: {XSS}")
    await expect(story.locator("img")).to_have_count(0)
    assert dialogs == []
    await screenshot(page, "order-story-desktop")
    phone = await signed_in(browser, shop, member, viewport=PHONE)
    await open_order(phone, shop, number)
    assert await no_sideways_scroll(phone)
    await screenshot(phone, "order-story-phone")
