"""The pure timing policy: working hours in a person's own zone, DST, snooze, backoff."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from bot.domain.nudge_timing import (
    BadHours,
    WorkingHours,
    backoff,
    is_working_time,
    next_working_slot,
    parse_days,
    parse_hours,
    snooze_until,
)

DEFAULT = WorkingHours()
TUESDAY_1030Z = datetime(2026, 11, 24, 10, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("tz", "expected"),
    [
        ("Europe/London", TUESDAY_1030Z),  # 10:30 local: working time, send now
        # 02:30 PST: wait for 09:00 PST the same day
        ("America/Los_Angeles", datetime(2026, 11, 24, 17, 0, tzinfo=UTC)),
        # 19:30 JST: after hours, so 09:00 JST on Wednesday
        ("Asia/Tokyo", datetime(2026, 11, 25, 0, 0, tzinfo=UTC)),
        # 23:30 NZDT (UTC+13): 09:00 NZDT on Wednesday is still Tuesday in UTC
        ("Pacific/Auckland", datetime(2026, 11, 24, 20, 0, tzinfo=UTC)),
    ],
)
def test_next_slot_on_both_sides_of_utc(tz: str, expected: datetime) -> None:
    slot = next_working_slot(TUESDAY_1030Z, tz, DEFAULT)
    assert slot == expected
    assert is_working_time(slot, tz, DEFAULT)


def test_friday_evening_waits_for_monday_across_the_october_clock_change() -> None:
    # London leaves BST on Sunday 25 October 2026: Monday 09:00 is 09:00 UTC, not 08:00
    friday_evening = datetime(2026, 10, 23, 18, 30, tzinfo=UTC)  # 19:30 BST
    assert next_working_slot(friday_evening, "Europe/London", DEFAULT) == datetime(
        2026, 10, 26, 9, 0, tzinfo=UTC
    )


def test_friday_evening_waits_for_monday_across_the_march_clock_change() -> None:
    # New York enters EDT on Sunday 8 March 2026: Monday 09:00 is 13:00 UTC, not 14:00
    friday_evening = datetime(2026, 3, 6, 23, 30, tzinfo=UTC)  # 18:30 EST
    assert next_working_slot(friday_evening, "America/New_York", DEFAULT) == datetime(
        2026, 3, 9, 13, 0, tzinfo=UTC
    )


def test_hours_that_fall_in_the_spring_gap_start_when_the_clocks_change() -> None:
    # 01:30 does not exist in London on 29 March 2026; the day starts at 02:00 BST (01:00 UTC)
    early = WorkingHours(days=frozenset(range(7)), start=time(1, 30), end=time(5, 0))
    saturday_night = datetime(2026, 3, 28, 23, 0, tzinfo=UTC)
    assert next_working_slot(saturday_night, "Europe/London", early) == datetime(
        2026, 3, 29, 1, 0, tzinfo=UTC
    )


def test_ambiguous_autumn_hour_uses_the_first_occurrence_once() -> None:
    early = WorkingHours(days=frozenset(range(7)), start=time(1, 30), end=time(5, 0))
    saturday_night = datetime(2026, 10, 24, 22, 0, tzinfo=UTC)
    slot = next_working_slot(saturday_night, "Europe/London", early)
    assert slot == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 01:30 BST
    # once sent at the first 01:30, the second 01:30 (GMT) is inside hours, not a new slot
    assert next_working_slot(slot + timedelta(hours=1), "Europe/London", early) == slot + timedelta(
        hours=1
    )


def test_custom_days_and_hours_and_unknown_zone_falls_back_to_utc() -> None:
    sunday_to_thursday = WorkingHours(days=parse_days("sun-thu"), start=time(8, 0), end=time(16, 0))
    friday_noon = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    assert next_working_slot(friday_noon, "Not/AZone", sunday_to_thursday) == datetime(
        2026, 11, 29, 8, 0, tzinfo=UTC
    )


def test_snooze_an_hour_and_until_tomorrow_morning_in_local_time() -> None:
    # 17:30 JST on Tuesday: an hour later is 18:30 (after hours) -> Wednesday 09:00 JST
    now = datetime(2026, 11, 24, 8, 30, tzinfo=UTC)
    wednesday_9_jst = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)
    assert snooze_until("hour", now, "Asia/Tokyo", DEFAULT) == wednesday_9_jst
    assert snooze_until("tomorrow", now, "Asia/Tokyo", DEFAULT) == wednesday_9_jst
    # 10:30 in London: an hour later is still working time
    assert snooze_until("hour", TUESDAY_1030Z, "Europe/London", DEFAULT) == datetime(
        2026, 11, 24, 11, 30, tzinfo=UTC
    )
    # Friday: "tomorrow morning" is the next working morning, Monday
    friday = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
    assert snooze_until("tomorrow", friday, "America/Los_Angeles", DEFAULT) == datetime(
        2026, 11, 30, 17, 0, tzinfo=UTC
    )


def test_backoff_grows_and_is_capped() -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert backoff(20) == timedelta(minutes=30)


def test_reading_hours_and_days() -> None:
    assert parse_hours("8:30-17") == (time(8, 30), time(17, 0))
    assert parse_days("mon,wed, fri") == frozenset({0, 2, 4})
    with pytest.raises(BadHours, match="end after"):
        parse_hours("17:00-09:00")
    with pytest.raises(BadHours, match="days"):
        parse_days("weekdays")
    stored = WorkingHours.stored(*WorkingHours(days=frozenset({1, 2})).columns())
    assert stored.days == frozenset({1, 2})
