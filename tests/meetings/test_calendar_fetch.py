"""Fetching a feed: redirects, size limit, private addresses refused unless allowed."""

from __future__ import annotations

import pytest

from bot.slack.calendar_fetch import FeedFetchFailed, FetchLimits, fetch_feed, normalise_feed_url
from tests.meetings.feeds import SERIES, FeedServer, calendar

ALLOWED = FetchLimits(allow_private=True)


async def test_a_feed_is_fetched_through_a_redirect(feeds: FeedServer) -> None:
    feeds.files["cal.ics"] = calendar(SERIES)
    assert await fetch_feed(feeds.url("redirect/cal.ics"), ALLOWED) == calendar(SERIES)
    assert feeds.hits == {"redirect/cal.ics": 1, "cal.ics": 1}


async def test_a_feed_larger_than_the_limit_is_refused(feeds: FeedServer) -> None:
    feeds.files["huge.ics"] = b"X" * 3000
    limits = FetchLimits(allow_private=True, max_bytes=2048)
    with pytest.raises(FeedFetchFailed, match="larger than"):
        await fetch_feed(feeds.url("huge.ics"), limits)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "169.254.169.254", "10.1.2.3"])
async def test_private_addresses_are_refused_by_default(feeds: FeedServer, host: str) -> None:
    feeds.files["cal.ics"] = calendar(SERIES)
    url = feeds.url("cal.ics").replace("127.0.0.1", host)
    with pytest.raises(FeedFetchFailed, match="private network"):
        await fetch_feed(url, FetchLimits(timeout_seconds=2))
    assert feeds.hits.get("cal.ics", 0) == 0


@pytest.mark.parametrize(
    ("raw", "url"),
    [
        ("webcal://cal.example.com/a.ics", "https://cal.example.com/a.ics"),
        ("<https://cal.example.com/a.ics>", "https://cal.example.com/a.ics"),
        ("<https://cal.example.com/a.ics|cal.example.com/a.ics>", "https://cal.example.com/a.ics"),
    ],
)
def test_feed_addresses_are_normalised(raw: str, url: str) -> None:
    assert normalise_feed_url(raw) == url


@pytest.mark.parametrize("raw", ["ftp://cal.example.com/a.ics", "calendar", "https://"])
def test_other_addresses_are_refused(raw: str) -> None:
    with pytest.raises(ValueError):
        normalise_feed_url(raw)
