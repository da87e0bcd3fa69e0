"""Meta's webhook conventions, shared by WhatsApp, Messenger and Instagram: the subscription challenge and
the `X-Hub-Signature-256` HMAC of the raw body."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from channels.base import BaseChannel, Verdict, WebhookRequest

SIGNATURE_HEADER = "x-hub-signature-256"


def verify_signature(app_secret: str | None, body: bytes, header: str | None) -> bool:
    """`sha256=<HMAC-SHA256 of the raw body with the app secret>`, compared in constant time."""
    if not app_secret or not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256="))


def answer_challenge(verify_token: str | None, mode: str, token: str, challenge: str) -> str | None:
    """The `hub.challenge` to echo when Meta subscribes with our verify token; None to refuse."""
    if not verify_token or mode != "subscribe" or not challenge:
        return None
    return challenge if hmac.compare_digest(token.encode(), verify_token.encode()) else None


# Meta delivers free-form messages only this long after the person's last message (WhatsApp, Messenger and
# Instagram alike); past it, only what each product allows (approved templates, tagged updates).
CUSTOMER_SERVICE_WINDOW = timedelta(hours=24)


class HubChannel(BaseChannel):
    """The webhook side every Meta channel shares: its app secret and verify token, and the 24-hour window."""

    has_webhook = True
    has_handshake = True

    def __init__(self, app_secret: str | None, verify_token: str | None) -> None:
        self._app_secret = app_secret
        self._verify_token = verify_token

    def verify(self, request: WebhookRequest) -> Verdict:
        header = request.headers.get(SIGNATURE_HEADER)
        if header is None:
            return Verdict.MISSING
        ok = verify_signature(self._app_secret, request.body, header)
        return Verdict.ACCEPTED if ok else Verdict.FORGED

    def challenge(self, request: WebhookRequest) -> str | None:
        query = request.query()
        mode, token = query.get("hub.mode", ""), query.get("hub.verify_token", "")
        return answer_challenge(self._verify_token, mode, token, query.get("hub.challenge", ""))

    def window(self, channel: str) -> timedelta | None:
        return CUSTOMER_SERVICE_WINDOW
