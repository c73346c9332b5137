"""Two workspaces installed through Slack's OAuth flow (against the fake Slack), sharing one
Slack Connect channel with a client: neither reads nor changes the other's data, each acts
with its own token, and an uninstall stops one workspace's sends at once and deletes its
data after the retention period."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.background.delivery import Dispatcher
from bot.blocks import ids
from bot.db import outbox, slack_pace
from bot.db.models import Answer, Check, Partnership, Person, ScheduledMessage
from bot.usecases.workspaces import delete_uninstalled_workspaces
from tests.e2e.checkflow import answer_button, start_values
from tests.e2e.test_person_data import where_the_id_remains
from tests.support import signing
from tests.support.fake_slack import FakeSlack
from tests.support.harness import Harness, make_harness

OURS, THEIRS, CLIENT = "T0AAAA", "T0BBBB", "T0CLIENT"
CONNECT = "C0CONNECT"  # one Slack Connect channel: both consultancies and their client
LEAD_A, LEAD_B, CLIENT_PERSON = "U0LEADA", "U0LEADB", "U0CLIENTX"
NAMES = {OURS: "Alpha × Client", THEIRS: "Beta × Client"}
LEADS = {OURS: LEAD_A, THEIRS: LEAD_B}
STATE_SECRET = "state-secret-of-the-tests"
# the app installed through Slack's OAuth flow, with no bot token of its own
OAUTH_MODE = {
    "SLACK_BOT_TOKEN": "",
    "SLACK_CLIENT_ID": "111.222",
    "SLACK_CLIENT_SECRET": "client-secret",
    "SLACK_STATE_SECRET": STATE_SECRET,
}


async def install_state(h: Harness) -> str:
    """The Add to Slack page: the state it hands out, `<state>.<its signature>`."""
    assert h.client is not None
    page = await h.client.get("/slack/install")
    assert page.status == 200
    html = await page.text()
    state = re.search(r"state=([0-9a-f.-]+)", html)
    assert state, "the install page links to Slack's authorize URL with a state"
    assert "client_id=111.222" in html and "chat:write" in html
    assert re.fullmatch(r"[0-9a-f-]{36}\.[0-9a-f]{64}", state.group(1)), "a signed state"
    return state.group(1)


async def redirect(h: Harness, *, code: str, state: str) -> tuple[int, str]:
    """The browser comes back from Slack with `code` and `state` (and the state's cookie)."""
    assert h.client is not None
    done = await h.client.get(
        "/slack/oauth_redirect",
        params={"code": code, "state": state},
        # the state cookie is Secure: the test's plain-HTTP client would not send it back
        headers={"Cookie": f"slack-app-oauth-state={state}"},
    )
    return done.status, await done.text()


async def install(h: Harness, team_id: str, installer: str) -> None:
    """The Add to Slack page, Slack's approval, then the redirect back with code and state."""
    state = await install_state(h)
    code = f"code-{team_id}"
    h.fake.authorize_install(team_id, installer=installer, code=code)
    status, text = await redirect(h, code=code, state=state)
    assert status == 200, text
    assert h.fake.token_of(team_id) is not None


async def client_answers_ours(h: Harness) -> None:
    """The client's person, from their own workspace, answers 4 to the newest question our
    workspace posted in the shared channel."""
    ours_question = max(
        i
        for i, c in enumerate(h.fake.calls_to("chat.postMessage"))
        if c.team_id == OURS and "blocks" in c.args
    )
    element = answer_button(h, "4", call_index=ours_question)
    reply = await h.click(
        element["action_id"],
        element["value"],
        user_id=CLIENT_PERSON,
        user_team_id=CLIENT,
        channel_id=CONNECT,
        team_id=OURS,
    )
    assert reply.status == 200


@pytest.fixture
async def two(database: tuple[str, str | None], fake_slack: FakeSlack) -> AsyncIterator[Harness]:
    url, schema = database
    h = await make_harness(
        url,
        fake_slack,
        schema=schema,
        **OAUTH_MODE,
    )
    for team, lead in LEADS.items():
        fake_slack.add_user(lead, team_id=team, is_admin=True)
    fake_slack.add_user(CLIENT_PERSON, team_id=CLIENT, is_restricted=False)
    fake_slack.add_channel(CONNECT, name="acme-connect", is_ext_shared=True)
    fake_slack.set_channel_members(CONNECT, [LEAD_A, LEAD_B, CLIENT_PERSON])
    try:
        await install(h, OURS, LEAD_A)
        await install(h, THEIRS, LEAD_B)
        yield h
        h.assert_payloads_valid()
    finally:
        await h.stop()


async def start_check(h: Harness, team: str) -> None:
    lead = LEADS[team]
    reply = await h.command("check", user_id=lead, channel_id=CONNECT, team_id=team)
    assert reply.status == 200, reply.text
    opened = h.fake.last("views.open")
    assert opened.team_id == team
    reply = await h.submit(
        ids.START_CHECK_VIEW,
        start_values(name=NAMES[team], client=[CLIENT_PERSON], mode="async", deadline=None)
        | {ids.MODE_BLOCK: {ids.MODE_INPUT: signing.radio("live")}},
        private_metadata=opened.args["view"]["private_metadata"],
        user_id=lead,
        team_id=team,
        view_id=f"V0START{team}",
    )
    assert reply.status == 200, reply.text
    assert reply.text in ("", "{}"), reply.text


def posted_by(h: Harness, team: str) -> list[dict[str, Any]]:
    return [c.args for c in h.fake.calls_to("chat.postMessage") if c.team_id == team]


async def test_each_workspace_installs_through_oauth_and_keeps_to_its_own_data(
    two: Harness,
) -> None:
    h = two
    assert [c.args.get("code") for c in h.fake.calls_to("oauth.v2.access")] == [
        f"code-{OURS}",
        f"code-{THEIRS}",
    ]
    await start_check(h, OURS)
    await start_check(h, THEIRS)
    # every call carried a live token of one of the two workspaces
    refused = [
        (c.method, c.response)
        for c in h.fake.calls
        if c.method != "oauth.v2.access"
        and not c.ok
        and (c.response or {}).get("error") in ("invalid_auth", "not_authed", "token_revoked")
    ]
    assert refused == []
    assert NAMES[OURS] in str(posted_by(h, OURS)) and NAMES[THEIRS] not in str(posted_by(h, OURS))
    assert NAMES[THEIRS] in str(posted_by(h, THEIRS))

    # the client's person answers our question in the shared channel, from their own workspace
    await client_answers_ours(h)
    async with h.db().reading() as session:
        partnerships = list(await session.scalars(select(Partnership.team_id)))
        answers = (
            await session.execute(
                select(Partnership.team_id, func.count(Answer.id))
                .join(Check, Check.partnership_id == Partnership.id)
                .join(Answer, Answer.check_id == Check.id)
                .group_by(Partnership.team_id)
            )
        ).all()
    assert set(partnerships) == {OURS, THEIRS}  # one channel, a partnership per workspace
    assert [tuple(row) for row in answers] == [(OURS, 1)]
    confirmation = h.fake.last("chat.postEphemeral")
    assert confirmation.team_id == OURS and confirmation.args["user"] == CLIENT_PERSON

    # the other workspace's lead, in the same channel: its own check, not ours
    reply = await h.command("summary", user_id=LEAD_B, channel_id=CONNECT, team_id=THEIRS)
    assert reply.status == 200
    after = [c for c in h.fake.calls if c.team_id == THEIRS][1:][-1]
    assert NAMES[OURS] not in str(after.args) and NAMES[OURS] not in reply.text

    # Home tabs: each admin sees their own workspace's partnership only
    for team, lead in LEADS.items():
        event = {"type": "app_home_opened", "user": lead, "tab": "home", "channel": "D0" + lead}
        reply = await h.post(
            signing.event_callback(event, event_id=f"EvHome{team}", team_id=team),
            None,
        )
        assert reply.status == 200
        home = h.fake.last("views.publish")
        assert home.team_id == team
        other = THEIRS if team == OURS else OURS
        assert NAMES[team] in str(home.args["view"]) and NAMES[other] not in str(home.args["view"])

    # Home's Export of the Connect channel's partnership: the asker's workspace's only
    reply = await h.click(
        ids.HOME_EXPORT, CONNECT, user_id=LEAD_B, team_id=THEIRS, channel_id="D0" + LEAD_B
    )
    assert reply.status == 200
    exported = b"".join(h.fake.uploads.values()).decode()
    assert NAMES[THEIRS] in exported and NAMES[OURS] not in exported


async def test_uninstall_stops_sends_at_once_and_deletes_the_data_after_retention(
    two: Harness,
) -> None:
    h = two
    await start_check(h, OURS)
    await start_check(h, THEIRS)
    now = h.clock.now()
    async with h.db().unit_of_work() as session:
        for team in (OURS, THEIRS):
            await outbox.enqueue(
                session=session,
                kind="reflection_reminder",
                dedupe_key=f"later:{team}",
                due_at=now + timedelta(hours=1),
                now=now,
                team_id=team,
                user_id=LEADS[team],
            )

    event = {"type": "app_uninstalled"}
    reply = await h.post(signing.event_callback(event, event_id="EvUninstall", team_id=OURS), None)
    assert reply.status == 200
    h.fake.revoke(OURS)
    async with h.db().reading() as session:
        rows = (
            await session.execute(select(ScheduledMessage.team_id, ScheduledMessage.status))
        ).all()
        statuses = {team: status for team, status in rows}
    assert statuses == {OURS: "cancelled", THEIRS: "pending"}
    installations = h.services.installations
    assert installations is not None
    assert await installations.bot_token(team_id=OURS, enterprise_id=None) is None
    assert await installations.bot_token(team_id=THEIRS, enterprise_id=None) is not None

    # a message of the uninstalled workspace queued later still never goes out
    async with h.db().unit_of_work() as session:
        await outbox.enqueue(
            session=session,
            kind="reflection_reminder",
            dedupe_key="late:ours",
            due_at=now,
            now=now,
            team_id=OURS,
            user_id=LEAD_A,
        )
    sent_before = len(h.fake.calls)
    await Dispatcher(h.services).run_once()
    assert not [c for c in h.fake.calls[sent_before:] if c.team_id == OURS or not c.ok]
    async with h.db().reading() as session:
        late = await session.scalar(
            select(ScheduledMessage).where(ScheduledMessage.dedupe_key == "late:ours")
        )
    assert late is not None and late.status == "cancelled"
    assert "not installed" in (late.last_error or "")

    # the data stays for PARTNERCHECK_RETENTION_DAYS (30), then goes, in batches
    h.clock.advance(timedelta(days=29))
    assert await delete_uninstalled_workspaces(h.services) == 0
    h.clock.advance(timedelta(days=2))
    assert await delete_uninstalled_workspaces(h.services, batch=1) == 1
    async with h.db().reading() as session:
        teams = set(await session.scalars(select(Partnership.team_id)))
        left = set(await session.scalars(select(ScheduledMessage.team_id)))
        checks = await session.scalar(select(func.count(Check.id)))
    assert teams == {THEIRS} and left == {THEIRS} and checks == 1


async def test_a_revoked_bot_token_counts_as_an_uninstall_and_a_user_token_does_not(
    two: Harness,
) -> None:
    h = two
    installations = h.services.installations
    assert installations is not None

    async def revoked(tokens: dict[str, list[str]], event_id: str) -> None:
        event = {"type": "tokens_revoked", "tokens": tokens}
        reply = await h.post(signing.event_callback(event, event_id=event_id, team_id=THEIRS), None)
        assert reply.status == 200

    await revoked({"oauth": [LEAD_B]}, "EvUserToken")
    assert await installations.bot_token(team_id=THEIRS, enterprise_id=None) is not None
    await revoked({"bot": ["U0BOT"]}, "EvBotToken")
    assert await installations.bot_token(team_id=THEIRS, enterprise_id=None) is None
    assert await installations.bot_token(team_id=OURS, enterprise_id=None) is not None


async def test_a_deleted_workspace_leaves_no_row_behind_and_the_other_keeps_its_own(
    two: Harness,
) -> None:
    """After the retention period nothing of the uninstalled workspace stays in any column of
    any table: not its people's names and settings, nor those kept for the client's person
    who answered in it; the other workspace keeps every row of its own."""
    h = two
    await start_check(h, OURS)
    await start_check(h, THEIRS)
    await client_answers_ours(h)
    # settings and stored names in both workspaces, the client's person's among them
    for user, team in ((CLIENT_PERSON, OURS), (LEAD_A, OURS), (LEAD_B, THEIRS)):
        reply = await h.command(
            "settings hours 08:00-16:00", user_id=user, channel_id=CONNECT, team_id=team
        )
        assert reply.status == 200 and "08:00" in reply.text, reply.text
    for team, lead in LEADS.items():
        reply = await h.click(
            ids.HOME_EXPORT, CONNECT, user_id=lead, team_id=team, channel_id="D0" + lead
        )
        assert reply.status == 200
    async with h.db().reading() as session:
        names = dict((await session.execute(select(Person.user_id, Person.team_id))).all())
    assert names == {LEAD_A: OURS, LEAD_B: THEIRS, CLIENT_PERSON: CLIENT}
    for team in LEADS:  # the pace of sends, as the dispatcher keeps it per workspace
        async with h.db().unit_of_work() as session:
            await slack_pace.hold_until(session=session, team_id=team, until=h.clock.now())

    reply = await h.post(
        signing.event_callback({"type": "app_uninstalled"}, event_id="EvGone", team_id=OURS),
        None,
    )
    assert reply.status == 200
    h.clock.advance(timedelta(days=31))
    assert await delete_uninstalled_workspaces(h.services) == 1

    assert await where_the_id_remains(h.db(), OURS) == []
    assert await where_the_id_remains(h.db(), LEAD_A) == []
    # the client's person stays only where the other workspace's own check holds them
    client_left = await where_the_id_remains(h.db(), CLIENT_PERSON)
    assert client_left and not [t for t in client_left if t.startswith(("people", "person_"))]
    theirs = await where_the_id_remains(h.db(), THEIRS)
    assert {"partnerships.team_id", "people.team_id", "person_settings.team_id"} <= set(theirs)
    assert {"people.user_id", "person_settings.user_id"} <= set(
        await where_the_id_remains(h.db(), LEAD_B)
    )
    # the other workspace's next export asks Slack for the client's name again
    reply = await h.click(
        ids.HOME_EXPORT, CONNECT, user_id=LEAD_B, team_id=THEIRS, channel_id="D0" + LEAD_B
    )
    assert reply.status == 200
    async with h.db().reading() as session:
        names = dict((await session.execute(select(Person.user_id, Person.team_id))).all())
    assert names == {LEAD_B: THEIRS, CLIENT_PERSON: CLIENT}
