"""Security headers on every answer: nothing sniffed, no referrer sent, never framed, and a
Content-Security-Policy that a page may replace with its own (the web chat's nonce; /docs later)."""

from __future__ import annotations

from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# JSON and plain-text answers load nothing at all.
DEFAULT_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
CSP = b"content-security-policy"
ALWAYS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
)
# Precomputed for the webhook routes answered in plain ASGI (bot.web.direct_routes): the hot path.
RAW_HEADERS: tuple[tuple[bytes, bytes], ...] = (*ALWAYS, (CSP, DEFAULT_POLICY.encode()))


def page_policy(nonce: str) -> str:
    """A page of ours: its own script and style (by nonce) and requests to this server, nothing else."""
    return (
        f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; connect-src 'self'; "
        "img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


class SecurityHeaders:
    """ASGI middleware: adds each header a response does not set itself.

    A route chooses its own Content-Security-Policy by setting the header; paths under `own_policy` get
    none from here (FastAPI's /docs pages load their scripts from a CDN, until they are served locally).
    """

    def __init__(self, app: ASGIApp, *, own_policy: Iterable[str] = ()) -> None:
        self._app = app
        self._own_policy = tuple(own_policy)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        own = bool(self._own_policy) and scope["path"].startswith(self._own_policy)
        added = ALWAYS if own else RAW_HEADERS

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in added if name not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self._app(scope, receive, send_with_headers)
