"""Reading an iCalendar feed into meetings, and deciding what changed since the last read.

Pure: bytes and datetimes in, plain data out. No network, database or clock.

Each meeting is keyed so that a moved occurrence keeps its key:
    a one-off event              →  "<UID>"
    an occurrence of a series    →  "<UID>|<original start, UTC>"   (its RECURRENCE-ID)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

if TYPE_CHECKING:
    import icalendar

LOOK_BACK = timedelta(days=7)
LOOK_AHEAD = timedelta(days=60)
TITLE_MAX = 200
KEY_MAX = 300
MAX_OCCURRENCES = 2000
CANCELLED = "CANCELLED"
# meetings do not repeat every hour; such rules would only cost time to expand
TOO_FREQUENT = frozenset({"SECONDLY", "MINUTELY", "HOURLY"})


class FeedUnreadable(Exception):
    """The feed is not an iCalendar file we can read; `reason` is a sentence for the lead."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class FeedEvent:
    key: str
    title: str
    starts_at: datetime
    ends_at: datetime
    cancelled: bool
    attendee_emails: tuple[str, ...] = ()


@dataclass(frozen=True)
class ParsedFeed:
    events: tuple[FeedEvent, ...]
    has_any_event: bool  # the file holds at least one VEVENT at all, in or out of the window


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime

    @classmethod
    def around(cls, now: datetime) -> Window:
        return cls(start=now - LOOK_BACK, end=now + LOOK_AHEAD)

    def holds(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


def parse_feed(data: bytes, window: Window) -> ParsedFeed:
    """Every timed event of the feed in the window, recurring events expanded.

    All-day events (holidays, out-of-office) are not meetings and are left out.
    """
    # imported on the first feed read (about 8 MB a process without calendar feeds never needs)
    import icalendar
    import recurring_ical_events

    try:
        calendar = icalendar.Calendar.from_ical(data)
    except (ValueError, IndexError, KeyError) as problem:
        raise FeedUnreadable(
            "it is not an iCalendar (.ics) file I can read"
            + (f" ({_short(problem)})" if str(problem) else "")
        ) from None
    if not isinstance(calendar, icalendar.Calendar) or calendar.name != "VCALENDAR":
        raise FeedUnreadable("it is not an iCalendar (.ics) file: it has no VCALENDAR in it")
    floating = _zone(calendar.get("X-WR-TIMEZONE"))
    sources = list(calendar.walk("VEVENT"))
    _drop_too_frequent(calendar)
    series = {
        str(event.get("UID"))
        for event in sources
        if any(event.get(name) is not None for name in ("RRULE", "RDATE", "RECURRENCE-ID"))
    }
    try:
        occurrences = recurring_ical_events.of(calendar).between(window.start, window.end)
    except Exception as problem:  # the library raises many kinds for broken rules
        raise FeedUnreadable(f"one of its events cannot be expanded ({_short(problem)})") from None
    if len(occurrences) > MAX_OCCURRENCES:
        raise FeedUnreadable(
            f"it holds more than {MAX_OCCURRENCES} events between a week ago and two months "
            "from now, which is more than a partnership's meetings; use a calendar of just "
            "this client's meetings"
        )
    events: dict[str, FeedEvent] = {}
    for occurrence in occurrences:
        event = _event(occurrence, series, floating)
        if event is not None:
            events[event.key] = event
    ordered = sorted(events.values(), key=lambda e: (e.starts_at, e.key))
    return ParsedFeed(events=tuple(ordered), has_any_event=bool(sources))


def _drop_too_frequent(calendar: icalendar.Calendar) -> None:
    def too_frequent(component: icalendar.cal.Component) -> bool:
        rules = component.get("RRULE")
        listed = rules if isinstance(rules, list) else [rules] if rules is not None else []
        return any(str(v).upper() in TOO_FREQUENT for r in listed for v in r.get("FREQ", []))

    calendar.subcomponents = [c for c in calendar.subcomponents if not too_frequent(c)]


def _event(occurrence: icalendar.Event, series: set[str], floating: ZoneInfo) -> FeedEvent | None:
    uid = occurrence.get("UID")
    start_prop = occurrence.get("DTSTART")
    if uid is None or start_prop is None:
        return None
    start = start_prop.dt
    if not isinstance(start, datetime):  # all-day
        return None
    starts_at = _utc(start, floating)
    end_prop = occurrence.get("DTEND")
    if end_prop is not None and isinstance(end_prop.dt, datetime):
        ends_at = _utc(end_prop.dt, floating)
    elif occurrence.get("DURATION") is not None:
        ends_at = starts_at + occurrence.get("DURATION").dt
    else:
        ends_at = starts_at
    ends_at = max(ends_at, starts_at)
    key = str(uid)
    if key in series:
        original = occurrence.get("RECURRENCE-ID")
        original_start = _utc(original.dt, floating) if original is not None else starts_at
        key = f"{key}|{original_start:%Y%m%dT%H%M%SZ}"
    title = " ".join(str(occurrence.get("SUMMARY") or "").split()) or "Meeting"
    return FeedEvent(
        key=key[:KEY_MAX],
        title=title[:TITLE_MAX],
        starts_at=starts_at,
        ends_at=ends_at,
        cancelled=str(occurrence.get("STATUS") or "").upper() == CANCELLED,
        attendee_emails=_emails(occurrence.get("ATTENDEE")),
    )


def _emails(attendees: object) -> tuple[str, ...]:
    if attendees is None:
        return ()
    listed = attendees if isinstance(attendees, list) else [attendees]
    found: list[str] = []
    for attendee in listed:
        address = str(attendee).strip()
        if address.lower().startswith("mailto:"):
            address = address[len("mailto:") :]
        if "@" in address:
            found.append(address.lower())
    return tuple(dict.fromkeys(found))


def _utc(moment: datetime | date, floating: ZoneInfo) -> datetime:
    if not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=floating)
    return moment.astimezone(UTC)


