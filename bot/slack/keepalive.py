"""A small HTTP/1.1 keep-alive client for the one Slack call every answer click makes.

Each click is confirmed with chat.postEphemeral. Through aiohttp's client that one POST cost
about 0.2 ms of CPU (its request and response objects, URL, header and cookie handling), as
much as most of the rest of the click together. This client keeps a few connections to the
Web API open and, on one of them, writes the request's bytes and reads an answer of known
length or in chunks: nothing else. Anything it does not expect (a status other than 200, a
compressed body, a connection closed or timed out, malformed JSON) is "no clear answer"
(None), and the caller makes the call the SDK's way, with its retries. Connections the server
has closed, or that stayed idle longer than IDLE_SECONDS (servers drop idle ones; aiohttp's
default is the same 15 s), are not reused, so a request is not written into a dead one.

It never logs: the request carries a token and the answer echoes the message text.
"""

from __future__ import annotations

import asyncio
import json
import ssl
from typing import Any
from urllib.parse import urlsplit

MAX_IDLE_CONNECTIONS = 16
MAX_HEAD_BYTES = 16 * 1024
MAX_BODY_BYTES = 1024 * 1024
IDLE_SECONDS = 15.0

Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


class KeepAliveClient:
    """POSTs JSON to `base_url` + method over connections kept open between calls."""

    def __init__(self, base_url: str, *, timeout: float) -> None:
        url = urlsplit(base_url)
        self._host = url.hostname or ""
        self._port = url.port or (443 if url.scheme == "https" else 80)
        self._tls: ssl.SSLContext | None = (
            ssl.create_default_context() if url.scheme == "https" else None
        )
        self._path = url.path if url.path.endswith("/") else url.path + "/"
        self._host_header = url.netloc.rpartition("@")[2]
        self._timeout = timeout
        self._idle: list[tuple[Connection, float]] = []  # with when it was last used
        # a URL it cannot use (no host): every call is "no clear answer", the SDK's way then
        self._closed = url.scheme not in ("http", "https") or not self._host

    async def post_json(
        self, method: str, body: dict[str, Any], token: str
    ) -> dict[str, Any] | None:
        """Slack's JSON answer to an HTTP 200; None when there is no clear answer."""
        if self._closed:
            return None
        content = json.dumps(body, ensure_ascii=False).encode()
        request = (
            f"POST {self._path}{method} HTTP/1.1\r\n"
            f"Host: {self._host_header}\r\n"
            f"Authorization: Bearer {token}\r\n"
            "Content-Type: application/json; charset=utf-8\r\n"
            f"Content-Length: {len(content)}\r\n"
            "\r\n"
        ).encode() + content
        connection: Connection | None = None
        try:
            async with asyncio.timeout(self._timeout):
                connection = self._reusable() or await self._connect()
                reader, writer = connection
                writer.write(request)
                status, length, keep_alive = _head(await reader.readuntil(b"\r\n\r\n"))
                answer = await (_chunked(reader) if length is None else reader.readexactly(length))
        except (
            OSError,
            TimeoutError,
            ValueError,
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,  # a head or chunk line longer than MAX_HEAD_BYTES
        ):
            if connection is not None:
                connection[1].close()
            return None
        except BaseException:  # cancelled mid-call: the connection's state is unknown
            if connection is not None:
                connection[1].close()
            raise
        if keep_alive and len(self._idle) < MAX_IDLE_CONNECTIONS and not self._closed:
            self._idle.append((connection, asyncio.get_running_loop().time()))
        else:
            writer.close()
        if status != 200:
            return None
        try:
            parsed = json.loads(answer)
        except ValueError:
            return None
        return parsed if isinstance(parsed, dict) else None

    def _reusable(self) -> Connection | None:
        """The most recently used idle connection still open; older or closed ones go."""
        now = asyncio.get_running_loop().time()
        while self._idle:
            (reader, writer), since = self._idle.pop()
            if now - since < IDLE_SECONDS and not reader.at_eof() and not writer.is_closing():
                return reader, writer
            writer.close()
        return None

    async def _connect(self) -> Connection:
        return await asyncio.open_connection(
            self._host, self._port, ssl=self._tls, limit=MAX_HEAD_BYTES
        )

    async def close(self) -> None:
        self._closed = True
        idle, self._idle = self._idle, []
        for (_, writer), _since in idle:
            writer.close()


def _head(head: bytes) -> tuple[int, int | None, bool]:
    """Status, body length (None: chunked) and whether the connection stays open, from a
    response's head. ValueError for anything but an uncompressed body of known length or in
    chunks."""
    status_line, *lines = head.decode("latin-1").split("\r\n")
    version, status, *_ = status_line.split(" ", 2)
    if not version.startswith("HTTP/1."):
        raise ValueError("not HTTP/1.x")
    fields: dict[str, str] = {}
    for line in lines:
        if line:
            name, _, value = line.partition(":")
            fields[name.strip().lower()] = value.strip().lower()
    if fields.get("content-encoding", "identity") != "identity":
        raise ValueError("compressed")
    keep_alive = version == "HTTP/1.1" and fields.get("connection") != "close"
    if "transfer-encoding" in fields:
        if fields["transfer-encoding"] != "chunked":
            raise ValueError("an unknown transfer encoding")
        return int(status), None, keep_alive
    length = int(fields["content-length"]) if "content-length" in fields else -1
    if not 0 <= length <= MAX_BODY_BYTES:
        raise ValueError("no usable length")
    return int(status), length, keep_alive


async def _chunked(reader: asyncio.StreamReader) -> bytes:
    """A chunked body (RFC 9112 7.1): sized chunks up to a last one of size 0, then any
    trailer lines and an empty line."""
    body = bytearray()
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
        if size == 0:
            while await reader.readuntil(b"\r\n") != b"\r\n":
                pass  # trailer fields
            return bytes(body)
        if len(body) + size > MAX_BODY_BYTES:
            raise ValueError("body too large")
        body += await reader.readexactly(size)
        if await reader.readexactly(2) != b"\r\n":
            raise ValueError("malformed chunk")
