"""The keep-alive client for answer confirmations: one connection reused, and anything it does
not expect is "no clear answer" (None), so the gateway falls back to the SDK's call."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest

from bot.slack import keepalive
from bot.slack.keepalive import KeepAliveClient

Reply = Callable[[bytes], bytes | None]  # the request's bytes -> the raw response (None: hang)


def ok(extra_headers: str = "", body: bytes = b'{"ok": true}') -> Reply:
    def reply(_request: bytes) -> bytes:
        return (
            f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n{extra_headers}"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode() + body

    return reply


class Server:
    """A raw HTTP server on 127.0.0.1 answering each request with the next scripted reply."""

    def __init__(self, replies: list[Reply]) -> None:
        self.replies = replies
        self.connections = 0
        self.requests: list[bytes] = []
        self.close_after_reply = False

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while self.replies:
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                request = head + await reader.readexactly(length)
                self.requests.append(request)
                response = self.replies.pop(0)(request)
                if response is None:
                    await asyncio.sleep(3600)
                writer.write(response)
                await writer.drain()
                if self.close_after_reply:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@asynccontextmanager
async def serving(server: Server) -> AsyncIterator[str]:
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/api/"
    finally:
        listener.close()


async def test_calls_share_one_connection_and_send_the_token_and_json() -> None:
    server = Server([ok(), ok(), ok()])
    async with serving(server) as url:
        client = KeepAliveClient(url, timeout=5)
        for n in range(3):
            answer = await client.post_json("chat.postEphemeral", {"text": f"✓ {n}"}, "xoxb-1")
            assert answer == {"ok": True}
        await client.close()
    assert server.connections == 1
    head, _, body = server.requests[0].partition(b"\r\n\r\n")
    assert head.startswith(b"POST /api/chat.postEphemeral HTTP/1.1\r\n")
    assert b"\r\nAuthorization: Bearer xoxb-1\r\n" in head
    assert json.loads(body) == {"text": "✓ 0"}


@pytest.mark.parametrize(
    "reply",
    [
        ok(body=b"not json"),
        ok(body=b"[1, 2]"),
        lambda _: b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n",
        lambda _: b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n",
        lambda _: b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
        lambda _: b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}XX0\r\n\r\n",
        lambda _: b"HTTP/1.1 200 OK\r\nX-Long: " + b"x" * 20000 + b"\r\n\r\n",
        ok("Content-Encoding: gzip\r\n"),
        lambda _: b"HTTP/1.1 200 OK\r\n\r\n{}",  # no length
        lambda _: b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
        lambda _: b"SPDY/3 200 OK\r\nContent-Length: 0\r\n\r\n",
        lambda _: b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n{}",  # closed short
    ],
    ids=[
        "not-json",
        "not-an-object",
        "503",
        "429",
        "unknown-transfer-encoding",
        "malformed-chunk",
        "head-too-long",
        "gzip",
        "no-length",
        "bad-length",
        "not-http",
        "short-body",
    ],
)
async def test_anything_unexpected_is_no_clear_answer(reply: Reply) -> None:
    server = Server([reply])
    server.close_after_reply = True
    async with serving(server) as url:
        client = KeepAliveClient(url, timeout=5)
        assert await client.post_json("chat.postEphemeral", {}, "xoxb-1") is None
        await client.close()


async def test_a_chunked_answer_is_read_and_its_connection_kept() -> None:
    def chunked(_request: bytes) -> bytes:
        return (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            b'5;name=value\r\n{"ok"\r\n7\r\n: true}\r\n0\r\nX-Trailer: 1\r\n\r\n'
        )

    server = Server([chunked, ok()])
    async with serving(server) as url:
        client = KeepAliveClient(url, timeout=5)
        assert await client.post_json("m", {}, "t") == {"ok": True}
        assert await client.post_json("m", {}, "t") == {"ok": True}
        await client.close()
    assert server.connections == 1


async def test_a_connection_the_server_closed_is_not_written_into() -> None:
    server = Server([ok(), ok()])
    server.close_after_reply = True  # the server drops every connection after one answer
    async with serving(server) as url:
        client = KeepAliveClient(url, timeout=5)
        assert await client.post_json("m", {}, "t") == {"ok": True}
        await asyncio.sleep(0.05)  # the close arrives
        assert await client.post_json("m", {}, "t") == {"ok": True}
        await client.close()
    assert server.connections == 2


async def test_a_connection_idle_too_long_is_not_reused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keepalive, "IDLE_SECONDS", 0.0)
    server = Server([ok(), ok()])
    async with serving(server) as url:
        client = KeepAliveClient(url, timeout=5)
        assert await client.post_json("m", {}, "t") == {"ok": True}
        assert await client.post_json("m", {}, "t") == {"ok": True}
        await client.close()
    assert server.connections == 2


async def test_connection_close_is_not_kept() -> None:
    server = Server([ok("Connection: close\r\n"), ok()])
    server.close_after_reply = True
    async with serving(server) as url:
        client = KeepAliveClient(url, timeout=5)
        assert await client.post_json("m", {}, "t") == {"ok": True}
        assert await client.post_json("m", {}, "t") == {"ok": True}
        await client.close()
    assert server.connections == 2


async def test_a_server_that_never_answers_times_out_as_no_clear_answer() -> None:
    server = Server([lambda _: None])
    async with serving(server) as url:
        client = KeepAliveClient(url, timeout=0.2)
        assert await client.post_json("m", {}, "t") is None
        await client.close()


async def test_nothing_listening_and_unusable_urls_are_no_clear_answer() -> None:
    listener = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    listener.close()
    await listener.wait_closed()
    assert (
        await KeepAliveClient(f"http://127.0.0.1:{port}/", timeout=1).post_json("m", {}, "t")
        is None
    )
    assert await KeepAliveClient("http:///api/", timeout=1).post_json("m", {}, "t") is None
    closed = KeepAliveClient(f"http://127.0.0.1:{port}/", timeout=1)
    await closed.close()
    assert await closed.post_json("m", {}, "t") is None
