"""A person's own data through the front door: `/partnership my data` sends them a file of
everything stored about them; `/partnership forget me` (after a confirmation form) leaves no
row anywhere that holds their id; closed checks are deleted after the retention period."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

import pytest
from slack_sdk.oauth.installation_store.models.installation import Installation
from sqlalchemy import func, select, update

from bot.blocks import ids
from bot.db.engine import Database
from bot.db.models import (
    Answer,
    Base,
    CalendarFeed,
    Check,
    Person,
    PracticeLead,
    ReflectionAnswer,
    ReflectionRequest,
    RetiredQuestion,
    Signal,
)
from bot.domain.forgetting import FORGOTTEN
from bot.slack.installations import Installations
from bot.usecases import person_data
from tests.e2e.checkflow import CHANNEL, LEAD, start_check
from tests.e2e.summaryflow import add_next_step, answer_every_question, close, comment
from tests.support.fake_slack import FakeSlack
from tests.support.harness import START, Harness, make_harness
from tests.support.seeding import closed_check, seed_due_reflections

OURS_2, CLIENT_1, CLIENT_2 = "U0OURS2", "U0CLIENT1", "U0CLIENT2"
PEOPLE = [LEAD, OURS_2, CLIENT_1, CLIENT_2]
LEAD_WORDS = "Our lead's own remark about trust"
LEAD_ANONYMOUS_WORDS = "Said without a name, still the lead's"
OTHER_WORDS = "A client's view that stays"


def picks(question_id: str, user: str) -> str:
    if question_id == "pc.goals.deal_breakers":
        return "deal_breaker" if user in (LEAD, CLIENT_1) else "none"
    if question_id in ("pc.along.common_history", "pc.actions.next_steps"):
        return "yes"
    if question_id == "pc.consultants.role":
        return "collaborator"
    return "4"


async def lead_leaves_traces_everywhere(h: Harness) -> None:
    """The lead starts and closes two checks (one anonymous), comments, raises a deal breaker,
    adds and owns next steps, sets up a repeating check, attends a meeting and reflects on it;
    and is recorded as a practice lead, a named person, a calendar's owner and a canceller."""
    await start_check(h, client=[CLIENT_1, CLIENT_2])
    await comment(h, LEAD, LEAD_WORDS)
    await comment(h, CLIENT_1, OTHER_WORDS)
    await add_next_step(h, user=LEAD, text="Book the workshop", owner=LEAD, due=None)
    await add_next_step(h, user=CLIENT_1, text="Send the roadmap", owner=LEAD, due=None)
    await answer_every_question(h, PEOPLE, picks)
    await close(h)
    await start_check(h, client=[CLIENT_1, CLIENT_2], privacy="anonymous", view_id="V0SECOND")
    await comment(h, LEAD, LEAD_ANONYMOUS_WORDS)
    await comment(h, CLIENT_2, OTHER_WORDS)
    await answer_every_question(h, PEOPLE, picks)
    await close(h)
    reply = await h.command("schedule monthly", user_id=LEAD, channel_id=CHANNEL)
    assert reply.status == 200, reply.text
    await seed_due_reflections(
        h.services,
        people=[LEAD, OURS_2],
        channel_id=CHANNEL,
        ends_at=h.clock.now() + timedelta(hours=2),
        team_id="T0OURS",
    )
    now = h.clock.now()
    async with h.db().unit_of_work() as session:
        requests = (await session.scalars(select(ReflectionRequest))).all()
        partnership_id = (await session.scalars(select(Check.partnership_id))).first()
        for request in requests:
            session.add(
                ReflectionAnswer(
                    request_id=request.id,
                    question_version_id=1,
                    value=f"reflection of {request.user_id}",
                    comment=None,
                    shared=False,
                    created_at=now,
                    updated_at=now,
                )
            )
        session.add_all(
            [
                Person(user_id=LEAD, team_id="T0OURS", name="Lena Lead", resolved_at=now),
                PracticeLead(team_id="T0OURS", user_id=LEAD, added_by=LEAD, added_at=now),
                PracticeLead(team_id="T0OURS", user_id=OURS_2, added_by=LEAD, added_at=now),
                RetiredQuestion(
                    team_id="T0OURS", question_id="pc.trust.grow", retired_by=LEAD, retired_at=now
                ),
                CalendarFeed(
                    partnership_id=partnership_id,
                    url="https://calendar.invalid/feed.ics",
                    added_by=LEAD,
                    error_reported=False,
                    created_at=now,
                ),
                Signal(
                    partnership_id=partnership_id,
                    kind="meeting_cancelled",
                    detail={"title": "Weekly", "source": "manual", "by": LEAD},
                    occurred_at=now,
                    created_at=now,
                ),
            ]
        )
    # they installed the app (slack_sdk's store records the installer)
    await Installations("111.222", h.db().engine).async_save(
        Installation(app_id="A0APP", team_id="T0OTHER", user_id=LEAD, bot_token="xoxb-other")
    )


