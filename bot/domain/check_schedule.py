"""When a recurring check is due: 10:00 on a weekday in the lead's own time zone. Pure."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

EVERY_DAYS = {"weekly": 7, "fortnightly": 14}
EVERY_MONTHS = {"monthly": 1, "quarterly": 3}
EVERY = (*EVERY_DAYS, *EVERY_MONTHS)
RUN_AT = time(10, 0)
SATURDAY = 5


def first_run(now: datetime, every: str, zone: ZoneInfo) -> datetime:
    """One period from today, at 10:00 local time on a weekday."""
    return _at_run_time(_advance(now.astimezone(zone).date(), every), zone)


def next_run(due: datetime, every: str, zone: ZoneInfo, *, now: datetime) -> datetime:
    """The run after `due`; runs missed while the app was down collapse into the next one."""
    day = due.astimezone(zone).date()
    while True:
        day = _advance(day, every)
        moment = _at_run_time(day, zone)
        if moment > now:
            return moment


def _advance(day: date, every: str) -> date:
    if every in EVERY_DAYS:
        return day + timedelta(days=EVERY_DAYS[every])
    if every in EVERY_MONTHS:
        month_index = day.month - 1 + EVERY_MONTHS[every]
        year, month = day.year + month_index // 12, month_index % 12 + 1
        return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
    raise ValueError(f"unknown period {every!r}")


def _at_run_time(day: date, zone: ZoneInfo) -> datetime:
    while day.weekday() >= SATURDAY:
        day += timedelta(days=1)
    # fold=0 and zoneinfo's handling of gaps keep 10:00 well clear of any DST change
    return datetime.combine(day, RUN_AT, tzinfo=zone).astimezone(UTC)
