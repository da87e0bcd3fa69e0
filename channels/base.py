"""The shape every channel adapter has, the one error a send raises, and the text helpers they share."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, ClassVar, Protocol
from urllib.parse import parse_qs

import orjson

from flows.messages import InboundMessage, OutboundMessage


class ChannelError(Exception):
    """A send that failed: transient ones (timeouts, 5xx, rate limits) are retried, permanent ones are not."""

    def __init__(self, message: str, *, transient: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.transient = transient
        self.retry_after = retry_after


class BadPayload(ValueError):
    """A webhook body that is not what this provider sends (the webhook answers 400)."""


class Verdict(StrEnum):
    """What a webhook's credentials say about who sent it."""

    ACCEPTED = "accepted"
    MISSING = "missing"  # no signature or secret at all: 401
    FORGED = "forged"  # a wrong one: 403


@dataclass(frozen=True, slots=True)
class WebhookRequest:
    """An HTTP request as a webhook sees it: signatures are checked on the raw body."""

    method: str
    headers: Mapping[str, str]  # lower-case names
    query_string: bytes
    body: bytes

    def query(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.query_string.decode("latin-1")).items()}


@dataclass(frozen=True, slots=True)
class ApprovedTemplate:
    """A message template the provider approved in advance, filled in for one notification."""

    name: str
    code: str  # its language code at the provider (en_US, hi…)
    body: tuple[str, ...]  # {{1}}, {{2}}… in order
    quick_replies: tuple[str, ...]  # the payload each quick-reply button sends back, in order


@dataclass(frozen=True, slots=True)
class Notice:
    """A notification that must reach a shopper whose service window has closed."""

    event: str  # status_shipped, cod_reminder, admin_new_order…
    language: str
    template: ApprovedTemplate | None  # the store's approved template for it, if it configured one

    @property
    def is_order_update(self) -> bool:
        return self.event.startswith("status_") or self.event == "cod_reminder"


class Channel(Protocol):
    """A chat channel: its webhook (verify, parse, answer), sending within its limits, its service window."""

    @property
    def name(self) -> str:
        """`/webhooks/<name>`; also the lead channel, unless it serves several."""

    @property
    def serves(self) -> tuple[str, ...]:
        """The lead channels it carries (Meta's adapter: messenger and instagram)."""

    @property
    def has_webhook(self) -> bool: ...

    @property
    def has_handshake(self) -> bool:
        """Whether its webhook answers a subscription challenge on GET (Meta's products)."""

    def verify(self, request: WebhookRequest) -> Verdict: ...

    def challenge(self, request: WebhookRequest) -> str | None:
        """The answer to a subscription handshake (GET), or None to refuse it."""

    def parse(self, body: bytes) -> list[InboundMessage]:
        """Every message in a webhook body, in order; raises BadPayload for a body that is none."""

    def answer(self, messages: Sequence[InboundMessage]) -> dict[str, Any]:
        """The body of the webhook's 200 answer once every message is handled."""

    def window(self, channel: str) -> timedelta | None:
        """How long after the shopper's last message free-form messages may reach them; None: always."""

    async def send(self, message: OutboundMessage) -> None:
        """Render within the channel's limits and send; raises ChannelError."""

    async def send_outside_window(self, message: OutboundMessage, notice: Notice) -> None:
        """Deliver a notification after the window closed, as the provider allows, or raise ChannelError."""

    async def aclose(self) -> None: ...


class BaseChannel:
    """Defaults for what a channel does not do: no webhook, no window, nothing outside one."""

    name: ClassVar[str] = ""
    has_webhook: ClassVar[bool] = False
    has_handshake: ClassVar[bool] = False

    @property
    def serves(self) -> tuple[str, ...]:
        return (self.name,)

    def verify(self, request: WebhookRequest) -> Verdict:
        return Verdict.FORGED  # refuse whatever a channel has not said how to check

    def challenge(self, request: WebhookRequest) -> str | None:
        return None

    def parse(self, body: bytes) -> list[InboundMessage]:
        raise BadPayload(f"{self.name} takes no webhooks")

    def answer(self, messages: Sequence[InboundMessage]) -> dict[str, Any]:
        return {"ok": True}

    def window(self, channel: str) -> timedelta | None:
        return None

    async def send_outside_window(self, message: OutboundMessage, notice: Notice) -> None:
        raise outside_window(self.name, None, f"{self.name} sends nothing outside a window")

    async def aclose(self) -> None:
        return None


def outside_window(channel: str, window: timedelta | None, reason: str) -> ChannelError:
    """The permanent error for a notification that cannot go out any more; the order history shows it."""
    hours = int(window.total_seconds() // 3600) if window else 0
    text = f"not messaged: the recipient has not written in {hours} hours, and {reason}"
    return ChannelError(text, transient=False)


def json_object(body: bytes, what: str) -> dict[str, Any]:
    """The webhook body as a JSON object, or BadPayload naming what was expected."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadPayload(f"not a {what}: {exc}") from None
    if not isinstance(data, dict):
        raise BadPayload(f"not a {what}: expected a JSON object")
    return data


def chat_text(value: object) -> str:
    """What a shopper wrote, as every database stores it: PostgreSQL refuses NUL characters in text (the
    message would fail on every redelivery), and a lone surrogate cannot even be encoded."""
    text = value if isinstance(value, str) else str(value)
    if "\x00" in text:
        text = text.replace("\x00", "")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def unix_time(value: float, per_second: int = 1) -> datetime:
    """A provider's Unix time (`per_second=1000`: milliseconds) in UTC. A time no datetime holds (a crafted
    10^20) is taken as now: it is informational, and the message is still answered. A value that is not a
    number raises TypeError, like any malformed field."""
    try:
        return datetime.fromtimestamp(value / per_second, UTC)
    except (OverflowError, OSError, ValueError):
        return datetime.now(UTC)


def split_text(text: str, limit: int) -> list[str]:
    """Cut long text at line breaks (hard-cut a single huge line) so that no part exceeds the limit."""
    if len(text) <= limit:
        return [text]
    pieces = [line[i : i + limit] for line in text.split("\n") for i in range(0, max(len(line), 1), limit)]
    parts: list[str] = []
    current = ""
    for piece in pieces:
        candidate = f"{current}\n{piece}" if current else piece
        if len(candidate) > limit:
            parts.append(current)
            candidate = piece
        current = candidate
    parts.append(current)
    return [p for p in parts if p] or [""]


def clip(text: str, limit: int) -> str:
    """Shortened with an ellipsis when over the limit: providers reject the whole message otherwise."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
