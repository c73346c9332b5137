"""When a nudge may reach a person: their working hours in their own time zone.

Pure: every function is handed `now` or the moment to judge. Local times are turned into
UTC through zoneinfo, so a daylight-saving change moves the UTC instant, never the local
hour, and a local time that does not exist (the spring-forward gap) is moved to the first
real instant after it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_DAYS = frozenset(range(5))
DEFAULT_START = time(9, 0)
DEFAULT_END = time(18, 0)
SNOOZE_HOUR = "hour"
SNOOZE_TOMORROW = "tomorrow"
SNOOZE_CHOICES = (SNOOZE_HOUR, SNOOZE_TOMORROW)
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(minutes=30)

_TIME_RE = re.compile(r"^([01]?\d|2[0-3])[:.h]?([0-5]\d)?$")


class BadHours(ValueError):
    """Working hours a person typed that we cannot read; the message says how to write them."""


@dataclass(frozen=True)
class WorkingHours:
    days: frozenset[int] = DEFAULT_DAYS  # 0 = Monday
    start: time = DEFAULT_START
    end: time = DEFAULT_END

    @classmethod
    def stored(cls, days: str, start: str, end: str) -> WorkingHours:
        """From the PersonSettings columns ("0,1,2,3,4", "09:00", "18:00")."""
        parsed = frozenset(int(d) for d in days.split(",") if d.strip().isdigit())
        return cls(days=parsed or DEFAULT_DAYS, start=parse_time(start), end=parse_time(end))

    def columns(self) -> tuple[str, str, str]:
        return (
            ",".join(str(d) for d in sorted(self.days)),
            self.start.strftime("%H:%M"),
            self.end.strftime("%H:%M"),
        )

    def describe(self) -> str:
        return f"{describe_days(self.days)}, {self.start:%H:%M}–{self.end:%H:%M}"


def zone(tz: str | None) -> ZoneInfo:
    """The person's zone; an unknown or missing name falls back to UTC."""
    try:
        return ZoneInfo(tz or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def is_working_time(moment: datetime, tz: str | None, hours: WorkingHours) -> bool:
    local = moment.astimezone(zone(tz))
    return local.weekday() in hours.days and hours.start <= local.time() < hours.end


def next_working_slot(moment: datetime, tz: str | None, hours: WorkingHours) -> datetime:
    """`moment` itself when it is working time, else the start of the next working period (UTC)."""
    if is_working_time(moment, tz, hours):
        return moment
    place = zone(tz)
    local_day = moment.astimezone(place).date()
    for offset in range(0, 8):
        day = local_day + timedelta(days=offset)
        if day.weekday() not in hours.days:
            continue
        start = local_instant(day, hours.start, place)
        if start > moment:
            return start
        end = local_instant(day, hours.end, place)
        if moment < end:  # inside today's window after a gap adjustment
            return moment
    return moment  # no working day at all (cannot happen: days is never empty)


def local_instant(day: date, at: time, place: ZoneInfo) -> datetime:
    """The UTC instant of wall-clock `at` on `day` in `place`.

    Ambiguous (clocks went back): the first of the two instants. Missing (clocks went
    forward over it): the first instant after the gap, i.e. the moment of the change.
    """
    naive = datetime.combine(day, at)
    first = naive.replace(tzinfo=place, fold=0).astimezone(UTC)
    if first.astimezone(place).replace(tzinfo=None) == naive:
        return first
    second = naive.replace(tzinfo=place, fold=1).astimezone(UTC)
    low, high = min(first, second), max(first, second)
    # the local wall clock only moves forward with UTC: search for where it passes `naive`
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(place).replace(tzinfo=None) >= naive:
            high = middle
        else:
            low = middle
    return high.replace(microsecond=0)


def snooze_until(choice: str, now: datetime, tz: str | None, hours: WorkingHours) -> datetime:
    """For "hour": an hour from now, or the next working slot after it; for "tomorrow":
    the start of the person's next working day after today, in their own time."""
    if choice == SNOOZE_HOUR:
        return next_working_slot(now + timedelta(hours=1), tz, hours)
    if choice == SNOOZE_TOMORROW:
        place = zone(tz)
        return _first_start_from(now.astimezone(place).date() + timedelta(days=1), place, hours)
    raise ValueError(f"unknown snooze choice {choice!r}")


def _first_start_from(day: date, place: ZoneInfo, hours: WorkingHours) -> datetime:
    for offset in range(0, 8):
        candidate = day + timedelta(days=offset)
        if candidate.weekday() in hours.days:
            return local_instant(candidate, hours.start, place)
    return local_instant(day, hours.start, place)


def backoff(attempt: int) -> timedelta:
    """Wait before retry number `attempt` (1, 2, …): 30 s, 1 min, 2 min … capped at 30 min."""
    return min(BACKOFF_BASE * (2 ** max(0, attempt - 1)), BACKOFF_CAP)


# ---------------------------------------------------------------- reading what people type


def parse_time(text: str) -> time:
    """Read "9", "09:30", "17.45" or "8h15" as a time; raises BadHours."""
    match = _TIME_RE.match(text.strip().lower())
    if not match:
        raise BadHours(f"I can't read {text!r} as a time: write it like 09:00 or 17:30.")
    return time(int(match.group(1)), int(match.group(2) or 0))


def parse_hours(text: str) -> tuple[time, time]:
    """Read "09:00-17:30" as (start, end); the end must come after the start, same day."""
    parts = re.split(r"\s*(?:-|–|to)\s*", text.strip().lower())
    if len(parts) != 2:
        raise BadHours("Write your hours as start-end, for example `09:00-17:30`.")
    start, end = parse_time(parts[0]), parse_time(parts[1])
    if end <= start:
        raise BadHours("Your hours must end after they start on the same day, e.g. `08:00-16:00`.")
    if (datetime.combine(date.min, end) - datetime.combine(date.min, start)) < timedelta(hours=1):
        raise BadHours("Give yourself at least one working hour, e.g. `09:00-10:00`.")
    return start, end


def parse_days(text: str) -> frozenset[int]:
    """Read "mon-fri", "mon,tue,thu" or "sun-thu" as weekday numbers (0 = Monday)."""
    days: set[int] = set()
    for chunk in re.split(r"[\s,]+", text.strip().lower()):
        if not chunk:
            continue
        ends = chunk.split("-")
        if len(ends) > 2 or any(end[:3] not in DAY_NAMES for end in ends):
            raise BadHours(
                f"I can't read {chunk!r} as days: write them like `mon-fri` or `mon,tue,thu`."
            )
        first, last = DAY_NAMES.index(ends[0][:3]), DAY_NAMES.index(ends[-1][:3])
        day = first
        while True:
            days.add(day)
            if day == last:
                break
            day = (day + 1) % 7
    if not days:
        raise BadHours("Name at least one working day, e.g. `mon-fri`.")
    return frozenset(days)


def describe_days(days: frozenset[int]) -> str:
    ordered = sorted(days)
    if ordered == list(range(5)):
        return "Monday to Friday"
    if ordered == list(range(7)):
        return "every day"
    names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    return ", ".join(names[d] for d in ordered)
