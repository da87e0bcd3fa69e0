"""Play WhatsApp: post signed Cloud API webhooks to the app and read what it sent to a fake Graph API."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.fakes import FakeServer, Recorded

APP_SECRET = "wa-app-secret"
VERIFY_TOKEN = "wa-verify-token"
PHONE_ID = "106540352242922"


def graph_answer(request: Recorded) -> tuple[int, object]:
    """What the Cloud API answers to a sent message."""
    to = json.loads(request.body).get("to", "")
    return 200, {
        "messaging_product": "whatsapp",
        "contacts": [{"input": to, "wa_id": to}],
        "messages": [{"id": f"wamid.out{len(request.body)}"}],
    }


@dataclass
class WaSent:
    to: str
    text: str
    choices: list[tuple[str, str]]  # (title, id) of reply buttons or list rows
    kind: str


def wa_messages(fake: FakeServer) -> list[WaSent]:
    sent = []
    for request in fake.requests:
        if not request.path.endswith(f"/{PHONE_ID}/messages"):
            continue
        body = json.loads(request.body)
        if body["type"] == "template":
            continue  # see wa_templates
        if body["type"] == "text":
            sent.append(WaSent(body["to"], body["text"]["body"], [], "text"))
            continue
        interactive = body["interactive"]
        action = interactive["action"]
        if interactive["type"] == "button":
            choices = [(b["reply"]["title"], b["reply"]["id"]) for b in action["buttons"]]
        else:
            choices = [(r["title"], r["id"]) for s in action["sections"] for r in s["rows"]]
        sent.append(WaSent(body["to"], interactive["body"]["text"], choices, interactive["type"]))
    return sent


@dataclass
class WaTemplate:
    to: str
    name: str
    code: str
    body: list[str]
    quick_replies: list[str]


def wa_templates(fake: FakeServer) -> list[WaTemplate]:
    """Every template message the app sent, in order."""
    sent = []
    for request in fake.requests:
        body = json.loads(request.body) if request.path.endswith(f"/{PHONE_ID}/messages") else {}
        if body.get("type") != "template":
            continue
        template = body["template"]
        components = template.get("components", [])
        values = [p["text"] for c in components if c["type"] == "body" for p in c["parameters"]]
        replies = [c["parameters"][0]["payload"] for c in components if c["type"] == "button"]
        sent.append(WaTemplate(body["to"], template["name"], template["language"]["code"], values, replies))
    return sent


def signed(payload: dict[str, Any], secret: str = APP_SECRET) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return body, {"X-Hub-Signature-256": signature, "Content-Type": "application/json"}


def webhook(*messages: dict[str, Any], contacts: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550001111", "phone_number_id": PHONE_ID},
        "contacts": contacts or [],
        "messages": list(messages),
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"value": value, "field": "messages"}]}],
    }


_message_ids = itertools.count(1)


@dataclass
class WhatsAppUser:
    app: httpx.AsyncClient
    fake: FakeServer
    number: str
    name: str = "Asha"
    presses_made: list[str] = field(default_factory=list)

    def message(self, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        wamid = f"wamid.in{self.number}.{next(_message_ids)}"
        return {"from": self.number, "id": wamid, "timestamp": "1795000100", "type": kind, kind: body}

    def contact(self) -> dict[str, Any]:
        return {"profile": {"name": self.name}, "wa_id": self.number}

    async def post(self, payload: dict[str, Any]) -> httpx.Response:
        body, headers = signed(payload)
        return await self.app.post("/webhooks/whatsapp", content=body, headers=headers)

    def text_payload(self, text: str) -> dict[str, Any]:
        return webhook(self.message("text", {"body": text}), contacts=[self.contact()])

    async def says(self, text: str) -> None:
        response = await self.post(self.text_payload(text))
        assert response.status_code == 200, response.text

    def inbox(self) -> list[WaSent]:
        return [m for m in wa_messages(self.fake) if m.to == self.number]

    async def taps_quick_reply(self, template: WaTemplate, index: int, text: str) -> None:
        """Tap a template's quick-reply button: WhatsApp sends its payload back as a `button` message."""
        tap = self.message("button", {"payload": template.quick_replies[index], "text": text})
        response = await self.post(webhook(tap, contacts=[self.contact()]))
        assert response.status_code == 200, response.text

    async def presses(self, title: str) -> None:
        """Tap the newest button or list row with this title, as WhatsApp reports it."""
        for sent in reversed(self.inbox()):
            for choice_title, choice_id in sent.choices:
                if choice_title == title:
                    kind = "button_reply" if sent.kind == "button" else "list_reply"
                    reply = {"type": kind, kind: {"id": choice_id, "title": choice_title}}
                    response = await self.post(
                        webhook(self.message("interactive", reply), contacts=[self.contact()])
                    )
                    assert response.status_code == 200, response.text
                    self.presses_made.append(title)
                    return
        raise AssertionError(f"no choice {title!r} in {[c for m in self.inbox() for c in m.choices]}")
