"""A small keep-alive HTTP/1.1 client for the per-message provider calls (Telegram's sendMessage).

httpx's connection pool costs ~2 ms of CPU per request with a few dozen connections open (every request
checks every pooled connection's socket, and httpcore retries a failed `import sniffio` each time): more
than a whole turn. This client does one thing: POST a body to one origin over reused connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from collections.abc import Mapping
from typing import Protocol, runtime_checkable
from urllib.parse import urlsplit

import httpx

_MAX_HEAD = 64 * 1024  # a response head larger than this is not an API's answer
_MAX_BODY = 16 * 1024 * 1024


class HttpError(Exception):
    """The request got no complete answer: refused, reset, timed out, or not HTTP."""


class _Connection:
    __slots__ = ("idle_since", "reader", "writer")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.idle_since = 0.0

    def usable(self, now: float, idle_seconds: float) -> bool:
        """Still open at our end and the server's, and not idle long enough for the server to drop it."""
        fresh = now - self.idle_since < idle_seconds
        return fresh and not self.writer.is_closing() and not self.reader.at_eof()

    def close(self) -> None:
        self.writer.close()


def _head_fields(head: bytes) -> tuple[int, dict[bytes, bytes]]:
    """The status code and the header fields (lower-case names) of a response head."""
    lines = head.split(b"\r\n")
    version, _, rest = lines[0].partition(b" ")
    if not version.startswith(b"HTTP/1.") or not rest[:3].isdigit():
        raise HttpError(f"not an HTTP/1.x response: {lines[0][:80]!r}")
    fields: dict[bytes, bytes] = {}
    for line in lines[1:]:
        name, colon, value = line.partition(b":")
        if colon:
            fields[name.strip().lower()] = value.strip()
    return int(rest[:3]), fields


async def _chunked(reader: asyncio.StreamReader) -> bytes:
    """A chunked body, trailers skipped."""
    parts: list[bytes] = []
    size = 0
    while True:
        line = await reader.readuntil(b"\r\n")
        length = int(line.split(b";", 1)[0].strip() or b"x", 16)
        if length == 0:
            while await reader.readuntil(b"\r\n") != b"\r\n":
                pass
            return b"".join(parts)
        size += length
        if size > _MAX_BODY:
            raise HttpError("response body too large")
        parts.append(await reader.readexactly(length))
        await reader.readexactly(2)


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """Status, body and whether the connection may carry another request."""
    head = await reader.readuntil(b"\r\n\r\n")
    status, fields = _head_fields(head[:-4])
    reusable = fields.get(b"connection", b"").lower() != b"close"
    if status in (204, 304) or 100 <= status < 200:
        return status, b"", reusable
    if b"chunked" in fields.get(b"transfer-encoding", b"").lower():
        return status, await _chunked(reader), reusable
    if (length := fields.get(b"content-length")) is not None:
        if not length.isdigit() or int(length) > _MAX_BODY:
            raise HttpError(f"bad Content-Length {length[:20]!r}")
        return status, await reader.readexactly(int(length)), reusable
    return status, await reader.read(_MAX_BODY), False  # the body ends when the server closes