async def where_the_id_remains(db: Database, user_id: str) -> list[str]:
    """table.column of every stored value that still holds `user_id`, across every table."""
    found = []
    async with db.reading() as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).mappings():
                for column, value in row.items():
                    shown = json.dumps(value, default=str) if value is not None else ""
                    if user_id in shown:
                        found.append(f"{table.name}.{column}")
    return sorted(set(found))


async def test_my_data_arrives_as_a_file_in_a_direct_message(harness: Harness) -> None:
    h = harness
    await lead_leaves_traces_everywhere(h)
    h.fake.clear()

    reply = await h.command("my data", user_id=LEAD, channel_id=CHANNEL)

    assert reply.status == 200
    assert "direct message" in reply.json()["text"]
    shared = h.fake.last("files.completeUploadExternal")
    assert shared.args["channel_id"] == h.fake.last("conversations.open").response["channel"]["id"]
    assert h.fake.last("conversations.open").args["users"] == LEAD
    [content] = h.fake.uploads.values()
    data = json.loads(content)
    assert data["user_id"] == LEAD
    assert data["name"] == "Lena Lead"
    questions = len(h.services.bank.template_questions("partnership_check"))
    assert len(data["answers"]) == 2 * questions
    assert {a["comment"] for a in data["answers"]} >= {LEAD_WORDS, LEAD_ANONYMOUS_WORDS}
    assert [r["answers"][0]["value"] for r in data["reflections"]] == [f"reflection of {LEAD}"]
    assert [m["title"] for m in data["meetings_attended"]] == ["Review"]
    assert data["settings"]["working_hours"] == "00:00-23:59"
    assert len(data["checks_led"]) == 2
    assert {s["text"] for s in data["next_steps"]} == {"Book the workshop", "Send the roadmap"}
    assert data["messages_to_you"][0]["status"] == "pending"
    assert data["practice_lead_in_workspaces"] == ["T0OURS"]
    # someone else's data is not in it
    assert OTHER_WORDS not in content.decode()
    assert "reflection of U0OURS2" not in content.decode()


async def test_forget_me_asks_first_then_leaves_no_row_with_the_persons_id(
    harness: Harness,
) -> None:
    h = harness
    await lead_leaves_traces_everywhere(h)
    async with h.db().reading() as session:
        before = {check.id: check.summary for check in (await session.scalars(select(Check))).all()}
        others_answers = await session.scalar(
            select(func.count()).select_from(Answer).where(Answer.user_id != LEAD)
        )
    assert await where_the_id_remains(h.db(), LEAD)  # the search finds what is there

    reply = await h.command("forget me", user_id=LEAD, channel_id=CHANNEL)
    assert reply.status == 200
    form = h.fake.last("views.open").args["view"]
    assert form["callback_id"] == ids.FORGET_ME_VIEW
    assert await where_the_id_remains(h.db(), LEAD)  # nothing is deleted before confirming

    reply = await h.submit(ids.FORGET_ME_VIEW, {}, user_id=LEAD)

    assert reply.status == 200
    assert await where_the_id_remains(h.db(), LEAD) == []
    told = h.fake.last("chat.postMessage")
    assert told.args["channel"] == "D" + LEAD
    assert told.args["text"].startswith("Done: I deleted")
    async with h.db().reading() as session:
        checks = {check.id: check for check in (await session.scalars(select(Check))).all()}
        assert (
            await session.scalar(
                select(func.count()).select_from(Answer).where(Answer.user_id != LEAD)
            )
            == others_answers
        )
        feed = await session.scalar(select(CalendarFeed))
        assert feed is not None and feed.added_by == FORGOTTEN
    for check_id, summary in before.items():
        after = checks[check_id].summary
        assert summary is not None and after is not None
        # the counts they contributed to stay
        assert after["respondents"] == summary["respondents"]
        assert after["dimensions"] == summary["dimensions"]
        assert [d["count"] for d in after["deal_breakers"]] == [
            d["count"] for d in summary["deal_breakers"]
        ]
        texts = [c["text"] for c in after["comments"]]
        assert OTHER_WORDS in texts
        assert LEAD_WORDS not in texts and LEAD_ANONYMOUS_WORDS not in texts
        assert checks[check_id].lead_user_id == FORGOTTEN


