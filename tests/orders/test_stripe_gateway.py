"""The Stripe adapter through the official library against the fake Stripe API: what a Checkout Session
request carries (form-encoded, amounts in Stripe's exponent, the idempotency key), and how errors read."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import pytest

from orders.payments.gateway import BadSignature, CheckoutRequest, GatewayError
from orders.payments.stripe_gateway import StripeGateway
from tests.fakes import serve_fake
from tests.stripe_fake import SECRET_KEY, WEBHOOK_SECRET, StripeFake, sign


@pytest.fixture
async def stripe_api() -> AsyncIterator[StripeFake]:
    fake = StripeFake()
    async with serve_fake(fake.server):
        yield fake


@pytest.fixture
async def gateway(stripe_api: StripeFake) -> AsyncIterator[StripeGateway]:
    adapter = StripeGateway(SECRET_KEY, WEBHOOK_SECRET, stripe_api.url)
    yield adapter
    await adapter.aclose()


def request(amount: int, currency: str, key: str = "k1") -> CheckoutRequest:
    return CheckoutRequest(
        order_number=1001,
        amount=amount,
        currency=currency,
        description="Order #1001",
        success_url="https://shop.example/pay/t/done?session_id={CHECKOUT_SESSION_ID}",
        cancel_url="https://shop.example/pay/t",
        expires_at=datetime.now(UTC) + timedelta(hours=23),
        idempotency_key=key,
    )


@pytest.mark.parametrize(
    ("amount", "currency", "sent"), [(1200, "JPY", "1200"), (12340, "KWD", "12340"), (500, "ISK", "50000")]
)
async def test_a_checkout_session_carries_the_total_in_stripes_exponent(
    stripe_api: StripeFake, gateway: StripeGateway, amount: int, currency: str, sent: str
) -> None:
    checkout = await gateway.checkout(request(amount, currency))
    [call] = stripe_api.creations
    form = {k: v[0] for k, v in parse_qs(call.body.decode()).items()}
    assert form["line_items[0][price_data][unit_amount]"] == sent
    assert form["line_items[0][price_data][currency]"] == currency.lower()
    assert (form["metadata[order_number]"], form["client_reference_id"], form["mode"]) == (
        "1001",
        "1001",
        "payment",
    )
    assert "payment_method_types[0]" not in form  # Checkout offers what the merchant enabled
    assert call.headers["idempotency-key"] == "k1"
    assert checkout.url.endswith(checkout.reference)


async def test_the_same_key_gives_the_same_session_and_errors_say_whether_to_retry(
    stripe_api: StripeFake, gateway: StripeGateway
) -> None:
    first = await gateway.checkout(request(1200, "JPY"))
    assert (await gateway.checkout(request(1200, "JPY"))).reference == first.reference
    stripe_api.fail_next = [503]
    with pytest.raises(GatewayError) as outage:
        await gateway.checkout(request(1200, "JPY", key="k2"))
    assert outage.value.transient
    with pytest.raises(GatewayError) as refused:
        await gateway.checkout(request(1300, "JPY"))  # the same key with other parameters
    assert not refused.value.transient
    assert await gateway.account() == "acct_1TEST"


async def test_an_unreachable_stripe_is_a_transient_error() -> None:
    gateway = StripeGateway(SECRET_KEY, WEBHOOK_SECRET, "http://127.0.0.1:9")
    with pytest.raises(GatewayError) as unreachable:
        await gateway.checkout(request(1200, "JPY"))
    await gateway.aclose()
    assert unreachable.value.transient


def test_only_a_fresh_signature_with_the_webhook_secret_verifies() -> None:
    gateway = StripeGateway(SECRET_KEY, WEBHOOK_SECRET, "http://127.0.0.1:9")
    body = b'{"id": "evt_1", "type": "customer.created", "data": {"object": {}}}'
    assert gateway.event(body, sign(body)) is None  # verified; a kind that changes nothing
    for signature in (None, "", sign(body, "whsec_other"), sign(body, timestamp=1), "t=1,v1=00"):
        with pytest.raises(BadSignature):
            gateway.event(body, signature)
    with pytest.raises(BadSignature):
        gateway.event(body + b" ", sign(body))  # tampered after signing
    with pytest.raises(ValueError, match="not a Stripe event"):
        gateway.event(b"[1]", sign(b"[1]"))
