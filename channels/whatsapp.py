"""WhatsApp Cloud API: verify webhooks, parse every message of a batch, render within Meta's limits, send.

Webhook checks follow Meta's conventions (`channels.hub`). Parsing reads the Cloud API JSON itself: pywa 4.5
dispatches only the first message of a batched webhook (the others are dropped silently) and raises
`KeyError: 'user_id'` on payloads without the BSUID that older webhooks lack. Sending goes through pywa,
whose client is pointed at `CHATCART_WHATSAPP_API_URL` by a transport that rewrites each request's origin
(pywa has no base-URL option of its own).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from pywa.errors import ThrottlingError, WhatsAppError
from pywa.types.callback import Button, Section, SectionList, SectionRow
from pywa.types.templates import TemplateLanguage
from pywa_async.client import WhatsApp

from channels.base import (
    BadPayload,
    ChannelError,
    Notice,
    chat_text,
    clip,
    json_object,
    outside_window,
    split_text,
    unix_time,
)
from channels.hub import CUSTOMER_SERVICE_WINDOW, HubChannel
from flows.messages import ChoiceStyle, ConversationKey, InboundKind, InboundMessage, OutboundMessage

CHANNEL = "whatsapp"
MAX_TEXT = 4096
MAX_INTERACTIVE_BODY = 1024
MAX_BUTTONS = 3
MAX_BUTTON_TITLE = 20
MAX_ROWS = 10
MAX_ROW_TITLE = 24
MAX_ROW_DESCRIPTION = 72
MAX_LIST_BUTTON = 20
DEFAULT_LIST_BUTTON = "Choose"


def template_text(value: str) -> str:
    """A template parameter as Meta accepts it: no line breaks or tabs, not empty, at most 1024 characters."""
    flat = " ".join(value.replace("\t", " ").split("\n")).strip()
    return clip(flat or "-", 1024)


def is_template_language(code: str) -> bool:
    return code in {language.value for language in TemplateLanguage}


# --- inbound ------------------------------------------------------------------------------------------


def _choice_id(message: dict[str, Any]) -> str | None:
    """The row or button id of a list reply, reply button or template quick reply."""
    if message["type"] == "interactive":
        interactive = message["interactive"]
        reply = interactive.get("list_reply") or interactive.get("button_reply") or {}
        return chat_text(reply["id"]) if "id" in reply else None
    if message["type"] == "button":  # a template's quick-reply button
        return chat_text(message["button"].get("payload") or message["button"]["text"])
    return None


def _inbound(message: dict[str, Any], names: dict[str, str]) -> InboundMessage:
    sender = str(message["from"])
    common: dict[str, Any] = {
        "key": ConversationKey(CHANNEL, sender),
        "message_id": str(message["id"]),
        "at": unix_time(int(message["timestamp"])),
        "contact_name": names.get(sender, ""),
        "phone": f"+{sender}" if sender.isdigit() else "",  # a WhatsApp sender is a phone number
    }
    if message["type"] == "text":
        return InboundMessage(kind=InboundKind.TEXT, text=chat_text(message["text"]["body"]), **common)
    if (choice := _choice_id(message)) is not None:
        return InboundMessage(kind=InboundKind.CHOICE, choice_id=choice, **common)
    if message["type"] == "contacts" and message["contacts"][0].get("phones"):
        phone = chat_text(message["contacts"][0]["phones"][0]["phone"])
        return InboundMessage(kind=InboundKind.TEXT, text=phone, **(common | {"phone": phone}))
    return InboundMessage(kind=InboundKind.UNSUPPORTED, **common)  # images, voice, stickers, locations…


def parse_webhook(payload: dict[str, Any]) -> list[InboundMessage]:
    """Every message of every change of every entry, in order; statuses and other fields carry none.

    A payload without the fields every Cloud API message has raises KeyError, TypeError or ValueError.
    """
    if payload.get("object") != "whatsapp_business_account":
        raise ValueError("not a WhatsApp Business Account webhook")
    return list(_messages(payload))


def _messages(payload: dict[str, Any]) -> Iterator[InboundMessage]:
    for entry in payload["entry"]:
        for change in entry.get("changes", []):
            value = change.get("value") or {}
            if change.get("field") != "messages":
                continue
            names = {
                str(c["wa_id"]): chat_text((c.get("profile") or {}).get("name") or "")
                for c in value.get("contacts", [])
                if "wa_id" in c
            }
            for message in value.get("messages", []):
                yield _inbound(message, names)


# --- outbound -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One Cloud API message: plain text, or interactive with reply buttons or a list."""

    text: str
    buttons: tuple[Button, ...] | None = None
    rows: tuple[SectionRow, ...] | None = None
    list_button: str = ""

    def pywa_buttons(self) -> list[Button] | SectionList | None:
        if self.buttons:
            return list(self.buttons)
        if self.rows:
            title = clip(self.list_button, MAX_ROW_TITLE)  # Meta refuses an empty section title
            return SectionList(self.list_button, sections=[Section(title, rows=list(self.rows))])
        return None


