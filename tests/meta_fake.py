"""Play Messenger and Instagram: post signed webhooks to the app, read what it sent to a fake Send API."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
from dataclasses import dataclass
from typing import Any

import httpx

from tests.fakes import FakeServer, Recorded

META_SECRET = "meta-app-secret"
META_VERIFY = "meta-verify"
PAGE_ID = "107843112345678"


def send_api_answer(request: Recorded) -> tuple[int, object]:
    recipient = json.loads(request.body)["recipient"]["id"]
    return 200, {"recipient_id": recipient, "message_id": f"m_out{len(request.body)}"}


@dataclass
class MetaSent:
    to: str
    text: str
    choices: list[tuple[str, str]]  # (title, payload) of quick replies or postback buttons
    tag: str | None
    buttons: bool  # postback buttons (a button template), else quick replies


def meta_messages(fake: FakeServer) -> list[MetaSent]:
    sent = []
    for request in fake.requests:
        if not request.path.endswith("/me/messages"):
            continue
        body = json.loads(request.body)
        message = body["message"]
        if "attachment" in message:
            template = message["attachment"]["payload"]
            text, choices = template["text"], [(b["title"], b["payload"]) for b in template["buttons"]]
        else:
            text = message["text"]
            choices = [(q["title"], q["payload"]) for q in message.get("quick_replies", [])]
        sent.append(
            MetaSent(body["recipient"]["id"], text, choices, body.get("tag"), "attachment" in message)
        )
    return sent


def signed(payload: dict[str, Any], secret: str = META_SECRET) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return body, {"X-Hub-Signature-256": signature, "Content-Type": "application/json"}


_mids = itertools.count(1)


@dataclass
class MetaUser:
    """A shopper on Messenger (`object: page`) or Instagram (`object: instagram`)."""

    app: httpx.AsyncClient
    fake: FakeServer
    user_id: str
    platform: str = "page"

    def event(self, body: dict[str, Any]) -> dict[str, Any]:
        sender, recipient = {"id": self.user_id}, {"id": PAGE_ID}
        return {"sender": sender, "recipient": recipient, "timestamp": 1795000100123, **body}

    def webhook(self, *events: dict[str, Any]) -> dict[str, Any]:
        entry = {"id": PAGE_ID, "time": 1795000100123, "messaging": list(events)}
        return {"object": self.platform, "entry": [entry]}

    async def post(self, payload: dict[str, Any]) -> httpx.Response:
        body, headers = signed(payload)
        return await self.app.post("/webhooks/meta", content=body, headers=headers)

    def text_payload(self, text: str) -> dict[str, Any]:
        return self.webhook(self.event({"message": {"mid": f"m_in{next(_mids)}", "text": text}}))

    async def says(self, text: str) -> None:
        response = await self.post(self.text_payload(text))
        assert response.status_code == 200, response.text

    def inbox(self) -> list[MetaSent]:
        return [m for m in meta_messages(self.fake) if m.to == self.user_id]

    async def presses(self, title: str) -> None:
        """Tap the newest quick reply or button with this title (a button sends a postback)."""
        for sent in reversed(self.inbox()):
            for choice_title, payload in sent.choices:
                if choice_title == title:
                    mid = f"m_in{next(_mids)}"
                    if sent.buttons:
                        event = self.event({"postback": {"mid": mid, "title": title, "payload": payload}})
                    else:
                        reply = {"mid": mid, "text": title, "quick_reply": {"payload": payload}}
                        event = self.event({"message": reply})
                    response = await self.post(self.webhook(event))
                    assert response.status_code == 200, response.text
                    return
        raise AssertionError(f"no choice {title!r} in {[c for m in self.inbox() for c in m.choices]}")
