"""`POST /webhooks/stripe`: the signature checked on the raw body by the official library, each event applied
once; a forged, stale or unsigned delivery changes nothing."""

from __future__ import annotations

import logging

from bot.turns.failures import is_transient
from bot.web.direct_routes import Handler, RawResponse, error_response
from channels.base import WebhookRequest
from orders.errors import PaymentNotRecorded
from orders.payment_services import PaymentService
from orders.payments.gateway import BadSignature, PaymentGateway

log = logging.getLogger(__name__)


def payment_webhook(gateway: PaymentGateway | None, payments: PaymentService) -> Handler:
    """The provider's webhook route; 404 while no provider is configured."""

    async def handle(request: WebhookRequest) -> RawResponse:
        if gateway is None:
            return error_response(404, "Stripe is not configured", "not_configured")
        if request.method != "POST":
            return error_response(405, "use POST", "method_not_allowed")
        return await _receive(gateway, payments, request)

    return handle


async def _receive(gateway: PaymentGateway, payments: PaymentService, request: WebhookRequest) -> RawResponse:
    try:
        event = gateway.event(request.body, request.headers.get("stripe-signature"))
    except BadSignature as exc:
        log.warning("Stripe webhook refused: %s", exc)
        return error_response(400, f"bad signature: {exc}", "bad_signature")
    except ValueError as exc:
        return error_response(400, str(exc), "bad_event")
    if event is None:
        return RawResponse.json({"received": True, "applied": False})
    try:
        applied = await payments.apply(event, gateway.name)
    except PaymentNotRecorded as exc:
        # Its payment's own event has not arrived yet: Stripe delivers this one again later.
        return error_response(409, str(exc), exc.code)
    except Exception as exc:
        if is_transient(exc):
            return error_response(503, "temporarily unavailable", "unavailable")
        raise
    return RawResponse.json({"received": True, "applied": applied})
