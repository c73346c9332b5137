"""OAuth states are signed with SLACK_STATE_SECRET: Bolt's redirect refuses a state this app did
not sign (forged, or signed under another secret) before the database is asked, and a state
is good once."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select, text

from bot.slack.installations import SignedOAuthStates
from tests.support.fake_slack import FakeSlack
from tests.support.harness import Harness, make_harness
from tests.workspaces.test_two_workspaces import (
    LEAD_A,
    OAUTH_MODE,
    OURS,
    THEIRS,
    install_state,
    redirect,
)

FAILURE_PAGE = "Oops, Something Went Wrong!"


@pytest.fixture
async def oauth(database: tuple[str, str | None], fake_slack: FakeSlack) -> AsyncIterator[Harness]:
    url, schema = database
    h = await make_harness(
        url,
        fake_slack,
        schema=schema,
        **OAUTH_MODE,
    )
    fake_slack.add_user(LEAD_A, team_id=OURS, is_admin=True)
    try:
        yield h
    finally:
        await h.stop()


async def installed(h: Harness, team_id: str) -> bool:
    assert h.services.installations is not None
    return await h.services.installations.bot_token(team_id=team_id, enterprise_id=None) is not None


async def stored_states(h: Harness) -> int:
    async with h.services.db.engine.connect() as connection:
        return await connection.scalar(select(func.count()).select_from(text("slack_oauth_states")))


def exchanged(h: Harness) -> list[str]:
    return [c.args.get("code") for c in h.fake.calls_to("oauth.v2.access")]


async def test_a_forged_signature_is_refused_without_touching_the_stored_state(
    oauth: Harness,
) -> None:
    h = oauth
    state = await install_state(h)
    stored = state.rpartition(".")[0]
    forged = f"{stored}.{hashlib.sha256(b'not the secret').hexdigest()}"
    assert forged != state and len(forged) == len(state)
    h.fake.authorize_install(OURS, installer=LEAD_A, code="code-forged")

    status, page = await redirect(h, code="code-forged", state=forged)
    assert status == 401 and FAILURE_PAGE in page
    assert exchanged(h) == [] and not await installed(h, OURS)
    assert await stored_states(h) == 1  # the real state was not consumed

    status, page = await redirect(h, code="code-forged", state=state)
    assert status == 200, page
    assert exchanged(h) == ["code-forged"] and await installed(h, OURS)
    assert await stored_states(h) == 0


async def test_a_state_is_good_once(oauth: Harness) -> None:
    h = oauth
    state = await install_state(h)
    h.fake.authorize_install(OURS, installer=LEAD_A, code="code-first")
    status, page = await redirect(h, code="code-first", state=state)
    assert status == 200, page

    h.fake.authorize_install(THEIRS, installer=LEAD_A, code="code-again")
    status, page = await redirect(h, code="code-again", state=state)
    assert status == 401 and FAILURE_PAGE in page
    assert exchanged(h) == ["code-first"] and not await installed(h, THEIRS)


async def test_a_state_signed_with_another_secret_is_refused(oauth: Harness) -> None:
    h = oauth
    # issued (and stored, in this very database) by a copy holding another secret
    other = SignedOAuthStates(secret="another-secret-entirely", engine=h.services.db.engine)
    foreign = await other.async_issue()
    stored, _, signature = foreign.rpartition(".")
    assert hmac.compare_digest(
        signature, hmac.new(b"another-secret-entirely", stored.encode(), "sha256").hexdigest()
    )
    h.fake.authorize_install(OURS, installer=LEAD_A, code="code-foreign")

    status, page = await redirect(h, code="code-foreign", state=foreign)
    assert status == 401 and FAILURE_PAGE in page
    assert exchanged(h) == [] and not await installed(h, OURS)
    assert await stored_states(h) == 1  # refused before the database was asked
    assert await other.async_consume(foreign)  # still there for the copy that signed it


@pytest.mark.parametrize("state", ["", ".", "no-signature", "a.b.c", "é.ü"])
async def test_malformed_states_are_refused(oauth: Harness, state: str) -> None:
    h = oauth
    h.fake.authorize_install(OURS, installer=LEAD_A, code="code-bad")
    status, page = await redirect(h, code="code-bad", state=state)
    assert status in (400, 401) and FAILURE_PAGE in page
    assert exchanged(h) == [] and not await installed(h, OURS)