async def test_closing_the_form_forgets_nothing(harness: Harness) -> None:
    h = harness
    await start_check(h, client=[CLIENT_1])
    await answer_every_question(h, [LEAD, CLIENT_1], picks)
    await h.command("forget me", user_id=LEAD, channel_id=CHANNEL)
    # the person closes the form: Slack sends nothing (no view_closed is asked for)
    assert await where_the_id_remains(h.db(), LEAD) != []


async def test_other_words_are_refused_politely(harness: Harness) -> None:
    reply = await harness.command("forget everyone", user_id=LEAD, channel_id=CHANNEL)
    assert "forget me" in reply.json()["text"]
    reply = await harness.command("my things", user_id=LEAD, channel_id=CHANNEL)
    assert "my data" in reply.json()["text"]
    assert harness.fake.calls_to("views.open") == []


@pytest.fixture
async def keeping_30_days(database: tuple[str, str | None], fake_slack: FakeSlack) -> Any:
    url, schema = database
    app = await make_harness(url, fake_slack, schema=schema, PARTNERCHECK_KEEP_CHECKS_DAYS="30")
    try:
        yield app
    finally:
        await app.stop()


async def test_closed_checks_past_retention_go_in_batches(
    keeping_30_days: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    h = keeping_30_days
    monkeypatch.setattr(person_data, "RETENTION_BATCH", 2)
    old = [
        await closed_check(h.db(), f"C0OLD{i}", questions=3, anonymous=False, now=START)
        for i in range(5)
    ]
    recent = await closed_check(h.db(), "C0NEW", questions=3, anonymous=False, now=START)
    async with h.db().unit_of_work() as session:
        await session.execute(
            update(Check).where(Check.id.in_(old)).values(closed_at=START - timedelta(days=31))
        )
        await session.execute(
            update(Check).where(Check.id == recent).values(closed_at=START - timedelta(days=29))
        )

    with caplog.at_level(logging.INFO, logger="bot.usecases.person_data"):
        deleted = await person_data.prune_closed_checks(h.services)

    assert deleted == 5
    async with h.db().reading() as session:
        assert (await session.scalars(select(Check.id))).all() == [recent]
    assert "Retention: deleted 5 checks" in caplog.text
    assert await person_data.prune_closed_checks(h.services) == 0


async def test_retention_is_off_by_default(harness: Harness) -> None:
    h = harness
    check = await closed_check(h.db(), "C0OLD", questions=3, anonymous=False, now=START)
    async with h.db().unit_of_work() as session:
        await session.execute(
            update(Check).where(Check.id == check).values(closed_at=START - timedelta(days=3650))
        )
    assert await person_data.prune_closed_checks(h.services) == 0
    async with h.db().reading() as session:
        assert (await session.scalars(select(Check.id))).all() == [check]


async def test_my_data_of_someone_new_is_an_empty_file(harness: Harness) -> None:
    reply = await harness.command("my data", user_id="U0NEW", channel_id=CHANNEL)
    assert reply.status == 200
    [content] = harness.fake.uploads.values()
    data = json.loads(content)
    assert data["user_id"] == "U0NEW" and data["settings"] is None
    assert data["answers"] == data["reflections"] == data["meetings_attended"] == []
