"""Security headers on every answer: nothing sniffed, no referrer sent, never framed, and a
Content-Security-Policy that a page may replace with its own."""

from __future__ import annotations

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
    """ASGI middleware: adds each header a response does not set itself; a page chooses its own
    Content-Security-Policy by setting the header (the web chat's nonce, the API docs' script hashes)."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        added = RAW_HEADERS

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in added if name not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self._app(scope, receive, send_with_headers)
