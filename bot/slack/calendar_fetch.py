"""Fetching a calendar feed over HTTP: a timeout, a size limit, and no private addresses.

The address comes from a person in Slack, so by default the fetch refuses hosts that resolve
to loopback, private, link-local or otherwise internal addresses (the app's own network is
not theirs to read). Tests, and installations that host their calendars inside, allow them
with PARTNERCHECK_CALENDAR_ALLOW_PRIVATE.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import aiohttp
from aiohttp.abc import ResolveResult
from aiohttp.resolver import ThreadedResolver

MAX_BYTES = 5 * 1024 * 1024
TIMEOUT_SECONDS = 20.0
MAX_REDIRECTS = 5
CHUNK = 64 * 1024
USER_AGENT = "PartnershipCheck calendar reader"


class FeedFetchFailed(Exception):
    """The feed could not be fetched; `reason` is a sentence fragment for the lead."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class FetchLimits:
    timeout_seconds: float = TIMEOUT_SECONDS
    max_bytes: int = MAX_BYTES
    allow_private: bool = False


def normalise_feed_url(raw: str) -> str:
    """webcal:// is https:// in disguise; anything but http(s) is refused (ValueError)."""
    url = raw.strip().strip("<>")
    if "|" in url:  # Slack sends links as <url|label>
        url = url.split("|", 1)[0]
    url = url.replace("&amp;", "&")  # and escapes & in the command's text
    if url.lower().startswith("webcal://"):
        url = "https://" + url[len("webcal://") :]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(url)
    return url


async def fetch_feed(url: str, limits: FetchLimits | None = None) -> bytes:
    """The feed's bytes, following up to five redirects; FeedFetchFailed says why not."""
    limits = limits or FetchLimits()
    timeout = aiohttp.ClientTimeout(total=limits.timeout_seconds)
    resolver = _GuardedResolver(allow_private=limits.allow_private)
    connector = aiohttp.TCPConnector(resolver=resolver, limit=4)
    try:
        async with aiohttp.ClientSession(
            timeout=timeout, connector=connector, headers={"User-Agent": USER_AGENT}
        ) as session:
            for _ in range(MAX_REDIRECTS + 1):
                _refuse_private_literal(url, allow_private=limits.allow_private)
                async with session.get(url, allow_redirects=False) as response:
                    if response.status in (301, 302, 303, 307, 308):
                        location = response.headers.get("Location")
                        if not location:
                            raise FeedFetchFailed("it redirected without saying where to")
                        url = urljoin(url, location)
                        continue
                    if response.status != 200:
                        raise FeedFetchFailed(f"the server answered HTTP {response.status}")
                    return await _read_limited(response, limits.max_bytes)
            raise FeedFetchFailed("it redirected too many times")
    except FeedFetchFailed:
        raise
    except TimeoutError:
        raise FeedFetchFailed(
            f"the server did not answer within {limits.timeout_seconds:g} seconds"
        ) from None
    except aiohttp.ClientConnectorError as problem:
        if isinstance(problem.os_error, _PrivateAddress):
            raise FeedFetchFailed(str(problem.os_error)) from None
        raise FeedFetchFailed("I could not connect to its server") from None
    except aiohttp.InvalidURL:
        raise FeedFetchFailed("the address is not a valid web address") from None
    except (aiohttp.ClientError, OSError):
        raise FeedFetchFailed("the connection to its server failed") from None


async def _read_limited(response: aiohttp.ClientResponse, max_bytes: int) -> bytes:
    declared = response.content_length
    if declared is not None and declared > max_bytes:
        raise FeedFetchFailed(_too_large(max_bytes))
    data = bytearray()
    async for chunk in response.content.iter_chunked(CHUNK):
        data.extend(chunk)
        if len(data) > max_bytes:
            raise FeedFetchFailed(_too_large(max_bytes))
    return bytes(data)


def _too_large(max_bytes: int) -> str:
    return f"it is larger than {max_bytes // (1024 * 1024)} MB"


class _PrivateAddress(OSError):
    pass


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return ip.is_global and not ip.is_multicast


def _private_message() -> str:
    return "its address points inside a private network, which I am not allowed to read"


def _refuse_private_literal(url: str, *, allow_private: bool) -> None:
    host = urlsplit(url).hostname or ""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return  # a name: the resolver checks what it resolves to
    if not allow_private and not _is_public(host):
        raise FeedFetchFailed(_private_message())


class _GuardedResolver(ThreadedResolver):
    """Resolves as usual, then drops internal addresses (the connection uses what is left)."""

    def __init__(self, *, allow_private: bool) -> None:
        super().__init__()
        self.allow_private = allow_private

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await super().resolve(host, port, family)
        if self.allow_private:
            return found
        public = [entry for entry in found if _is_public(str(entry["host"]))]
        if not public:
            raise _PrivateAddress(_private_message())
        return public
