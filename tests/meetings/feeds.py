"""iCalendar files for the calendar tests, and a small feed server on 127.0.0.1."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web

LONDON = """BEGIN:VTIMEZONE
TZID:Europe/London
BEGIN:STANDARD
DTSTART:19701025T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:19700329T010000
TZOFFSETFROM:+0000
TZOFFSETTO:+0100
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
END:VTIMEZONE"""

SERIES_UID = "steering-weekly@client.example"
# Tuesdays 14:00 London (= 14:00 UTC in winter), from 3 November 2026
SERIES = f"""BEGIN:VEVENT
UID:{SERIES_UID}
DTSTART;TZID=Europe/London:20261103T140000
DTEND;TZID=Europe/London:20261103T150000
RRULE:FREQ=WEEKLY;BYDAY=TU
SUMMARY:Weekly steering
ATTENDEE;CN=Ann:mailto:ann@ours.example
ATTENDEE;CN=Cleo:mailto:cleo@client.example
ATTENDEE;CN=Nobody:mailto:nobody@elsewhere.example
END:VEVENT"""

# the 1 December occurrence, moved to Wednesday 2 December 10:00
MOVED = f"""BEGIN:VEVENT
UID:{SERIES_UID}
RECURRENCE-ID;TZID=Europe/London:20261201T140000
DTSTART;TZID=Europe/London:20261202T100000
DTEND;TZID=Europe/London:20261202T110000
SUMMARY:Weekly steering (moved)
ATTENDEE;CN=Ann:mailto:ann@ours.example
END:VEVENT"""

# the 8 December occurrence, cancelled
CANCELLED = f"""BEGIN:VEVENT
UID:{SERIES_UID}
RECURRENCE-ID;TZID=Europe/London:20261208T140000
DTSTART;TZID=Europe/London:20261208T140000
DTEND;TZID=Europe/London:20261208T150000
STATUS:CANCELLED
SUMMARY:Weekly steering
END:VEVENT"""

ONE_OFF = """BEGIN:VEVENT
UID:kickoff@client.example
DTSTART:20261126T090000Z
DURATION:PT45M
SUMMARY:Kick-off workshop
END:VEVENT"""

ALL_DAY = """BEGIN:VEVENT
UID:holiday@client.example
DTSTART;VALUE=DATE:20261225
SUMMARY:Office closed
END:VEVENT"""


def calendar(*events: str) -> bytes:
    body = "\r\n".join(
        ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//tests//EN", LONDON, *events, "END:VCALENDAR"]
    )
    return (body.replace("\n", "\r\n").replace("\r\r\n", "\r\n") + "\r\n").encode()


BROKEN = b"<html><body>Sign in to see this calendar</body></html>"


@dataclass
class FeedServer:
    """Serves `files[path]` as text/calendar; counts every request per path."""

    files: dict[str, bytes] = field(default_factory=dict)
    status: dict[str, int] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)
    runner: web.AppRunner | None = None
    root: str = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/{path:.*}", self._serve)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        host, port = self.runner.addresses[0][:2]
        self.root = f"http://{host}:{port}/"

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    def url(self, path: str) -> str:
        return self.root + path

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"]
        self.hits[path] = self.hits.get(path, 0) + 1
        if path.startswith("redirect/"):
            raise web.HTTPFound("/" + path[len("redirect/") :])
        if path not in self.files:
            return web.Response(status=404, text="no such calendar")
        return web.Response(
            status=self.status.get(path, 200),
            body=self.files[path],
            content_type="text/calendar",
        )
