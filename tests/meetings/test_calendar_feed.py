"""Parsing and expanding feeds, and planning what changed: pure, no I/O."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.calendar_feed import (
    FeedUnreadable,
    KnownMeeting,
    ParsedFeed,
    Window,
    parse_feed,
    plan_sync,
)
from tests.meetings.feeds import (
    ALL_DAY,
    BROKEN,
    CANCELLED,
    MOVED,
    ONE_OFF,
    SERIES,
    SERIES_UID,
    calendar,
)

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
WINDOW = Window.around(NOW)


def at(day: int, hour: int, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


def key(day: int, month: int = 11) -> str:
    return f"{SERIES_UID}|2026{month:02d}{day:02d}T140000Z"


def test_a_weekly_series_is_expanded_in_the_window_and_keyed_by_original_start() -> None:
    feed = parse_feed(calendar(SERIES, ONE_OFF, ALL_DAY), WINDOW)
    series = [e for e in feed.events if e.key.startswith(SERIES_UID)]
    # 17 Nov (a week back) … 19 Jan: 10 Tuesdays inside 7 days back / 60 days ahead
    assert [e.starts_at for e in series][:3] == [at(17, 14), at(24, 14), at(1, 14, 12)]
    assert len(series) == 10
    assert series[1].key == key(24)
    assert series[1].ends_at == at(24, 15)
    assert series[1].attendee_emails == (
        "ann@ours.example",
        "cleo@client.example",
        "nobody@elsewhere.example",
    )
    one_off = [e for e in feed.events if e.key == "kickoff@client.example"]
    assert one_off[0].starts_at == at(26, 9)
    assert one_off[0].ends_at == datetime(2026, 11, 26, 9, 45, tzinfo=UTC)
    assert not any("holiday" in e.key for e in feed.events)  # all-day is not a meeting


def test_a_moved_occurrence_keeps_its_key_and_a_cancelled_one_is_flagged() -> None:
    feed = parse_feed(calendar(SERIES, MOVED, CANCELLED), WINDOW)
    by_key = {e.key: e for e in feed.events}
    assert by_key[key(1, 12)].starts_at == at(2, 10, 12)
    assert by_key[key(1, 12)].title == "Weekly steering (moved)"
    assert by_key[key(8, 12)].cancelled
    assert not by_key[key(24)].cancelled


def test_summer_time_occurrences_are_converted_to_utc() -> None:
    summer = Window(start=datetime(2027, 6, 1, tzinfo=UTC), end=datetime(2027, 6, 5, tzinfo=UTC))
    [event] = parse_feed(calendar(SERIES), summer).events
    assert event.starts_at == datetime(2027, 6, 1, 13, 0, tzinfo=UTC)  # 14:00 BST


@pytest.mark.parametrize("data", [BROKEN, b"", b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n"])
def test_a_broken_feed_is_unreadable_with_a_reason(data: bytes) -> None:
    with pytest.raises(FeedUnreadable) as raised:
        parse_feed(data, WINDOW)
    assert raised.value.reason


def known(
    meeting_id: int, k: str, start: datetime, status: str = "scheduled", by_feed: bool = False
) -> KnownMeeting:
    return KnownMeeting(
        id=meeting_id,
        key=k,
        title="Weekly steering",
        starts_at=start,
        ends_at=start.replace(hour=start.hour + 1),
        status=status,
        cancelled_by_feed=by_feed,
    )


def test_plan_finds_new_moved_cancelled_and_removed_meetings() -> None:
    before = [
        known(1, key(24), at(24, 14)),
        known(2, key(1, 12), at(1, 14, 12)),
        known(3, key(8, 12), at(8, 14, 12)),
        known(4, "gone@client.example", at(27, 9)),
        known(5, "old@client.example", at(18, 9)),  # in the past: never "removed"
    ]
    feed = parse_feed(calendar(SERIES, MOVED, CANCELLED), WINDOW)
    plan = plan_sync(before, feed, window=WINDOW, now=NOW)
    assert [m.meeting_id for m in plan.moved] == [2]
    assert plan.moved[0].start_changed and plan.moved[0].previous_start == at(1, 14, 12)
    assert sorted((c.meeting_id, c.reason) for c in plan.cancelled) == [
        (3, "cancelled"),
        (4, "removed"),
    ]
    assert key(24) not in {e.key for e in plan.new}
    assert key(15, 12) in {e.key for e in plan.new}
    assert key(8, 12) not in {e.key for e in plan.new}  # cancelled and never seen: not added


def test_the_feed_brings_back_what_it_cancelled_never_what_a_person_did() -> None:
    feed = parse_feed(calendar(SERIES), WINDOW)
    before = [
        known(1, key(24), at(24, 14), status="deleted"),
        known(2, key(1, 12), at(1, 14, 12), status="cancelled", by_feed=True),
        known(3, key(8, 12), at(8, 14, 12), status="cancelled"),  # by someone, in Slack
    ]
    plan = plan_sync(before, feed, window=WINDOW, now=NOW)
    assert plan.moved == [] and plan.cancelled == []
    assert [meeting_id for meeting_id, _ in plan.reinstated] == [2]
    assert {key(24), key(8, 12)}.isdisjoint(e.key for e in plan.new)


def test_a_file_without_any_event_cancels_nothing() -> None:
    before = [known(1, key(1, 12), at(1, 14, 12))]
    empty = ParsedFeed(events=(), has_any_event=False)
    assert plan_sync(before, empty, window=WINDOW, now=NOW).cancelled == []
    emptied = ParsedFeed(events=(), has_any_event=True)
    assert [c.meeting_id for c in plan_sync(before, emptied, window=WINDOW, now=NOW).cancelled] == [
        1
    ]


def test_rules_repeating_every_hour_or_faster_are_not_meetings() -> None:
    spam = SERIES.replace("FREQ=WEEKLY;BYDAY=TU", "FREQ=SECONDLY").replace(SERIES_UID, "spam")
    feed = parse_feed(calendar(SERIES, spam), WINDOW)
    assert feed.events and all(e.key.startswith(SERIES_UID) for e in feed.events)


def test_a_feed_with_more_events_than_any_partnership_has_is_refused() -> None:
    daily = [
        SERIES.replace("FREQ=WEEKLY;BYDAY=TU", "FREQ=DAILY").replace(SERIES_UID, f"d{i}")
        for i in range(31)
    ]
    with pytest.raises(FeedUnreadable, match="more than 2000 events"):
        parse_feed(calendar(*daily), WINDOW)
