"""The practice: who sees every partnership (workspace admins, practice leads), and the
question bank a workspace admin manages (retiring a question from new checks)."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.blocks import ids
from bot.blocks.bank import BankView, QuestionLine, TemplateLine
from bot.blocks.text import mention, mentions
from bot.db import practice as store
from bot.plumbing.errors import UserError
from bot.services import Services
from bot.slack.gateway import SlackCallFailed, SlackUser
from bot.slack.members import admin_of, of_workspace
from bot.usecases import permissions
from questions.bank import Question

MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
ADMINS_USAGE = (
    "`/partnership admins` lists the practice leads; `/partnership admins add @person` and "
    "`/partnership admins remove @person` change them."
)
ONLY_LEADS_EXPORT = (
    "Only workspace admins and owners, and practice leads (`/partnership admins`), can export "
    "every partnership."
)


@dataclass(frozen=True)
class Viewer:
    """What a person may see beyond their own partnerships."""

    admin: bool  # a workspace admin or owner: every partnership, the bank, the leads
    lead: bool  # a practice lead: every partnership, and exports of them
    ours: bool = False  # a person of this workspace (our side): logs meetings, self-checks

    @property
    def whole_workspace(self) -> bool:
        return self.admin or self.lead


async def viewer(services: Services, *, user_id: str, team_id: str) -> Viewer:
    """Who is looking, from one users.info: when Slack can't say, neither admin nor ours."""
    try:
        person: SlackUser | None = await services.gateway.user(user_id)
    except SlackCallFailed:
        person = None
    ours = person is not None and of_workspace(person, team_id)
    if admin_of(person, team_id):
        return Viewer(admin=True, lead=False, ours=ours)
    async with services.db.reading() as session:
        lead = await store.is_lead(session=session, team_id=team_id, user_id=user_id)
    return Viewer(admin=False, lead=lead, ours=ours)


async def admins_command(services: Services, *, user_id: str, team_id: str, text: str) -> str:
    """`/partnership admins [add|remove @person]`, for workspace admins only."""
    await permissions.require(
        services, "/partnership admins", permissions.Actor(user_id=user_id, team_id=team_id)
    )
    verb, _, rest = text.strip().partition(" ")
    verb = verb.lower()
    if verb in ("", "list"):
        async with services.db.reading() as session:
            listed = await store.leads(session=session, team_id=team_id)
        if not listed:
            return "There are no practice leads yet. " + ADMINS_USAGE
        return f"Practice leads: {mentions(lead.user_id for lead in listed)}.\n{ADMINS_USAGE}"
    people = MENTION.findall(rest)
    if verb not in ("add", "remove") or not people:
        raise UserError(ADMINS_USAGE)
    now = services.clock.now()
    if verb == "add":
        for person in people:
            await _require_our_member(services, person, team_id)
        async with services.db.unit_of_work() as session:
            for person in people:
                await store.add_lead(
                    session=session, team_id=team_id, user_id=person, by=user_id, now=now
                )
        return (
            f"{mentions(people)} now see every partnership of this workspace in the app's "
            "Home tab, and can export them."
        )
    async with services.db.unit_of_work() as session:
        removed = [
            person
            for person in people
            if await store.remove_lead(session=session, team_id=team_id, user_id=person)
        ]
    if not removed:
        return f"{mentions(people)} {'was' if len(people) == 1 else 'were'} not a practice lead."
    return f"{mentions(removed)} no longer see every partnership."


async def _require_our_member(services: Services, user_id: str, team_id: str) -> None:
    """A practice lead sees every partnership: only our own workspace's members qualify."""
    try:
        person = await services.gateway.user(user_id)
    except SlackCallFailed:
        raise UserError(f"Slack doesn't know {mention(user_id)}; check the name.") from None
    if not of_workspace(person, team_id):
        raise UserError(
            f"{mention(user_id)} is not a member of this workspace (a guest, someone from "
            "the client's workspace, or an app), so can't be a practice lead."
        )


async def retire_question(
    services: Services, *, user_id: str, team_id: str, question_id: str
) -> None:
    await permissions.require(
        services, ids.RETIRE_QUESTION, permissions.Actor(user_id=user_id, team_id=team_id)
    )
    _known(services, question_id)
    async with services.db.unit_of_work() as session:
        await store.retire(
            session=session,
            team_id=team_id,
            question_id=question_id,
            by=user_id,
            now=services.clock.now(),
        )


async def restore_question(
    services: Services, *, user_id: str, team_id: str, question_id: str
) -> None:
    await permissions.require(
        services, ids.RESTORE_QUESTION, permissions.Actor(user_id=user_id, team_id=team_id)
    )
    _known(services, question_id)
    async with services.db.unit_of_work() as session:
        await store.restore(session=session, team_id=team_id, question_id=question_id)


async def asked_questions(
    session: AsyncSession, services: Services, *, template_id: str, team_id: str
) -> list[Question]:
    """The template's questions a new check in `team_id` asks: all but the retired ones."""
    retired = await store.retired_ids(session=session, team_id=team_id)
    asked = [q for q in services.bank.template_questions(template_id) if q.id not in retired]
    if not asked:
        raise UserError(
            "Every question of that template has been retired in this workspace, so there is "
            "nothing to ask. A workspace admin can bring questions back in the app's Home tab."
        )
    return asked


async def bank_view(services: Services, *, team_id: str) -> BankView:
    async with services.db.reading() as session:
        retired = await store.retired_ids(session=session, team_id=team_id)
    return bank_lines(services, retired)


def bank_lines(services: Services, retired: Collection[str]) -> BankView:
    bank = services.bank
    return BankView(
        templates=[
            TemplateLine(
                id=template.id,
                name=template.name,
                custom=template.custom,
                questions=[
                    QuestionLine(q.id, q.text, custom=q.custom, retired=q.id in retired)
                    for q in bank.template_questions(template.id)
                ],
            )
            for template in bank.templates.values()
        ]
    )


def _known(services: Services, question_id: str) -> None:
    if question_id not in services.bank.questions:
        raise UserError(f"There is no question `{question_id[:60]}` in the bank any more.")
