"""Play Stripe: a fake API on 127.0.0.1 that reads the library's form-encoded requests like Stripe does
(idempotency keys included), and signed events sent to the app's webhook the way Stripe signs them."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import httpx

from tests.fakes import FakeServer, Recorded

WEBHOOK_SECRET = "whsec_test_secret"
SECRET_KEY = "sk_test_123"


def sign(payload: bytes, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """Stripe's scheme: `t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<payload>")>`."""
    t = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


@dataclass
class StripeFake:
    """Checkout Sessions kept in memory; `complete`, `expire` and `refund` send the events Stripe would."""

    server: FakeServer = field(default_factory=FakeServer)
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    keys: dict[str, tuple[str, str]] = field(default_factory=dict)  # idempotency key -> (params, session id)
    fail_next: list[int] = field(default_factory=list)  # statuses to answer the next calls with
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    events: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.server.respond = self.respond

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def creations(self) -> list[Recorded]:
        return [r for r in self.server.requests if r.method == "POST" and r.path == "/v1/checkout/sessions"]

    def respond(self, request: Recorded) -> tuple[int, object]:
        if self.fail_next:
            return self.fail_next.pop(0), {"error": {"type": "api_error", "message": "Stripe is down"}}
        if not request.headers.get("authorization", "").startswith("Bearer sk_"):
            return 401, {"error": {"type": "invalid_request_error", "message": "no API key"}}
        if request.method == "POST" and request.path == "/v1/checkout/sessions":
            return self._create(request)
        if request.method == "GET" and request.path.startswith("/v1/checkout/sessions/"):
            found = self.sessions.get(request.path.rsplit("/", 1)[1])
            return (200, found) if found else (404, {"error": {"type": "invalid_request_error"}})
        if request.method == "GET" and request.path == "/v1/account":
            return 200, {"id": "acct_1TEST", "object": "account"}
        return 404, {"error": {"type": "invalid_request_error", "message": f"no route {request.path}"}}

    def _create(self, request: Recorded) -> tuple[int, object]:
        form = {k: v[0] for k, v in parse_qs(request.body.decode(), keep_blank_values=True).items()}
        key = request.headers.get("idempotency-key", "")
        body = json.dumps(form, sort_keys=True)
        if key in self.keys:
            params, session_id = self.keys[key]
            if params != body:  # Stripe refuses a key reused with other parameters
                return 400, {
                    "error": {"type": "idempotency_error", "message": "Keys for idempotent requests"}
                }
            return 200, self.sessions[session_id]
        expires = int(form["expires_at"])
        if not 1800 <= expires - int(time.time()) <= 86400 + 60:
            return 400, {"error": {"type": "invalid_request_error", "param": "expires_at"}}
        session_id = f"cs_test_{next(self._ids)}"
        session = {
            "id": session_id,
            "object": "checkout.session",
            "url": f"{self.url}/c/pay/{session_id}",
            "status": "open",
            "payment_status": "unpaid",
            "payment_intent": None,
            "amount_total": int(form["line_items[0][price_data][unit_amount]"]),
            "currency": form["line_items[0][price_data][currency]"],
            "metadata": {"order_number": form["metadata[order_number]"]},
            "client_reference_id": form["client_reference_id"],
            "expires_at": expires,
            "line_item_name": form["line_items[0][price_data][product_data][name]"],
        }
        self.sessions[session_id] = session
        self.keys[key] = (body, session_id)
        return 200, session

    # --- what happens on Stripe's side, and the events it sends --------------------------------------------

    def pay(self, session_id: str, *, delayed: bool = False) -> dict[str, Any]:
        session = self.sessions[session_id]
        session |= {"status": "complete", "payment_status": "unpaid" if delayed else "paid"}
        session["payment_intent"] = f"pi_{session_id.removeprefix('cs_test_')}"
        return self.event("checkout.session.completed", dict(session))

    def expire(self, session_id: str) -> dict[str, Any]:
        self.sessions[session_id] |= {"status": "expired"}
        return self.event("checkout.session.expired", dict(self.sessions[session_id]))

    def refund_event(self, session_id: str, refunded: int) -> dict[str, Any]:
        s = self.sessions[session_id]
        charge = {
            "id": f"ch_{session_id}",
            "object": "charge",
            "amount": s["amount_total"],
            "amount_refunded": refunded,
            "currency": s["currency"],
            "payment_intent": s["payment_intent"],
            "refunded": refunded >= s["amount_total"],
            "metadata": {},
        }
        return self.event("charge.refunded", charge)

    def event(self, kind: str, obj: dict[str, Any]) -> dict[str, Any]:
        number = len(self.events) + 1
        event = {"id": f"evt_{number}", "object": "event", "type": kind, "data": {"object": obj}}
        self.events.append(event)
        return event


async def deliver(
    app: httpx.AsyncClient,
    event: dict[str, Any],
    *,
    secret: str = WEBHOOK_SECRET,
    timestamp: int | None = None,
) -> httpx.Response:
    """POST a signed event to the app's webhook, as Stripe does."""
    body = json.dumps(event).encode()
    headers = {"Stripe-Signature": sign(body, secret, timestamp), "Content-Type": "application/json"}
    return await app.post("/webhooks/stripe", content=body, headers=headers)
