"""An Enterprise Grid organisation installs the app org-wide through Slack's OAuth flow
(against the fake Slack): requests from any of its workspaces are served, background work for
them sends with the organisation's token, and uninstalling the organisation stops every one of
its workspaces at once and deletes their data after the retention period. A workspace
installed on its own beside it is unaffected throughout."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from urllib.parse import parse_qs, urlencode

import pytest
from sqlalchemy import select

from bot.background.delivery import Dispatcher
from bot.blocks import ids
from bot.db import outbox
from bot.db.models import Answer, InstalledWorkspace, Partnership, ScheduledMessage
from bot.usecases.checks import close_due_checks
from bot.usecases.workspaces import delete_uninstalled_workspaces
from tests.e2e.checkflow import answer_button, start_values
from tests.support import signing
from tests.support.fake_slack import FakeSlack
from tests.support.harness import START, Harness, make_harness
from tests.workspaces.test_two_workspaces import OAUTH_MODE, install, install_state, redirect

ORG = "E0GRID"
GRID_1, GRID_2, SOLO, CLIENT = "T0GRID1", "T0GRID2", "T0SOLO", "T0CLIENT"
LEADS = {GRID_1: "U0LEADG1", GRID_2: "U0LEADG2", SOLO: "U0LEADSOLO"}
CHANNELS = {GRID_1: "C0GRID1", GRID_2: "C0GRID2", SOLO: "C0SOLO"}
CLIENT_PERSON = "U0CLIENTG"
DEADLINE = int((START + timedelta(days=2)).timestamp())


def org_of(team: str) -> str | None:
    return ORG if team in (GRID_1, GRID_2) else None


async def install_org_wide(h: Harness) -> None:
    """An admin of the organisation approves the install for every workspace of it."""
    state = await install_state(h)
    h.fake.authorize_org_install(ORG, installer=LEADS[GRID_1], code="code-org")
    status, text = await redirect(h, code="code-org", state=state)
    assert status == 200, text
    assert h.fake.token_of(ORG) is not None


@pytest.fixture
async def grid(database: tuple[str, str | None], fake_slack: FakeSlack) -> AsyncIterator[Harness]:
    url, schema = database
    h = await make_harness(
        url,
        fake_slack,
        schema=schema,
        **OAUTH_MODE,
    )
    for team, lead in LEADS.items():
        fake_slack.add_user(lead, team_id=team, is_admin=True)
        fake_slack.add_channel(CHANNELS[team], name=f"client-{team.lower()}", is_ext_shared=True)
        fake_slack.set_channel_members(CHANNELS[team], [lead, CLIENT_PERSON])
    fake_slack.add_user(CLIENT_PERSON, team_id=CLIENT)
    for team in (GRID_1, GRID_2, CLIENT):
        fake_slack.add_team(team, f"Team {team}")
    try:
        await install_org_wide(h)
        await install(h, SOLO, LEADS[SOLO])
        yield h
        h.assert_payloads_valid()
    finally:
        await h.stop()


async def start_check(h: Harness, team: str, *, mode: str) -> None:
    """The lead's /partnership check and the start form, from `team`."""
    lead, channel, org = LEADS[team], CHANNELS[team], org_of(team)
    reply = await h.command(
        "check", user_id=lead, channel_id=channel, team_id=team, enterprise_id=org
    )
    assert reply.status == 200, reply.text
    opened = h.fake.last("views.open")
    assert opened.team_id == (org or team)  # the organisation's token, or the workspace's
    values = start_values(
        name=f"{team} × Client",
        client=[CLIENT_PERSON],
        mode=mode,
        deadline=DEADLINE if mode == "async" else None,
    )
    reply = await h.submit(
        ids.START_CHECK_VIEW,
        values,
        private_metadata=opened.args["view"]["private_metadata"],
        user_id=lead,
        team_id=team,
        view_id=f"V0START{team}",
        enterprise_id=org,
    )
    assert reply.status == 200 and reply.text in ("", "{}"), reply.text