def render(message: OutboundMessage) -> list[Outgoing]:
    """Reply buttons for up to three short choices, lists (ten rows each) otherwise, text split to fit."""
    if not message.choices:
        return [Outgoing(part) for part in split_text(message.text, MAX_TEXT)]
    *lead, body = split_text(message.text, MAX_INTERACTIVE_BODY)
    texts = [Outgoing(part) for part in lead]
    choices = message.choices
    if (
        message.style is ChoiceStyle.BUTTONS
        and len(choices) <= MAX_BUTTONS
        and all(len(c.label) <= MAX_BUTTON_TITLE for c in choices)
    ):
        return [*texts, Outgoing(body, buttons=tuple(Button(c.label, c.id) for c in choices))]
    label = clip(message.list_button or DEFAULT_LIST_BUTTON, MAX_LIST_BUTTON)
    rows = [
        SectionRow(clip(c.label, MAX_ROW_TITLE), c.id, clip(c.description, MAX_ROW_DESCRIPTION) or None)
        for c in choices
    ]
    # Past ten rows, each further ten go in a list of their own ("…" as its text: a body is required).
    pages = [tuple(rows[i : i + MAX_ROWS]) for i in range(0, len(rows), MAX_ROWS)]
    lists = [Outgoing(body if i == 0 else "…", rows=page, list_button=label) for i, page in enumerate(pages)]
    return [*texts, *lists]


class _OriginRewrite(httpx.AsyncBaseTransport):
    """Sends each request to `api_url`'s scheme, host and port instead of the one pywa built in."""

    def __init__(self, api_url: str, inner: httpx.AsyncBaseTransport) -> None:
        self._origin = httpx.URL(api_url)
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        origin = self._origin
        request.url = request.url.copy_with(scheme=origin.scheme, host=origin.host, port=origin.port)
        request.headers["Host"] = origin.netloc.decode("ascii")
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def _template_components(body: tuple[str, ...], quick_replies: tuple[str, ...]) -> list[dict[str, Any]]:
    """`body` fills {{1}}, {{2}}…; `quick_replies` are the payloads its buttons send back, in order (a tap
    arrives as a choice)."""
    components: list[dict[str, Any]] = []
    if body:
        parameters = [{"type": "text", "text": template_text(value)} for value in body]
        components.append({"type": "body", "parameters": parameters})
    components += [
        {
            "type": "button",
            "sub_type": "quick_reply",
            "index": str(i),
            "parameters": [{"type": "payload", "payload": payload}],
        }
        for i, payload in enumerate(quick_replies)
    ]
    return components


@contextmanager
def _provider_errors() -> Iterator[None]:
    """pywa's errors and httpx's transport failures as ChannelError, transient where a retry can help."""
    try:
        yield
    except WhatsAppError as error:
        status = error.status_code or 0
        transient = bool(error.is_transient) or isinstance(error, ThrottlingError) or status >= 500
        raise ChannelError(f"WhatsApp {error.code}: {error.message}", transient=transient) from None
    except httpx.TransportError as exc:
        raise ChannelError(f"{type(exc).__name__}: {exc}", transient=True) from None


class WhatsAppChannel(HubChannel):
    """One business phone number: its signed webhooks in, messages and approved templates out (pywa)."""

    name = CHANNEL

    def __init__(
        self,
        phone_id: str,
        token: str,
        *,
        api_url: str,
        app_secret: str | None,
        verify_token: str | None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        inner = transport or httpx.AsyncHTTPTransport()
        self._http = httpx.AsyncClient(transport=_OriginRewrite(api_url, inner), timeout=httpx.Timeout(10.0))
        self._client = WhatsApp(phone_id, token, session=self._http, server=None)
        super().__init__(app_secret, verify_token)

    def parse(self, body: bytes) -> list[InboundMessage]:
        try:
            return parse_webhook(json_object(body, "WhatsApp webhook"))
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise BadPayload(f"not a WhatsApp webhook: {exc!r}") from None

    async def send(self, message: OutboundMessage) -> None:
        for outgoing in render(message):
            with _provider_errors():
                await self._client.send_message(
                    message.key.user_id, outgoing.text, buttons=outgoing.pywa_buttons()
                )

    async def send_outside_window(self, message: OutboundMessage, notice: Notice) -> None:
        """Only an approved template goes out after 24 hours: the store's, for this notification."""
        template = notice.template
        if template is None:
            reason = f"no approved whatsapp template is configured for {notice.event} in {notice.language!r}"
            raise outside_window(CHANNEL, CUSTOMER_SERVICE_WINDOW, reason)
        components = _template_components(template.body, template.quick_replies)
        code = TemplateLanguage(template.code)
        with _provider_errors():
            await self._client.send_template(message.key.user_id, template.name, code, params=components)

    async def aclose(self) -> None:
        await self._http.aclose()
