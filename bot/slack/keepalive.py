"""A small HTTP/1.1 keep-alive client for the one Slack call every answer click makes.

Each click is confirmed with chat.postEphemeral. Through aiohttp's client that one POST cost
about 0.2 ms of CPU (its request and response objects, URL, header and cookie handling), as
much as most of the rest of the click together. This client keeps a few connections to the
Web API open and, on one of them, writes the request's bytes and reads an answer of known
length: nothing else. Anything it does not expect (a status other than 200, a chunked or
compressed body, a connection closed or timed out, malformed JSON) is "no clear answer"
(None), and the caller makes the call the SDK's way, with its retries.

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
        self._idle: list[Connection] = []
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
                connection = self._idle.pop() if self._idle else await self._connect()
                reader, writer = connection
                writer.write(request)
                status, length, keep_alive = _head(await reader.readuntil(b"\r\n\r\n"))
                answer = await reader.readexactly(length)
        except (OSError, TimeoutError, ValueError, asyncio.IncompleteReadError):
            if connection is not None:
                connection[1].close()
            return None
        except BaseException:  # cancelled mid-call: the connection's state is unknown
            if connection is not None:
                connection[1].close()
            raise
        if keep_alive and len(self._idle) < MAX_IDLE_CONNECTIONS and not self._closed:
            self._idle.append(connection)
        else:
            writer.close()
        if status != 200:
            return None
        try:
            parsed = json.loads(answer)
        except ValueError:
            return None
        return parsed if isinstance(parsed, dict) else None

    async def _connect(self) -> Connection:
        return await asyncio.open_connection(
            self._host, self._port, ssl=self._tls, limit=MAX_HEAD_BYTES
        )

    async def close(self) -> None:
        self._closed = True
        idle, self._idle = self._idle, []
        for _, writer in idle:
            writer.close()


def _head(head: bytes) -> tuple[int, int, bool]:
    """Status, body length and whether the connection stays open, from a response's head.
    ValueError for anything but a body of known length sent as is."""
    status_line, *lines = head.decode("latin-1").split("\r\n")
    version, status, *_ = status_line.split(" ", 2)
    if not version.startswith("HTTP/1."):
        raise ValueError("not HTTP/1.x")
    fields: dict[str, str] = {}
    for line in lines:
        if line:
            name, _, value = line.partition(":")
            fields[name.strip().lower()] = value.strip().lower()
    if "transfer-encoding" in fields or fields.get("content-encoding", "identity") != "identity":
        raise ValueError("not a plain body")
    length = int(fields["content-length"]) if "content-length" in fields else -1
    if not 0 <= length <= MAX_BODY_BYTES:
        raise ValueError("no usable length")
    keep_alive = version == "HTTP/1.1" and fields.get("connection") != "close"
    return int(status), length, keep_alive