async def test_an_org_wide_install_serves_every_workspace_of_the_organisation(
    grid: Harness,
) -> None:
    h = grid
    # the organisation is recorded; its workspaces once they are heard from
    async with h.db().reading() as session:
        known = {
            w.team_id: w.enterprise_id for w in await session.scalars(select(InstalledWorkspace))
        }
    assert known == {ORG: ORG, SOLO: None}

    await start_check(h, GRID_1, mode="async")
    await start_check(h, GRID_2, mode="live")
    await start_check(h, SOLO, mode="async")

    # the client answers GRID_2's live question: the answer click's fast lane
    question = max(
        i
        for i, c in enumerate(h.fake.calls_to("chat.postMessage"))
        if c.args.get("channel") == CHANNELS[GRID_2] and "blocks" in c.args
    )
    element = answer_button(h, "4", call_index=question)
    reply = await h.click(
        element["action_id"],
        element["value"],
        user_id=CLIENT_PERSON,
        user_team_id=CLIENT,
        channel_id=CHANNELS[GRID_2],
        team_id=GRID_2,
        enterprise_id=ORG,
    )
    assert reply.status == 200
    confirmation = h.fake.last("chat.postEphemeral")
    assert confirmation.team_id == ORG and confirmation.args["user"] == CLIENT_PERSON
    async with h.db().reading() as session:
        answers = list(await session.scalars(select(Answer.user_id)))
        known = {
            w.team_id: w.enterprise_id for w in await session.scalars(select(InstalledWorkspace))
        }
    assert answers == [CLIENT_PERSON]
    assert known == {ORG: ORG, GRID_1: ORG, GRID_2: ORG, SOLO: None}

    # the tick closes the async checks at their deadline (in a fresh process: nothing cached),
    # posting each summary with the token that acts for its workspace
    h.services.workspaces.clear()
    h.clock.advance(timedelta(days=2, minutes=1))
    assert await close_due_checks(h.services) == 2
    closed = {
        c.args["channel"]: c.team_id
        for c in h.fake.calls_to("chat.postMessage")
        if "The deadline closed" in str(c.args.get("blocks"))
    }
    assert closed == {CHANNELS[GRID_1]: ORG, CHANNELS[SOLO]: SOLO}
    refused = [c.method for c in h.fake.calls if c.method != "oauth.v2.access" and not c.ok]
    assert refused == []


async def test_uninstalling_the_organisation_stops_all_its_workspaces_at_once(
    grid: Harness,
) -> None:
    h = grid
    for team in LEADS:
        await start_check(h, team, mode="async")
    now = h.clock.now()

    async def enqueue(team: str, key: str) -> None:
        async with h.db().unit_of_work() as session:
            await outbox.enqueue(
                session=session,
                kind="reflection_reminder",
                dedupe_key=key,
                due_at=now + timedelta(hours=1),
                now=now,
                team_id=team,
                user_id=LEADS[team],
            )

    for team in LEADS:
        await enqueue(team, f"later:{team}")

    # the organisation's app_uninstalled names no workspace
    event = {"type": "app_uninstalled"}
    body = signing.event_callback(event, event_id="EvOrgGone", team_id=GRID_1, enterprise_id=ORG)
    reply = await h.post(body, None)
    assert reply.status == 200
    h.fake.revoke(ORG)
    async with h.db().reading() as session:
        rows = await session.execute(select(ScheduledMessage.team_id, ScheduledMessage.status))
        statuses = {team: status for team, status in rows}
    assert statuses == {GRID_1: "cancelled", GRID_2: "cancelled", SOLO: "pending"}
    installations = h.services.installations
    assert installations is not None
    for team in (GRID_1, GRID_2):
        assert await installations.bot_token(team_id=team, enterprise_id=ORG) is None
    assert await installations.bot_token(team_id=SOLO, enterprise_id=None) is not None

    # nothing more goes to the organisation's workspaces: queued messages, deadlines
    for team in LEADS:
        await enqueue(team, f"late:{team}")
    h.clock.advance(timedelta(days=2, minutes=1))
    sent_before = len(h.fake.calls)
    await Dispatcher(h.services).run_once()
    assert await close_due_checks(h.services) == 1
    after = h.fake.calls[sent_before:]
    assert after and {c.team_id for c in after} == {SOLO} and all(c.ok for c in after)

    # after PARTNERCHECK_RETENTION_DAYS the organisation's data goes; SOLO's stays
    h.clock.advance(timedelta(days=31))
    assert await delete_uninstalled_workspaces(h.services) == 2
    async with h.db().reading() as session:
        teams = set(await session.scalars(select(Partnership.team_id)))
        left = set(await session.scalars(select(ScheduledMessage.team_id)))
        known = set(await session.scalars(select(InstalledWorkspace.team_id)))
    assert teams == left == known == {SOLO}

    # the organisation installs again: served from its first request on
    await install_org_wide(h)
    await start_check(h, GRID_2, mode="live")