def _zone(name: object) -> ZoneInfo:
    try:
        return ZoneInfo(str(name)) if name else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _short(problem: BaseException) -> str:
    return " ".join(str(problem).split())[:120]


# ---------------------------------------------------------------- what changed


@dataclass(frozen=True)
class KnownMeeting:
    """A meeting we read from the feed before."""

    id: int
    key: str
    title: str
    starts_at: datetime
    ends_at: datetime
    status: str  # scheduled, cancelled or deleted
    cancelled_by_feed: bool = False  # cancelled because the feed said so, not by a person


@dataclass(frozen=True)
class Moved:
    meeting_id: int
    event: FeedEvent
    previous_start: datetime
    start_changed: bool  # False when only the end (or length) changed


@dataclass(frozen=True)
class Cancelled:
    meeting_id: int
    reason: str  # "cancelled" (STATUS:CANCELLED) or "removed" (gone from the feed)


@dataclass
class SyncPlan:
    new: list[FeedEvent] = field(default_factory=list)
    moved: list[Moved] = field(default_factory=list)
    cancelled: list[Cancelled] = field(default_factory=list)
    reinstated: list[tuple[int, FeedEvent]] = field(default_factory=list)
    retitled: list[tuple[int, str]] = field(default_factory=list)
    unchanged: list[tuple[int, FeedEvent]] = field(default_factory=list)

    @property
    def changes(self) -> int:
        return (
            len(self.new)
            + len(self.moved)
            + len(self.cancelled)
            + len(self.reinstated)
            + len(self.retitled)
        )


def plan_sync(
    known: Iterable[KnownMeeting], feed: ParsedFeed, *, window: Window, now: datetime
) -> SyncPlan:
    """Compare what the feed says now with what we stored before.

    A meeting still to come that is gone from the window is treated as cancelled; one that
    already started is left alone (calendars prune old events). A file with no events at all
    cancels nothing: that is far more often a glitch than a week with every meeting called off.
    """
    by_key = {meeting.key: meeting for meeting in known}
    plan = SyncPlan()
    seen: set[str] = set()
    for event in feed.events:
        seen.add(event.key)
        meeting = by_key.get(event.key)
        if meeting is None:
            if not event.cancelled:
                plan.new.append(event)
            continue
        if meeting.status == "deleted":
            continue
        if event.cancelled:
            if meeting.status == "scheduled":
                plan.cancelled.append(Cancelled(meeting.id, "cancelled"))
            continue
        if meeting.status == "cancelled":
            if meeting.cancelled_by_feed:  # a person's cancellation stands whatever the feed says
                plan.reinstated.append((meeting.id, event))
            continue
        if (event.starts_at, event.ends_at) != (meeting.starts_at, meeting.ends_at):
            plan.moved.append(
                Moved(
                    meeting_id=meeting.id,
                    event=event,
                    previous_start=meeting.starts_at,
                    start_changed=event.starts_at != meeting.starts_at,
                )
            )
        elif event.title != meeting.title:
            plan.retitled.append((meeting.id, event.title))
        else:
            plan.unchanged.append((meeting.id, event))
    if feed.has_any_event:
        for meeting in by_key.values():
            if (
                meeting.key not in seen
                and meeting.status == "scheduled"
                and now < meeting.starts_at < window.end
            ):
                plan.cancelled.append(Cancelled(meeting.id, "removed"))
    return plan
