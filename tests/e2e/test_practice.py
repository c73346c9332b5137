"""The practice through the front door: practice leads (`/partnership admins`), who see
every partnership in the Home tab; and the question bank a workspace admin sees there, with
retiring a question from new checks while the checks that asked it keep it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.blocks import ids
from bot.db.models import Check, CheckQuestion, PracticeLead, QuestionVersion, RetiredQuestion
from tests.e2e.checkflow import CHANNEL, LEAD, start_check
from tests.e2e.test_home import EVERYONE, YOURS, add_partnership, all_text, headers, open_home
from tests.support import signing
from tests.support.fake_slack import FakeSlack
from tests.support.harness import Harness, make_harness

ADMIN, PLAIN, GUEST, CLIENT_ADMIN = "U0ADMIN", "U0PLAIN", "U0GUEST", "U0CADMIN"
BANK = "Question bank"
RETIRED = "pc.trust.level"


def people(h: Harness) -> None:
    h.fake.add_user(ADMIN, is_admin=True)
    h.fake.add_user(PLAIN)
    h.fake.add_user(GUEST, is_restricted=True)
    h.fake.add_user(CLIENT_ADMIN, is_admin=True, team_id="T0THEIRS")


async def admins(h: Harness, text: str, *, user: str) -> str:
    reply = await h.command(f"admins {text}".strip(), user_id=user, channel_id=CHANNEL)
    assert reply.status == 200
    return str(reply.json()["text"])


async def leads(h: Harness) -> list[str]:
    async with h.db().reading() as session:
        return sorted((await session.scalars(select(PracticeLead.user_id))).all())


@pytest.mark.parametrize(
    ("who", "allowed"),
    [(ADMIN, True), (PLAIN, False), (GUEST, False), (CLIENT_ADMIN, False)],
)
async def test_only_workspace_admins_manage_practice_leads(
    harness: Harness, who: str, allowed: bool
) -> None:
    people(harness)
    for text in ("", f"add <@{PLAIN}|plain>"):
        said = await admins(harness, text, user=who)
        assert ("Only a workspace admin" not in said) is allowed, said
    assert await leads(harness) == ([PLAIN] if allowed else [])


async def test_adding_listing_and_removing_practice_leads(harness: Harness) -> None:
    h = harness
    people(h)
    assert "no practice leads yet" in await admins(h, "", user=ADMIN)
    said = await admins(h, f"add <@{PLAIN}|plain> <@{LEAD}>", user=ADMIN)
    assert f"<@{PLAIN}>, <@{LEAD}> now see every partnership" in said
    assert await leads(h) == sorted([PLAIN, LEAD])
    assert f"Practice leads: <@{PLAIN}>, <@{LEAD}>" in await admins(h, "", user=ADMIN) or (
        f"Practice leads: <@{LEAD}>, <@{PLAIN}>" in await admins(h, "", user=ADMIN)
    )
    assert "no longer see every partnership" in await admins(h, f"remove <@{LEAD}>", user=ADMIN)
    assert await leads(h) == [PLAIN]
    # a guest or someone from the client's workspace would see every partnership: refused
    for outsider in (GUEST, CLIENT_ADMIN):
        said = await admins(h, f"add <@{outsider}>", user=ADMIN)
        assert "can't be a practice lead" in said
    assert await leads(h) == [PLAIN]
    assert "`/partnership admins add @person`" in await admins(h, "add someone", user=ADMIN)


async def test_a_practice_lead_sees_every_partnership_of_the_workspace(harness: Harness) -> None:
    h = harness
    people(h)
    await add_partnership(h.db(), "Acme", created_by="UOTHER")
    await add_partnership(h.db(), "Globex", created_by="UOTHER")
    await add_partnership(h.db(), "Elsewhere", created_by="UOTHER", team_id="T0THEIRS")
    before = await open_home(h, PLAIN)
    assert YOURS in headers(before) and "Acme" not in all_text(before)

    await admins(h, f"add <@{PLAIN}>", user=ADMIN)
    view = await open_home(h, PLAIN)

    assert EVERYONE in headers(view)
    assert "Acme" in all_text(view) and "Globex" in all_text(view)
    assert "Elsewhere" not in all_text(view)
    assert BANK not in headers(view)  # the bank is the workspace admins'


OURS = """\
templates:
  - id: practice_pulse
    name: Practice pulse
    sides: [ours, client]
    questions: [acme.pulse.trust, pc.trust.level]