async def test_the_organisations_bot_token_revoked_counts_as_its_uninstall(grid: Harness) -> None:
    h = grid
    await start_check(h, GRID_1, mode="async")
    installations = h.services.installations
    assert installations is not None

    async def revoked(tokens: dict[str, list[str]], event_id: str) -> None:
        event = {"type": "tokens_revoked", "tokens": tokens}
        body = signing.event_callback(event, event_id=event_id, team_id=GRID_1, enterprise_id=ORG)
        assert (await h.post(body, None)).status == 200

    await revoked({"oauth": [LEADS[GRID_1]]}, "EvOrgUserToken")
    assert await installations.bot_token(team_id=GRID_2, enterprise_id=ORG) is not None
    await revoked({"bot": ["U0BOT"]}, "EvOrgBotToken")
    for team in (GRID_1, GRID_2):
        assert await installations.bot_token(team_id=team, enterprise_id=ORG) is None
    assert await installations.bot_token(team_id=SOLO, enterprise_id=None) is not None
    async with h.db().reading() as session:
        gone = {
            w.team_id: w.uninstalled_at is not None
            for w in await session.scalars(select(InstalledWorkspace))
        }
    assert gone == {ORG: True, GRID_1: True, SOLO: False}


async def test_a_form_sent_with_team_null_counts_for_the_workspace_it_was_opened_in(
    grid: Harness,
) -> None:
    """Org-wide installs may send interactions with `team: null`: the form's own workspace
    (view.app_installed_team_id) or the person's then says where it belongs."""
    h = grid
    lead, channel = LEADS[GRID_2], CHANNELS[GRID_2]
    await h.command("check", user_id=lead, channel_id=channel, team_id=GRID_2, enterprise_id=ORG)
    opened = h.fake.last("views.open")
    body = signing.view_submission(
        callback_id=ids.START_CHECK_VIEW,
        values=start_values(name="Null team × Client", client=[CLIENT_PERSON]),
        private_metadata=opened.args["view"]["private_metadata"],
        user_id=lead,
        team_id=GRID_2,
        view_id="V0NULLTEAM",
        enterprise_id=ORG,
    )
    payload = json.loads(parse_qs(body)["payload"][0])
    payload["team"] = None
    reply = await h.post(urlencode({"payload": json.dumps(payload)}))
    assert reply.status == 200 and reply.text in ("", "{}"), reply.text
    async with h.db().reading() as session:
        started = await session.scalar(
            select(Partnership).where(Partnership.name == "Null team × Client")
        )
    assert started is not None and started.team_id == GRID_2


async def test_a_workspace_of_the_organisation_with_its_own_install_outlives_the_org_install(
    grid: Harness,
) -> None:
    """A workspace of the organisation that installed the app for itself comes and goes by
    its own install, not the organisation's."""
    h = grid
    own, lead = "T0GRIDOWN", "U0LEADOWN"
    h.fake.add_user(lead, team_id=own, is_admin=True)
    state = await install_state(h)
    h.fake.authorize_install(own, installer=lead, code="code-own", enterprise_id=ORG)
    status, text = await redirect(h, code="code-own", state=state)
    assert status == 200, text
    async with h.db().reading() as session:
        row = await session.get(InstalledWorkspace, own)
    assert row is not None and row.enterprise_id == ORG
    now = h.clock.now()
    async with h.db().unit_of_work() as session:
        await outbox.enqueue(
            session=session,
            kind="reflection_reminder",
            dedupe_key="own:later",
            due_at=now + timedelta(hours=1),
            now=now,
            team_id=own,
            user_id=lead,
        )

    body = signing.event_callback(
        {"type": "app_uninstalled"}, event_id="EvOrgGoneAgain", team_id=GRID_1, enterprise_id=ORG
    )
    assert (await h.post(body, None)).status == 200
    async with h.db().reading() as session:
        row = await session.get(InstalledWorkspace, own)
        status_of_own = await session.scalar(
            select(ScheduledMessage.status).where(ScheduledMessage.team_id == own)
        )
    assert row is not None and row.uninstalled_at is None
    assert status_of_own == "pending"
    installations = h.services.installations
    assert installations is not None
    assert await installations.bot_token(team_id=own, enterprise_id=ORG) is not None