class Http1Client:
    """POSTs to one origin (http or https) over at most `max_connections` keep-alive connections."""

    def __init__(
        self,
        origin: str,
        *,
        timeout: float = 10.0,
        max_connections: int = 64,
        idle_seconds: float = 30.0,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        url = urlsplit(origin)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ValueError(f"not an http(s) origin: {origin!r}")
        self._host = url.hostname
        self._port = url.port or (443 if url.scheme == "https" else 80)
        # The same trust store as httpx (certifi, or SSL_CERT_FILE), so moving off it changes no certificate.
        self._ssl: ssl.SSLContext | None = httpx.create_ssl_context() if url.scheme == "https" else None
        self._prefix = url.path.rstrip("/").encode()
        host = url.netloc.rpartition("@")[2]
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        self._headers = f"Host: {host}\r\nUser-Agent: chatcart\r\n{extra}".encode("latin-1")
        self._timeout = timeout
        self._idle_seconds = idle_seconds
        self._slots = asyncio.Semaphore(max_connections)
        self._idle: list[_Connection] = []

    async def post(self, path: str, body: bytes, content_type: str = "application/json") -> tuple[int, bytes]:
        """The status and body of the answer to a POST to the origin's path + `path`; HttpError when there is
        none (a connection the server had closed while idle is replaced once, before anything was sent)."""
        request = b"POST %s%s HTTP/1.1\r\n%sContent-Type: %s\r\nContent-Length: %d\r\n\r\n" % (
            self._prefix,
            path.encode(),
            self._headers,
            content_type.encode(),
            len(body),
        )
        try:
            async with asyncio.timeout(self._timeout):  # like httpx's pool timeout: no connection free
                await self._slots.acquire()
            try:
                async with asyncio.timeout(self._timeout):
                    return await self._exchange(request + body)
            finally:
                self._slots.release()
        except TimeoutError:
            raise HttpError(f"no answer within {self._timeout:g} s") from None
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
            raise HttpError(f"{type(exc).__name__}: {exc}") from None

    async def _exchange(self, request: bytes) -> tuple[int, bytes]:
        connection = self._reused()
        if connection is not None:
            try:
                return await self._round_trip(connection, request)
            except (ConnectionError, asyncio.IncompleteReadError) as exc:
                # Closed by the server between our check and our request: nothing was answered, so the
                # request goes once more on a new connection (Telegram's own client does the same).
                if isinstance(exc, asyncio.IncompleteReadError) and exc.partial:
                    raise
        return await self._round_trip(await self._open(), request)

    async def _round_trip(self, connection: _Connection, request: bytes) -> tuple[int, bytes]:
        try:
            connection.writer.write(request)
            status, body, reusable = await _read_response(connection.reader)
        except BaseException:
            connection.close()  # half a request or answer on it: it cannot carry another
            raise
        if reusable:
            connection.idle_since = time.monotonic()
            self._idle.append(connection)
        else:
            connection.close()
        return status, body

    def _reused(self) -> _Connection | None:
        """The most recently used idle connection still open; stale ones are closed on the way."""
        now = time.monotonic()
        while self._idle:
            connection = self._idle.pop()
            if connection.usable(now, self._idle_seconds):
                return connection
            connection.close()
        return None

    async def _open(self) -> _Connection:
        reader, writer = await asyncio.open_connection(
            self._host,
            self._port,
            ssl=self._ssl,
            limit=_MAX_HEAD,
            server_hostname=self._host if self._ssl else None,
        )
        return _Connection(reader, writer)

    async def aclose(self) -> None:
        """Closes every idle connection."""
        idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()
        for connection in idle:
            with contextlib.suppress(OSError):
                await connection.writer.wait_closed()


@runtime_checkable
class Poster(Protocol):
    """POSTs to one provider's API."""

    async def post(self, path: str, body: bytes, content_type: str = ...) -> tuple[int, bytes]: ...

    async def aclose(self) -> None: ...


def poster(
    base_url: str,
    transport: httpx.AsyncBaseTransport | None,
    *,
    timeout: float = 10.0,
    headers: Mapping[str, str] | None = None,
) -> Poster:
    """The keep-alive client to `base_url`, or the given httpx transport (tests answer in-process), or the
    given transport itself when it answers POSTs directly (the in-process benchmark's Bot API, stubbed
    where ../shared/bench-peers stubs the peers': after the JSON is encoded, before any HTTP)."""
    if isinstance(transport, Poster):
        return transport
    if transport is not None:
        return TransportPoster(transport, base_url, timeout, headers)
    return Http1Client(base_url, timeout=timeout, headers=headers)


class TransportPoster:
    """The same POSTs through an httpx transport: tests and the in-process benchmark answer in-process."""

    def __init__(
        self,
        transport: httpx.AsyncBaseTransport,
        base_url: str,
        timeout: float = 10.0,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self._transport = transport
        self._base = base_url.rstrip("/")
        self._urls: dict[str, httpx.URL] = {}  # parsed once: httpx parses a string URL on every request
        self._timeout = {"timeout": httpx.Timeout(timeout).as_dict()}
        self._headers = dict(headers or {})

    async def post(self, path: str, body: bytes, content_type: str = "application/json") -> tuple[int, bytes]:
        """The status and body of the answer; HttpError when there is none."""
        url = self._urls.get(path) or self._urls.setdefault(path, httpx.URL(self._base + path))
        headers = self._headers | {"Content-Type": content_type}
        request = httpx.Request("POST", url, content=body, headers=headers, extensions=self._timeout)
        try:
            response = await self._transport.handle_async_request(request)
            try:
                return response.status_code, await response.aread()
            finally:
                await response.aclose()
        except httpx.TransportError as exc:
            raise HttpError(f"{type(exc).__name__}: {exc}") from None

    async def aclose(self) -> None:
        await self._transport.aclose()
