"""Through the front door: a person opens the app's Home tab (a really signed app_home_opened
event) and the fake Slack records the view the app publishes for them."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from bot.blocks import ids
from bot.db.engine import Database
from bot.db.models import (
    Check,
    Meeting,
    MeetingAttendee,
    NextStep,
    Participant,
    Partnership,
    ReflectionRequest,
)
from bot.domain.summary import DimensionResult, SideFigure, Summary
from tests.e2e.checkflow import CHANNEL, LEAD, answer_button, lead_button, press, start_check
from tests.support import signing
from tests.support.harness import START, Harness

TEAM = "T0OURS"
_event_ids = itertools.count(1)
_channels = itertools.count(1)


# ---------------------------------------------------------------- seeding


async def add_partnership(
    db: Database,
    name: str = "Acme",
    *,
    created_by: str = "USOMEONE",
    team_id: str = TEAM,
    at: datetime = START - timedelta(days=30),
) -> Partnership:
    async with db.unit_of_work() as session:
        partnership = Partnership(
            team_id=team_id,
            channel_id=f"C0P{next(_channels):04d}",
            name=name,
            created_by=created_by,
            created_at=at,
        )
        session.add(partnership)
        await session.flush()
    return partnership


def summary_of(partnership: Partnership, *, ticked: int, needs: int) -> dict[str, Any]:
    figure = SideFigure(answered=3, mean=4.0)
    dimensions = tuple(
        DimensionResult(
            key=f"need{i}",
            label=f"Need {i}",
            ours=figure,
            client=figure,
            ticked=i < ticked,
            divergent=False,
            deal_breaker=False,
            trend="first",
            score=4.0,
        )
        for i in range(needs)
    )
    return Summary(
        check_id=0,
        channel_id=partnership.channel_id,
        partnership_name=partnership.name,
        template_id="partnership_check",
        template_name="Partnership check",
        anonymous=False,
        closed_at=None,
        respondents={"ours": 3, "client": 3},
        dimensions=dimensions,
    ).to_json()


async def add_check(
    db: Database,
    partnership: Partnership,
    *,
    lead: str = "USOMEONE",
    status: str = "open",
    mode: str = "live",
    started: datetime,
    closed: datetime | None = None,
    deadline: datetime | None = None,
    participants: tuple[str, ...] = (),
    summary: dict[str, Any] | None = None,
    template: str = "partnership_check",
) -> int:
    async with db.unit_of_work() as session:
        check = Check(
            partnership_id=partnership.id,
            template_id=template,
            template_name=template.replace("_", " ").capitalize(),
            lead_user_id=lead,
            mode=mode,
            anonymous=False,
            status=status,
            current_position=0,
            deadline_at=deadline,
            channel_id=partnership.channel_id,
            created_at=started,
            closed_at=closed,
            summary=summary,
            participants=[
                Participant(user_id=user, side="client" if user.startswith("UC") else "ours")
                for user in participants
            ],
        )
        session.add(check)
        await session.flush()
        return check.id


async def add_step(
    db: Database, partnership: Partnership, *, owner: str, status: str = "open"
) -> None:
    async with db.unit_of_work() as session:
        session.add(
            NextStep(
                partnership_id=partnership.id,
                text="Send the draft plan",
                owner_user_id=owner,
                status=status,
                created_by=owner,
                created_at=START - timedelta(days=2),
            )
        )


async def add_reflection(
    db: Database,
    partnership: Partnership,
    *,
    user: str,
    title: str = "Weekly review",
    ended: datetime,
    status: str = "waiting",
    meeting_status: str = "scheduled",
) -> int:
    async with db.unit_of_work() as session:
        meeting = Meeting(
            partnership_id=partnership.id,
            title=title,
            starts_at=ended - timedelta(hours=1),
            ends_at=ended,
            status=meeting_status,
            source="manual",
            created_at=START - timedelta(days=3),
            updated_at=START - timedelta(days=3),
            attendees=[MeetingAttendee(user_id=user)],
        )
        session.add(meeting)
        await session.flush()
        request = ReflectionRequest(
            meeting_id=meeting.id, user_id=user, status=status, created_at=meeting.created_at
        )
        session.add(request)
        await session.flush()
        return request.id


# ---------------------------------------------------------------- driving and reading


async def open_home(harness: Harness, user_id: str, *, tab: str = "home") -> dict[str, Any]:
    """The view published for `user_id` after they open the tab (really signed event)."""
    before = len(harness.fake.calls_to("views.publish"))
    event_body = {
        "type": "app_home_opened",
        "user": user_id,
        "channel": f"D{user_id}",
        "tab": tab,
        "event_ts": "1700000000.000100",
    }
    body = signing.event_callback(event_body, event_id=f"Ev0HOME{next(_event_ids)}", team_id=TEAM)
    reply = await harness.post(body)
    assert reply.status == 200
    calls = harness.fake.calls_to("views.publish")
    assert len(calls) == before + 1, "opening the Home tab publishes exactly one view"
    call = calls[-1]
    assert call.args["user_id"] == user_id
    view = call.args["view"]
    assert view["type"] == "home"
    return view


def headers(view: dict[str, Any]) -> list[str]:
    return [b["text"]["text"] for b in view["blocks"] if b["type"] == "header"]


def sections_under(view: dict[str, Any], heading: str) -> list[dict[str, Any]]:
    """The section blocks between the header `heading` and the next divider or header."""
    found: list[dict[str, Any]] = []
    inside = False
    for block in view["blocks"]:
        if block["type"] == "header":
            inside = block["text"]["text"] == heading
        elif block["type"] == "divider":
            inside = False
        elif inside and block["type"] == "section":
            found.append(block)
    return found


def texts_under(view: dict[str, Any], heading: str) -> list[str]:
    return [block["text"]["text"] for block in sections_under(view, heading)]


def all_text(view: dict[str, Any]) -> str:
    parts: list[str] = []
    for block in view["blocks"]:
        if "text" in block:
            parts.append(block["text"]["text"])
        for element in block.get("elements", []):
            text = element.get("text", "") if isinstance(element, dict) else ""
            parts.append(text["text"] if isinstance(text, dict) else text)  # buttons: plain_text
    return "\n".join(parts)


@contextmanager
def statements_run(db: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        # leave out the front door's replay key (its transaction and its insert)
        if "seen_deliveries" not in statement and not statement.startswith("BEGIN"):
            seen.append(statement)

    engines = {db.engine.sync_engine}
    if db.is_sqlite:  # SQLite reads have an engine of their own; PostgreSQL's share the pool
        engines.add(db.read_engine.sync_engine)
    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", record)


YOURS = "Your partnerships"
EVERYONE = "All partnerships in this workspace"
WAITING = "Waiting for your reflection"


# ---------------------------------------------------------------- tests


async def test_someone_new_is_told_how_to_begin(harness: Harness) -> None:
    view = await open_home(harness, "UNEW")
    text = all_text(view)
    assert "Nothing here yet" in text
    assert "`/partnership check`" in text and "`/partnership help`" in text
    assert headers(view) == ["Partnership Check", YOURS]
    assert texts_under(view, YOURS) == ["You aren't part of any partnership yet."]


async def test_the_messages_tab_publishes_nothing(harness: Harness) -> None:
    await harness.post(
        signing.event_callback(
            {"type": "app_home_opened", "user": "ULEAD", "channel": "DULEAD", "tab": "messages"},
            event_id="Ev0MESSAGES",
        )
    )
    assert harness.fake.calls_to("views.publish") == []
    await open_home(harness, "ULEAD")  # and the Home tab still does


async def test_a_lead_sees_running_and_summarised_checks_with_verdict_and_their_steps(
    harness: Harness,
) -> None:
    db = harness.db()
    summarised = await add_partnership(db, "Globex", created_by="ULEAD")
    await add_check(
        db,
        summarised,
        lead="ULEAD",
        status="summarised",
        started=START - timedelta(days=5),
        closed=START - timedelta(days=4),
        summary=summary_of(summarised, ticked=4, needs=5),
    )
    await add_step(db, summarised, owner="ULEAD")
    await add_step(db, summarised, owner="ULEAD", status="done")
    await add_step(db, summarised, owner="UOTHER")
    live = await add_partnership(db, "Initech")
    await add_check(db, live, lead="ULEAD", started=START - timedelta(hours=2))
    deadline = START + timedelta(days=2)
    running = await add_partnership(db, "Umbrella")
    await add_check(
        db,
        running,
        lead="UOTHER",
        mode="async",
        started=START - timedelta(days=1),
        deadline=deadline,
        participants=("ULEAD", "UCLIENT"),
    )
    await add_partnership(db, "Hooli", created_by="UOTHER")  # someone else's

    view = await open_home(harness, "ULEAD")

    texts = texts_under(view, YOURS)
    assert [t.split("*")[1] for t in texts] == ["Initech", "Umbrella", "Globex"]
    initech, umbrella, globex = texts
    assert f"<#{live.channel_id}>" in initech and "running live" in initech
    assert "open for answers until" in umbrella
    assert f"<!date^{int(deadline.timestamp())}^" in umbrella
    assert "closed and summarised" in globex
    assert "4 of 5 needs ticked" in globex
    assert "You own 1 open next step here." in globex
    assert "next step" not in initech and "next step" not in umbrella
    assert "Hooli" not in all_text(view)
    assert "Nothing here yet" not in all_text(view)


async def test_an_open_check_after_a_summary_keeps_the_summary_verdict(harness: Harness) -> None:
    db = harness.db()
    partnership = await add_partnership(db, "Globex", created_by="ULEAD")
    await add_check(
        db,
        partnership,
        lead="ULEAD",
        status="summarised",
        started=START - timedelta(days=40),
        closed=START - timedelta(days=39),
        summary=summary_of(partnership, ticked=1, needs=5),
    )
    await add_check(db, partnership, lead="ULEAD", started=START - timedelta(hours=1))
    [text] = texts_under(await open_home(harness, "ULEAD"), YOURS)
    assert "running live" in text
    assert "Latest summary" in text and "1 of 5 needs ticked" in text


async def test_someone_who_only_took_part_sees_that_partnership_only(harness: Harness) -> None:
    db = harness.db()
    joined = await add_partnership(db, "Acme")
    await add_check(
        db,
        joined,
        status="closed",
        started=START - timedelta(days=3),
        closed=START - timedelta(days=2),
        participants=("UCLIENT",),
    )
    other = await add_partnership(db, "Hooli")
    await add_check(db, other, started=START - timedelta(days=1), participants=("UANN",))

    [text] = texts_under(await open_home(harness, "UCLIENT"), YOURS)
    assert "*Acme*" in text and "closed" in text and "summary still to come" in text


async def test_an_admin_sees_every_partnership_of_the_workspace(harness: Harness) -> None:
    db = harness.db()
    harness.fake.add_user("UADMIN", is_admin=True)
    harness.fake.add_user("UPLAIN")
    mine = await add_partnership(db, "Acme", created_by="UPLAIN")
    await add_partnership(db, "Globex", created_by="UOTHER")
    await add_partnership(db, "Elsewhere", created_by="UOTHER", team_id="T0THEIRS")

    admin_view = await open_home(harness, "UADMIN")
    assert EVERYONE in headers(admin_view) and YOURS not in headers(admin_view)
    names = sorted(t.split("*")[1] for t in texts_under(admin_view, EVERYONE))
    assert names == ["Acme", "Globex"]

    plain_view = await open_home(harness, "UPLAIN")
    assert YOURS in headers(plain_view) and EVERYONE not in headers(plain_view)
    [text] = texts_under(plain_view, YOURS)
    assert f"*Acme* · <#{mine.channel_id}>" in text
    assert "Globex" not in all_text(plain_view)


async def test_an_admin_of_the_clients_workspace_is_not_a_workspace_admin_here(
    harness: Harness,
) -> None:
    harness.fake.add_user("UCADMIN", is_admin=True, team_id="T0THEIRS")
    await add_partnership(harness.db(), "Globex", created_by="UOTHER")
    view = await open_home(harness, "UCADMIN")
    assert EVERYONE not in headers(view)
    assert "Globex" not in all_text(view)


async def test_many_partnerships_are_capped_with_the_same_statements(harness: Harness) -> None:
    db = harness.db()

    async def add_involved(count: int) -> None:
        for _ in range(count):
            n = next(_channels)
            partnership = await add_partnership(
                db, f"Client {n:03d}", at=START - timedelta(days=20, minutes=n)
            )
            summary = summary_of(partnership, ticked=2, needs=5)
            await add_check(
                db,
                partnership,
                lead="ULEAD",
                status="summarised",
                started=START - timedelta(days=10, minutes=n),
                closed=START - timedelta(days=9, minutes=n),
                summary=summary,
            )
            await add_step(db, partnership, owner="ULEAD")

    await add_involved(3)
    with statements_run(db) as few:
        small = await open_home(harness, "ULEAD")
    assert len(texts_under(small, YOURS)) == 3
    assert "more partnership" not in all_text(small)

    await add_involved(37)
    with statements_run(db) as many:
        big = await open_home(harness, "ULEAD")
    shown = texts_under(big, YOURS)
    assert len(shown) == 15
    assert all("2 of 5 needs ticked" in text and "1 open next step" in text for text in shown)
    assert "…and 25 more partnerships" in all_text(big)
    assert len(big["blocks"]) <= 100

    assert len(few) == len(many)
    # practice lead?, five for anyone (the fifth: where they answer for the client), five
    # more for a lead's own
    assert len(many) <= 11
    assert all(statement.startswith("SELECT") for statement in many)


async def test_user_written_names_are_escaped(harness: Harness) -> None:
    db = harness.db()
    partnership = await add_partnership(db, "<!channel> Acme <@U0BOSS>", created_by="ULEAD")
    await add_reflection(
        db, partnership, user="ULEAD", title="<!here> kickoff", ended=START - timedelta(hours=1)
    )
    text = all_text(await open_home(harness, "ULEAD"))
    assert "&lt;!channel&gt; Acme &lt;@U0BOSS&gt;" in text
    assert "&lt;!here&gt; kickoff" in text
    assert "<!channel>" not in text and "<!here>" not in text and "<@U0BOSS>" not in text


async def test_a_waiting_reflection_opens_the_reflection_form(harness: Harness) -> None:
    db = harness.db()
    partnership = await add_partnership(db, "Acme")
    waiting = await add_reflection(
        db, partnership, user="UANN", title="Roadmap review", ended=START - timedelta(hours=3)
    )
    newer = await add_reflection(
        db, partnership, user="UANN", title="Budget talk", ended=START - timedelta(hours=1)
    )
    await add_reflection(db, partnership, user="UANN", title="Future", ended=START + timedelta(1))
    await add_reflection(
        db, partnership, user="UANN", title="Done", ended=START - timedelta(2), status="answered"
    )
    await add_reflection(
        db,
        partnership,
        user="UANN",
        title="Called off",
        ended=START - timedelta(hours=2),
        meeting_status="cancelled",
    )
    await add_reflection(
        db, partnership, user="UBOB", title="Not yours", ended=START - timedelta(hours=1)
    )

    view = await open_home(harness, "UANN")
    listed = sections_under(view, WAITING)
    assert [b["text"]["text"].split("*")[1] for b in listed] == ["Budget talk", "Roadmap review"]
    buttons = [b["accessory"] for b in listed]
    assert [(b["action_id"], b["value"]) for b in buttons] == [
        (ids.REFLECT_NOW, str(newer)),
        (ids.REFLECT_NOW, str(waiting)),
    ]
    assert "Nothing here yet" not in all_text(view)  # a reflection is something to do

    await harness.click(
        ids.REFLECT_NOW, buttons[1]["value"], user_id="UANN", view={"type": "home", "blocks": []}
    )
    form = harness.fake.last("views.open").args["view"]
    assert form["callback_id"] == ids.REFLECTION_VIEW
    assert form["private_metadata"] == str(waiting)
    assert "Roadmap review" in all_text(form)


async def test_many_waiting_reflections_are_capped(harness: Harness) -> None:
    partnership = await add_partnership(harness.db(), "Acme")
    for n in range(12):
        await add_reflection(
            harness.db(),
            partnership,
            user="UANN",
            title=f"Meeting {n}",
            ended=START - timedelta(hours=n + 1),
        )
    view = await open_home(harness, "UANN")
    assert len(sections_under(view, WAITING)) == 10
    assert "…and 2 more reflections waiting." in all_text(view)


async def test_slack_refusing_the_view_is_logged_and_nobody_is_bothered(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    await add_partnership(harness.db(), "<!channel> Secret name", created_by="ULEAD")
    harness.fake.error_next("views.publish", "invalid_blocks")
    caplog.set_level(logging.DEBUG)

    await open_home(harness, "ULEAD")

    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert "Home tab not published: Slack answered invalid_blocks" in warnings
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert "Secret name" not in caplog.text and "xoxb-" not in caplog.text
    said = {"chat.postMessage", "chat.postEphemeral", "conversations.open"}
    assert [c.method for c in harness.fake.calls if c.method in said] == []


# ---------------------------------------------------------------- who counts, which verdict


async def test_someone_who_answered_or_reflects_is_part_of_the_partnership(
    harness: Harness,
) -> None:
    h = harness
    await start_check(h, name="Answered & Co")
    await press(h, answer_button(h, "4"), user="U0OURS2")  # answered, never named
    [text] = texts_under(await open_home(h, "U0OURS2"), YOURS)
    assert "*Answered &amp; Co*" in text
    asked = await add_partnership(h.db(), "Reflected")
    await add_reflection(h.db(), asked, user="UREF", ended=START - timedelta(hours=1))
    view = await open_home(h, "UREF")
    assert [t.split("*")[1] for t in texts_under(view, YOURS)] == ["Reflected"]
    assert "You aren't part of any partnership yet" not in all_text(view)


async def test_the_verdict_is_the_partnership_checks_not_a_later_self_checks(
    harness: Harness,
) -> None:
    db = harness.db()
    partnership = await add_partnership(db, "Globex", created_by="ULEAD")
    for template, ticked, days in (("partnership_check", 2, 20), ("self_check", 5, 2)):
        await add_check(
            db,
            partnership,
            lead="ULEAD",
            status="summarised",
            started=START - timedelta(days=days),
            closed=START - timedelta(days=days - 1),
            summary=summary_of(partnership, ticked=ticked, needs=5),
            template=template,
        )
    [text] = texts_under(await open_home(harness, "ULEAD"), YOURS)
    assert "Self check closed and summarised" in text  # the latest check, whatever it was
    assert "Latest summary of the partnership check" in text
    assert "2 of 5 needs ticked" in text and "All 5 needs" not in text


# ---------------------------------------------------------------- acting from Home


def home_buttons(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        element["action_id"]: element
        for block in view["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    }


async def click_in_home(harness: Harness, element: dict[str, Any], user: str) -> None:
    reply = await harness.click(
        element["action_id"], element["value"], user_id=user, view={"type": "home", "blocks": []}
    )
    assert reply.status == 200


async def test_home_opens_the_summary_the_meeting_form_and_the_self_check_how_to(
    harness: Harness,
) -> None:
    h = harness
    db = h.db()
    partnership = await add_partnership(db, "Globex", created_by="ULEAD")
    await add_check(
        db,
        partnership,
        lead="ULEAD",
        status="summarised",
        started=START - timedelta(days=3),
        closed=START - timedelta(days=2),
        summary=summary_of(partnership, ticked=4, needs=5),
    )
    buttons = home_buttons(await open_home(h, "ULEAD"))
    assert buttons[ids.HOME_EXPORT]["value"] == partnership.channel_id  # the lead may export
    assert buttons[ids.HOME_OPEN_SUMMARY]["value"] == partnership.channel_id

    await click_in_home(h, buttons[ids.HOME_OPEN_SUMMARY], "ULEAD")
    opened = h.fake.last("views.open").args["view"]
    assert opened["title"]["text"] == "Latest summary"
    assert "4 of 5 needs ticked" in all_text(opened)

    await click_in_home(h, buttons[ids.HOME_LOG_MEETING], "ULEAD")
    form = h.fake.last("views.open").args["view"]
    assert form["callback_id"] == ids.MEETING_VIEW
    assert form["private_metadata"] == partnership.channel_id

    await click_in_home(h, buttons[ids.HOME_SELF_CHECK], "ULEAD")
    assert "`/partnership self-check`" in all_text(h.fake.last("views.open").args["view"])

    # someone who doesn't see the partnership gets no summary, whatever they send
    opened_before = len(h.fake.calls_to("views.open"))
    await click_in_home(h, buttons[ids.HOME_OPEN_SUMMARY], "USTRANGER")
    assert len(h.fake.calls_to("views.open")) == opened_before
    told = h.fake.last("chat.postMessage")
    assert "isn't one of yours" in told.args["text"]

    # the meeting form proposes our people: someone from the client's workspace can't open it
    h.fake.add_user("UCLIENT", team_id="T0CLIENT")
    await click_in_home(h, buttons[ids.HOME_LOG_MEETING], "UCLIENT")
    assert len(h.fake.calls_to("views.open")) == opened_before
    assert "Only our side" in h.fake.last("chat.postMessage").args["text"]
    h.assert_payloads_valid()


async def test_a_consultant_who_answered_two_checks_sees_the_partnership_and_its_buttons(
    harness: Harness,
) -> None:
    """The issue's case: a consultant (our side, not the lead) answered two checks. Their Home
    lists the partnership with what they may do from there; a guest who answered for the
    client sees the partnership but no button that would only refuse them."""
    h = harness
    h.fake.add_user("U0EXT1", is_restricted=True)  # a guest of ours, the client's person
    for round_, view_id in enumerate(("V0START1", "V0START2")):
        await start_check(h, name="Twice & Co", view_id=view_id)
        await press(h, answer_button(h, "4"), user="U0OURS2")
        if round_:
            await press(h, answer_button(h, "2"), user="U0EXT1")
        await press(h, lead_button(h, ids.CLOSE_CHECK))
    view = await open_home(h, "U0OURS2")
    [text] = texts_under(view, YOURS)
    assert "*Twice &amp; Co*" in text
    assert "Latest summary of the partnership check" in text
    assert "You aren't part of any partnership yet" not in all_text(view)
    assert set(home_buttons(view)) == {
        ids.HOME_SELF_CHECK,
        ids.HOME_LOG_MEETING,
        ids.HOME_OPEN_SUMMARY,
    }

    guest = await open_home(h, "U0EXT1")
    assert [t.split("*")[1] for t in texts_under(guest, YOURS)] == ["Twice &amp; Co"]
    assert set(home_buttons(guest)) == {ids.HOME_OPEN_SUMMARY}
    h.assert_payloads_valid()


async def test_someone_of_ours_named_for_the_client_gets_no_meeting_button_there(
    harness: Harness,
) -> None:
    """A person of our workspace named on the client side of the latest check answers for the
    client there: Home offers them no *Log a meeting* for it, which would only refuse them."""
    h = harness
    await start_check(h, name="Sister company", client=["U0OURS2"])
    await press(h, answer_button(h, "4"), user="U0OURS2")
    buttons = home_buttons(await open_home(h, "U0OURS2"))
    assert ids.HOME_LOG_MEETING not in buttons
    assert ids.HOME_SELF_CHECK in buttons  # elsewhere they are still our side
    assert ids.HOME_LOG_MEETING in home_buttons(await open_home(h, LEAD))


async def test_an_admin_exports_a_partnership_to_their_direct_messages(harness: Harness) -> None:
    h = harness
    h.fake.add_user("UADMIN", is_admin=True)
    h.fake.add_user("UPLAIN")
    await start_check(h, name="Exported")
    await press(h, answer_button(h, "4"), user="U0OURS2")
    buttons = home_buttons(await open_home(h, "UADMIN"))
    await click_in_home(h, buttons[ids.HOME_EXPORT], "UADMIN")
    uploads = h.fake.calls_to("files.getUploadURLExternal")
    assert sorted(c.args["filename"].rsplit(".", 1)[1] for c in uploads) == ["csv", "json", "md"]
    shared = h.fake.calls_to("files.completeUploadExternal")
    dm = h.fake.last("conversations.open").args["users"]
    assert dm == "UADMIN" and all(c.args["channel_id"] != CHANNEL for c in shared)

    await click_in_home(h, buttons[ids.HOME_EXPORT], "UPLAIN")  # a forged click
    assert len(h.fake.calls_to("files.getUploadURLExternal")) == len(uploads)
    assert "Only the partnership's lead" in h.fake.last("chat.postMessage").args["text"]