questions:
  - id: acme.pulse.trust
    version: 1
    dimension: trust
    kind: scale
    scale: agreement
    sides: [ours, client]
    text: We tell each other bad news early.
"""


@pytest.fixture
async def with_own_questions(
    database: tuple[str, str | None], fake_slack: FakeSlack, tmp_path: Path
) -> Any:
    folder = tmp_path / "ours"
    folder.mkdir()
    (folder / "pulse.yaml").write_text(OURS)
    url, schema = database
    app = await make_harness(url, fake_slack, schema=schema, PARTNERCHECK_QUESTIONS_DIR=str(folder))
    try:
        yield app
        app.assert_payloads_valid()
    finally:
        await app.stop()


def bank_select(view: dict[str, Any], action_id: str) -> dict[str, Any]:
    for block in view["blocks"]:
        for element in block.get("elements") or []:
            if element.get("action_id") == action_id:
                return element
    raise AssertionError(f"no {action_id} in the Home view")


async def choose(h: Harness, action_id: str, value: str, *, user: str) -> None:
    reply = await h.post(
        signing.block_action(
            action_id=action_id,
            action_type="static_select",
            selected_option_value=value,
            user_id=user,
            view={"id": "VHOME", "type": "home", "blocks": []},
            message_ts=None,
        )
    )
    assert reply.status == 200


async def asked(h: Harness) -> list[list[str]]:
    """The question ids each check asked, oldest check first."""
    async with h.db().reading() as session:
        rows = (
            await session.execute(
                select(CheckQuestion.check_id, QuestionVersion.question_id)
                .join(QuestionVersion, QuestionVersion.id == CheckQuestion.question_version_id)
                .order_by(CheckQuestion.check_id, CheckQuestion.position)
            )
        ).all()
    by_check: dict[int, list[str]] = {}
    for check_id, question_id in rows:
        by_check.setdefault(check_id, []).append(question_id)
    return list(by_check.values())


async def test_an_admin_sees_the_bank_and_retires_a_question_from_new_checks(
    with_own_questions: Harness,
) -> None:
    h = with_own_questions
    people(h)
    h.fake.add_user(LEAD)
    view = await open_home(h, ADMIN)
    assert BANK in headers(view)
    text = all_text(view)
    assert "*Practice pulse* _(custom)_ · `practice_pulse`" in text
    assert "`acme.pulse.trust` _(custom)_ We tell each other bad news early." in text
    assert "`pc.trust.level` How" in text  # built-in: not marked
    assert BANK not in headers(await open_home(h, PLAIN))

    await start_check(h, template="practice_pulse")
    async with h.db().unit_of_work() as session:  # closed, so another check may start
        for check in (await session.scalars(select(Check))).all():
            check.status = "closed"

    await choose(h, ids.RETIRE_QUESTION, RETIRED, user=ADMIN)

    async with h.db().reading() as session:
        assert (await session.scalars(select(RetiredQuestion.question_id))).all() == [RETIRED]
    republished = h.fake.last("views.publish").args["view"]
    assert f"`{RETIRED}` ~retired~" in all_text(republished)
    restore = bank_select(republished, ids.RESTORE_QUESTION)
    assert [o["value"] for o in restore["options"]] == [RETIRED]

    await start_check(h, template="practice_pulse", view_id="V0AFTER")
    first, second = await asked(h)
    assert first == ["acme.pulse.trust", RETIRED]  # history keeps it
    assert second == ["acme.pulse.trust"]  # new checks leave it out

    await choose(h, ids.RESTORE_QUESTION, RETIRED, user=ADMIN)
    async with h.db().reading() as session:
        assert (await session.scalars(select(RetiredQuestion))).all() == []


@pytest.mark.parametrize("who", [PLAIN, GUEST, CLIENT_ADMIN])
async def test_only_workspace_admins_retire_questions(harness: Harness, who: str) -> None:
    h = harness
    people(h)
    await choose(h, ids.RETIRE_QUESTION, RETIRED, user=who)
    async with h.db().reading() as session:
        assert (await session.scalars(select(RetiredQuestion))).all() == []
    told = h.fake.last("chat.postMessage")
    assert "Only a workspace admin or owner can retire" in told.args["text"]
