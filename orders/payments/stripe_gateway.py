"""The merchant's own Stripe account through the official library: Checkout Sessions and signed webhooks."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import stripe

from orders.payments.amounts import from_stripe, to_stripe
from orders.payments.gateway import (
    BadSignature,
    Checkout,
    CheckoutRequest,
    GatewayError,
    PaymentEvent,
    PaymentOutcome,
    SessionState,
)

TOLERANCE = 300  # seconds: an older signed timestamp is refused (0 would turn the check off)
_PAID_KINDS = ("checkout.session.completed", "checkout.session.async_payment_succeeded")
_FAILED_KINDS = ("checkout.session.async_payment_failed", "checkout.session.expired")


def _number(metadata: Any) -> int | None:
    if isinstance(metadata, stripe.StripeObject):
        metadata = metadata.to_dict()  # a StripeObject is no dict (`.get` raises)
    raw = str((metadata or {}).get("order_number", ""))
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 10 else None


def _error(exc: stripe.StripeError) -> GatewayError:
    """Network failures, rate limits and Stripe's own 5xx may pass; a refused request will not."""
    status = exc.http_status or 0
    transient = isinstance(exc, stripe.APIConnectionError | stripe.RateLimitError) or status >= 500
    return GatewayError(f"Stripe: {type(exc).__name__}: {exc.user_message or exc}", transient=transient)


class StripeGateway:
    """Checkout Sessions for order totals, read back and verified events, on the merchant's account."""

    name = "stripe"

    def __init__(self, secret_key: str, webhook_secret: str, api_url: str) -> None:
        # Retries are the outbox's (with the same idempotency key), not the library's.
        self._http = stripe.HTTPXClient()
        self._client = stripe.StripeClient(
            secret_key,
            base_addresses={"api": api_url.rstrip("/")},
            http_client=self._http,
            max_network_retries=0,
        )
        self._webhook_secret = webhook_secret

    async def aclose(self) -> None:
        await self._http.close_async()  # type: ignore[no-untyped-call]  # untyped in stripe 16

    async def checkout(self, request: CheckoutRequest) -> Checkout:
        number = str(request.order_number)
        item = {
            "price_data": {
                "currency": request.currency.lower(),
                "unit_amount": to_stripe(request.amount, request.currency),
                "product_data": {"name": request.description},
            },
            "quantity": 1,
        }
        params: dict[str, Any] = {
            "mode": "payment",
            "line_items": [item],
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
            "client_reference_id": number,
            "metadata": {"order_number": number},
            "payment_intent_data": {"metadata": {"order_number": number}},
            "expires_at": int(request.expires_at.timestamp()),
        }
        try:
            session = await self._client.v1.checkout.sessions.create_async(
                params,  # type: ignore[arg-type]
                {"idempotency_key": request.idempotency_key},
            )
        except stripe.StripeError as exc:
            raise _error(exc) from None
        expires = datetime.fromtimestamp(session.expires_at, UTC) if session.expires_at else None
        return Checkout(str(session.url or ""), session.id, expires)

    async def session(self, session_id: str) -> SessionState:
        try:
            s = await self._client.v1.checkout.sessions.retrieve_async(session_id)
        except stripe.StripeError as exc:
            raise _error(exc) from None
        currency = str(s.currency or "usd").upper()
        return SessionState(
            session_id=s.id,
            open=s.status == "open",
            paid=s.payment_status == "paid",
            amount=from_stripe(int(s.amount_total or 0), currency),
            currency=currency,
            reference=_reference(s.payment_intent) or s.id,
            order_number=_number(s.metadata),
        )

    async def account(self) -> str:
        try:
            found = await self._client.v1.accounts.retrieve_current_async()
        except stripe.StripeError as exc:
            raise _error(exc) from None
        return str(found.id)

    def event(self, body: bytes, signature: str | None) -> PaymentEvent | None:
        if not signature:
            raise BadSignature("missing Stripe-Signature header")
        try:
            stripe.WebhookSignature.verify_header(body, signature, self._webhook_secret, TOLERANCE)
        except stripe.SignatureVerificationError as exc:
            raise BadSignature(str(exc)) from None
        try:
            data = json.loads(body)
            return parse_event(data)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"not a Stripe event: {exc}") from None


def _reference(payment_intent: Any) -> str:
    if isinstance(payment_intent, str):
        return payment_intent
    if isinstance(payment_intent, dict):
        return str(payment_intent.get("id", ""))
    return str(getattr(payment_intent, "id", "") or "")


def parse_event(data: dict[str, Any]) -> PaymentEvent | None:
    """A verified event's meaning for an order; None for kinds (or sessions) that change nothing."""
    kind, obj = str(data["type"]), data["data"]["object"]
    event_id = str(data["id"])
    currency = str(obj.get("currency") or "usd").upper()
    if kind in _PAID_KINDS or kind in _FAILED_KINDS:
        number = _number(obj.get("metadata"))
        if number is None:
            return None  # a checkout of another integration on the same account
        if kind == "checkout.session.completed" and obj.get("payment_status") != "paid":
            return None  # a delayed method: async_payment_succeeded or _failed follows
        outcome = PaymentOutcome.PAID if kind in _PAID_KINDS else PaymentOutcome.FAILED
        return PaymentEvent(
            event_id=event_id,
            kind=kind,
            outcome=outcome,
            order_number=number,
            amount=from_stripe(int(obj.get("amount_total") or 0), currency),
            currency=currency,
            reference=_reference(obj.get("payment_intent")) or str(obj["id"]),
            session_id=str(obj["id"]),
        )
    if kind == "charge.refunded":
        return PaymentEvent(
            event_id=event_id,
            kind=kind,
            outcome=PaymentOutcome.REFUNDED,
            order_number=_number(obj.get("metadata")),
            amount=from_stripe(int(obj.get("amount") or 0), currency),
            currency=currency,
            reference=_reference(obj.get("payment_intent")) or str(obj["id"]),
            refunded=from_stripe(int(obj.get("amount_refunded") or 0), currency),
        )
    return None
