"""The keep-alive client against a real HTTP server on 127.0.0.1, and Telegram's sends through it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import httpx
import pytest

from channels.base import ChannelError
from channels.http1 import Http1Client, HttpError, TransportPoster, poster
from channels.meta import MetaChannel
from channels.telegram import TelegramChannel
from flows.messages import Choice, ChoiceStyle, ConversationKey, OutboundMessage

Answer = Callable[[bytes, bytes], bytes | None]  # (head, body) -> raw response, or None to hang up


def ok(body: bytes = b'{"ok":true}', extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n%s" % (len(body), extra, body)


@dataclass
class Server:
    """Answers each request with what `answer` returns; counts connections and keeps what it was sent."""

    answer: Answer
    connections: int = 0
    open_now: int = 0
    most_open: int = 0
    requests: list[tuple[bytes, bytes]] = field(default_factory=list)
    port: int = 0

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.open_now += 1
        self.most_open = max(self.most_open, self.open_now)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                body = await reader.readexactly(length)
                self.requests.append((head, body))
                raw = self.answer(head, body)
                if raw is None:
                    break
                writer.write(raw)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self.open_now -= 1
            writer.close()


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    state = Server(lambda _head, _body: ok())
    listening = await asyncio.start_server(state.serve, "127.0.0.1", 0)
    state.port = listening.sockets[0].getsockname()[1]
    yield state
    listening.close()


def client(server: Server, **options: float) -> Http1Client:
    return Http1Client(f"http://127.0.0.1:{server.port}/base", **options)  # type: ignore[arg-type]


async def test_requests_reuse_one_connection_and_carry_the_body(server: Server) -> None:
    server.answer = lambda _head, body: ok(b"echo:" + body)
    http = client(server)
    assert await http.post("/one", b'{"a":1}') == (200, b'echo:{"a":1}')
    assert await http.post("/two", b"x" * 70_000) == (200, b"echo:" + b"x" * 70_000)
    assert server.connections == 1
    first, second = server.requests
    assert first[0].startswith(b"POST /base/one HTTP/1.1\r\n")
    assert b"\r\ncontent-type: application/json\r\n" in first[0].lower()
    assert second[0].startswith(b"POST /base/two HTTP/1.1\r\n")
    await http.aclose()


async def test_a_chunked_answer_is_joined_and_the_connection_kept(server: Server) -> None:
    chunked = (
        b"HTTP/1.1 429 Too Many\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5;x=1\r\nhello\r\n6\r\n world\r\n0\r\nT: 1\r\n\r\n"
    )
    server.answer = lambda _head, _body: chunked
    http = client(server)
    assert await http.post("/", b"") == (429, b"hello world")
    assert await http.post("/", b"") == (429, b"hello world")
    assert server.connections == 1
    await http.aclose()


async def test_an_answer_saying_connection_close_is_not_reused(server: Server) -> None:
    server.answer = lambda _head, _body: ok(extra=b"Connection: close\r\n")
    http = client(server)
    assert await http.post("/", b"") == (200, b'{"ok":true}')
    assert await http.post("/", b"") == (200, b'{"ok":true}')
    assert server.connections == 2
    await http.aclose()


async def test_an_answer_without_length_ends_when_the_server_closes() -> None:
    async def answer_and_close(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        await reader.readexactly(int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0]))
        writer.write(b"HTTP/1.1 500 Oops\r\n\r\nuntil the end")
        writer.close()

    listening = await asyncio.start_server(answer_and_close, "127.0.0.1", 0)
    http = Http1Client(f"http://127.0.0.1:{listening.sockets[0].getsockname()[1]}")
    assert await http.post("/", b"") == (500, b"until the end")
    assert await http.post("/", b"") == (500, b"until the end")
    listening.close()


async def test_a_connection_the_server_dropped_while_idle_is_replaced(server: Server) -> None:
    answers = iter([ok(), None, ok(b'{"ok":"again"}')])
    server.answer = lambda _head, _body: next(answers)
    http = client(server)
    assert await http.post("/", b"1") == (200, b'{"ok":true}')
    # The server hangs up on the second request without answering: it was sent on a reused connection,
    # so the client sends it once more on a new one.
    assert await http.post("/", b"2") == (200, b'{"ok":"again"}')
    assert server.connections == 2
    assert [body for _, body in server.requests] == [b"1", b"2", b"2"]
    await http.aclose()


async def test_a_hang_up_on_a_new_connection_is_an_error(server: Server) -> None:
    server.answer = lambda _head, _body: None
    with pytest.raises(HttpError, match="IncompleteReadError"):
        await client(server).post("/", b"")


async def test_no_answer_within_the_timeout_is_an_error(server: Server) -> None:
    server.answer = lambda _head, _body: b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nonly"
    with pytest.raises(HttpError, match=r"no answer within 0\.2 s"):
        await client(server, timeout=0.2).post("/", b"")


async def test_a_refused_connection_and_a_non_http_answer_are_errors(server: Server) -> None:
    with pytest.raises(HttpError, match=r"ConnectionRefusedError|OSError"):
        await Http1Client("http://127.0.0.1:9").post("/", b"")
    server.answer = lambda _head, _body: b"SSH-2.0-OpenSSH\r\n\r\n"
    with pytest.raises(HttpError, match=r"not an HTTP/1\.x response"):
        await client(server).post("/", b"")
    with pytest.raises(ValueError, match="not an http"):
        Http1Client("ftp://example.org")


async def test_at_most_max_connections_are_open(server: Server) -> None:
    http = client(server, max_connections=2)
    answers = await asyncio.gather(*(http.post("/", b"%d" % i) for i in range(8)))
    assert answers == [(200, b'{"ok":true}')] * 8
    assert server.most_open <= 2
    assert len(server.requests) == 8
    await http.aclose()


KEY = ConversationKey("telegram", "5001")


def message() -> OutboundMessage:
    choices = (Choice("4:q:1", "1"), Choice("4:q:2", "2"))
    return OutboundMessage(KEY, "How many?", choices=choices, style=ChoiceStyle.BUTTONS)


async def test_telegram_sends_through_it_and_classifies_the_bot_apis_errors(server: Server) -> None:
    telegram = TelegramChannel("1:T", api_url=f"http://127.0.0.1:{server.port}", webhook_secret="s")
    await telegram.send(message())
    head, body = server.requests[0]
    assert head.startswith(b"POST /bot1:T/sendMessage HTTP/1.1\r\n")
    sent = json.loads(body)
    assert sent["chat_id"] == "5001" and sent["text"] == "How many?"
    assert [b["callback_data"] for b in sent["reply_markup"]["inline_keyboard"][0]] == ["4:q:1", "4:q:2"]
    limited = (
        b'{"ok":false,"error_code":429,"description":"Too Many Requests","parameters":{"retry_after":7}}'
    )
    server.answer = lambda _head, _body: (
        b"HTTP/1.1 429 X\r\nContent-Length: %d\r\n\r\n%s" % (len(limited), limited)
    )
    with pytest.raises(ChannelError) as error:
        await telegram.send(message())
    assert (error.value.transient, error.value.retry_after) == (True, 7.0)
    blocked = b'{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}'
    server.answer = lambda _head, _body: (
        b"HTTP/1.1 403 X\r\nContent-Length: %d\r\n\r\n%s" % (len(blocked), blocked)
    )
    with pytest.raises(ChannelError, match="403: Forbidden") as error:
        await telegram.send(message())
    assert not error.value.transient
    server.answer = lambda _head, _body: None
    with pytest.raises(ChannelError) as error:
        await telegram.send(message())
    assert error.value.transient
    assert server.connections == 2  # one kept alive through the answers, a new one after the hang-up
    await telegram.aclose()


async def test_messenger_sends_through_it_with_the_page_token(server: Server) -> None:
    meta = MetaChannel(
        "page-token", api_url=f"http://127.0.0.1:{server.port}", app_secret="s", verify_token="v"
    )
    await meta.send(OutboundMessage(ConversationKey("messenger", "77"), "Order 1001 confirmed"))
    head, body = server.requests[0]
    assert head.startswith(b"POST /v")
    assert b"/me/messages HTTP/1.1\r\n" in head
    assert b"\r\nauthorization: bearer page-token\r\n" in head.lower()
    assert json.loads(body)["message"]["text"] == "Order 1001 confirmed"
    busy = b'{"error":{"code":2,"message":"Service temporarily unavailable"}}'
    server.answer = lambda _head, _body: b"HTTP/1.1 503 X\r\nContent-Length: %d\r\n\r\n%s" % (len(busy), busy)
    with pytest.raises(ChannelError, match="Graph 2") as error:
        await meta.send(OutboundMessage(ConversationKey("messenger", "77"), "again"))
    assert error.value.transient
    await meta.aclose()


async def test_the_provider_client_is_ours_or_the_given_transport_or_what_answers_posts_itself() -> None:
    class Answering(httpx.AsyncBaseTransport):
        """Like the benchmark's Bot API: answers POSTs directly, before any HTTP."""

        def __init__(self) -> None:
            self.posted: list[tuple[str, bytes]] = []

        async def post(self, path: str, body: bytes, content_type: str = "") -> tuple[int, bytes]:
            self.posted.append((path, body))
            return 200, b'{"ok":true}'

    answering = Answering()
    assert poster("http://x.invalid", answering) is answering
    telegram = TelegramChannel("1:T", api_url="http://x.invalid", webhook_secret="s", transport=answering)
    await telegram.send(message())
    assert [(path, json.loads(body)["text"]) for path, body in answering.posted] == [
        ("/bot1:T/sendMessage", "How many?")
    ]
    mock = httpx.MockTransport(lambda request: httpx.Response(200, json={"ok": True}))
    assert isinstance(poster("http://x.invalid", mock), TransportPoster)
    assert isinstance(poster("http://x.invalid", None), Http1Client)
