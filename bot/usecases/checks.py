"""Use cases of a guided check: start it, answer, comment, move on, close."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.background.answer_writer import AnswerClick
from bot.blocks import checks as cards
from bot.blocks import ids, modals
from bot.db import checks as store
from bot.db import workspaces as workspace_store
from bot.db.models import Check, CheckQuestion, Partnership
from bot.db.questions import versions_for
from bot.domain.answers import (
    CLIENT_SIDE,
    OUR_SIDE,
    InvalidAnswer,
    clean_comment,
    clean_value,
    option_label,
    side_of,
)
from bot.domain.check_flow import CheckState, Event, Mode, Status, TransitionRefused, apply
from bot.domain.summary import CLIENT_DEFAULT_NAME, OUR_DEFAULT_NAME
from bot.domain.wording import side_name, sides_name
from bot.plumbing.errors import NotAllowed, NotFound, UserError
from bot.services import Services
from bot.slack.gateway import SlackCallFailed, SlackUser
from bot.slack.members import MEMBERS_LOOKED_AT, outsider, people_in
from bot.usecases import next_steps, permissions, practice, summary
from bot.usecases.workspaces import working_for
from questions.bank import DIMENSIONS

log = logging.getLogger(__name__)

NOT_IN_CHANNEL = {"not_in_channel", "channel_not_found", "is_archived"}
DEFAULT_ASYNC_DAYS = 3
MAX_DEADLINE_DAYS = 90
# a burst of clicks on one question refreshes its counts about once a second, not per click:
# each refresh is two reads, a render and a chat.update, which Slack rate-limits anyway
COUNTS_REFRESH_SECONDS = 1.0
CLIENTS_LOOKED_UP = 20  # named client-side people looked up for their workspace's name


@dataclass(frozen=True)
class CheckForm:
    team_id: str
    channel_id: str
    lead_user_id: str
    partnership_name: str
    template_id: str
    client_user_ids: tuple[str, ...]
    mode: str
    deadline_at: datetime | None
    anonymous: bool
    view_id: str | None = None
    our_org_name: str = ""
    client_org_name: str = ""


class FormInvalid(Exception):
    """Field-level problems with a submitted modal: block_id -> sentence."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class AnswerOutcome:
    channel_id: str
    question_text: str
    label: str
    changed: bool


@dataclass(frozen=True)
class PageOutcome:
    channel_id: str | None  # where to confirm; None: privately (our side's own checks)
    saved: int
    next_view: dict | None


@dataclass(frozen=True)
class CommentOutcome:
    channel_id: str
    stored: bool


# ---------------------------------------------------------------- starting


async def open_start_modal(
    services: Services, *, trigger_id: str, team_id: str, channel_id: str, user_id: str
) -> None:
    """Open the start-check modal, prefilled; then propose Slack Connect people as client side.

    While a check runs in the channel, show its lead's controls instead (show_lead_panel)."""
    require_shared_channel(channel_id)
    partnership, known_clients = await require_our_side(
        services, user_id=user_id, team_id=team_id, channel_id=channel_id
    )
    async with services.db.reading() as session:
        running = await store.open_check_in_channel(session=session, channel_id=channel_id)
    if running is not None:
        await show_lead_panel(services, check_id=running.id, user_id=user_id)
        return
    templates = [
        modals.TemplateChoice(id=t.id, name=t.name, description=t.description)
        for t in services.bank.templates.values()
        if t.asked_of_both_sides
    ]
    deadline = _default_deadline(services.clock.now())
    stored = OrgNames(
        partnership.our_org_name if partnership else None,
        partnership.client_org_name if partnership else None,
    )

    def build(proposed: list[str], names: OrgNames) -> dict:
        return modals.start_check_modal(
            channel_id=channel_id,
            partnership_name=partnership.name if partnership else None,
            templates=templates,
            proposed_client_users=proposed,
            default_deadline=deadline,
            our_org_name=names.ours,
            client_org_name=names.client,
        )

    opened = await services.gateway.open_view(trigger_id, build(known_clients, stored))
    external = await _external_members(services, channel_id, team_id)
    proposed = list(dict.fromkeys([*known_clients, *(person.id for person in external)]))
    names = await org_names(services, team_id=team_id, clients=external, known=stored)
    if (proposed != known_clients or names != stored) and opened.get("id"):
        try:
            await services.gateway.update_view(
                str(opened["id"]), build(proposed, names), view_hash=opened.get("hash")
            )
        except SlackCallFailed:
            log.info("Left the start modal as it was; the person had already changed it")


class OrgNames(NamedTuple):
    """How the two sides are named; None where nothing is known yet."""

    ours: str | None
    client: str | None


async def org_names(
    services: Services, *, team_id: str, clients: list[SlackUser], known: OrgNames
) -> OrgNames:
    """The names already known, else the workspaces' own: ours from team.info, the client's
    from the workspace of the first client-side person who is from another one (Slack
    Connect). A name Slack will not give stays None."""
    ours = known.ours or await _team_name(services, None)
    client = known.client
    if client is None:
        other = next((p.team_id for p in clients if p.team_id and p.team_id != team_id), None)
        client = await _team_name(services, other) if other else None
    return OrgNames(ours, client)


async def _team_name(services: Services, team_id: str | None) -> str | None:
    try:
        return await services.gateway.team_name(team_id)
    except SlackCallFailed:
        log.info("Slack gave no workspace name; the start form leaves it for the lead to type")
        return None


def require_shared_channel(channel_id: str) -> None:
    if not channel_id.startswith(("C", "G")):
        raise UserError(
            "Run `/partnership check` in the channel you share with the client, not in a DM."
        )


def validate_form(form: CheckForm, *, services: Services) -> None:
    """Raise FormInvalid with a sentence per field a person must fix."""
    errors: dict[str, str] = {}
    if not form.partnership_name.strip():
        errors[ids.NAME_BLOCK] = "Give the partnership a name, e.g. the client's name."
    elif len(form.partnership_name) > modals.PARTNERSHIP_NAME_MAX:
        errors[ids.NAME_BLOCK] = f"Keep the name within {modals.PARTNERSHIP_NAME_MAX} characters."
    for block, value in (
        (ids.OUR_ORG_BLOCK, form.our_org_name),
        (ids.CLIENT_ORG_BLOCK, form.client_org_name),
    ):
        if len(value.strip()) > modals.ORG_NAME_MAX:
            errors[block] = f"Keep the name within {modals.ORG_NAME_MAX} characters."
    template = services.bank.templates.get(form.template_id)
    if template is None:
        errors[ids.TEMPLATE_BLOCK] = "Pick one of the templates in the list."
    elif not template.asked_of_both_sides:
        errors[ids.TEMPLATE_BLOCK] = (
            f"{template.name} is for our side only, so it never runs in a channel the client "
            "reads. Pick another template; run the self-check with `/partnership self-check`."
        )
    if form.mode not in (Mode.LIVE, Mode.ASYNC):
        errors[ids.MODE_BLOCK] = "Choose live or async."
    if form.lead_user_id in form.client_user_ids:
        errors[ids.CLIENT_BLOCK] = "You lead the check for our side, so leave yourself out here."
    if form.mode == Mode.ASYNC:
        now = services.clock.now()
        if form.deadline_at is None:
            errors[ids.DEADLINE_BLOCK] = "An async check needs a deadline."
        elif form.deadline_at <= now + timedelta(minutes=5):
            errors[ids.DEADLINE_BLOCK] = "Pick a deadline at least five minutes from now."
        elif form.deadline_at > now + timedelta(days=MAX_DEADLINE_DAYS):
            errors[ids.DEADLINE_BLOCK] = f"Pick a deadline within {MAX_DEADLINE_DAYS} days."
    if errors:
        raise FormInvalid(errors)


async def start_check(services: Services, form: CheckForm) -> int | None:
    """Create the check and post it to the channel; None when this submission was seen before."""
    validate_form(form, services=services)
    await require_our_side(
        services, user_id=form.lead_user_id, team_id=form.team_id, channel_id=form.channel_id
    )
    check_id = await create_check(services, form)
    if check_id is None:
        return None
    try:
        await _post_opening(services, check_id)
    except SlackCallFailed as failure:
        await forget_check(services, check_id)
        if failure.error in NOT_IN_CHANNEL:
            raise UserError(
                "I can't post in this channel yet: invite me with `/invite @Partnership Check` "
                "and start the check again."
            ) from None
        raise UserError(
            "Slack didn't accept the check's first message, so nothing was started. "
            "Try again in a minute."
        ) from None
    return check_id


async def create_check(
    services: Services, form: CheckForm, *, ours_only: bool = False
) -> int | None:
    """Store a new check (and its partnership); None when this submission was seen before.

    `ours_only`: asked of our side alone (run by DM); it never blocks a check in the channel.
    """
    now = services.clock.now()
    template = services.bank.templates[form.template_id]
    async with services.db.reading() as session:
        partnership = await store.partnership_for_channel(
            session=session, channel_id=form.channel_id
        )
    known = OrgNames(
        form.our_org_name.strip() or (partnership.our_org_name if partnership else None),
        form.client_org_name.strip() or (partnership.client_org_name if partnership else None),
    )
    clients: list[SlackUser] = []
    if known.client is None:
        # The form may be sent before its update proposing the channel's client people
        # arrived: then the channel's own members from another workspace name the client.
        clients = await services.gateway.users(
            list(form.client_user_ids)[:CLIENTS_LOOKED_UP]
        ) or await _external_members(services, form.channel_id, form.team_id)
    names = await org_names(services, team_id=form.team_id, clients=clients, known=known)
    async with services.db.unit_of_work() as session:
        questions = await practice.asked_questions(
            session, services, template_id=form.template_id, team_id=form.team_id
        )
        if form.view_id and await _view_already_used(session, form.view_id):
            return None
        running = await store.open_check_in_channel(
            session=session, channel_id=form.channel_id, ours_only=ours_only
        )
        if running is not None:
            if ours_only:
                raise UserError(
                    f"A self-check is already open here (started by <@{running.lead_user_id}>"
                    + (
                        f", until {running.deadline_at:%d %b %H:%M} UTC"
                        if running.deadline_at
                        else ""
                    )
                    + "). It closes by itself at its deadline, or when they press *Close now* "
                    "in their message."
                )
            raise UserError(
                f"A check is already running here (started by <@{running.lead_user_id}>); "
                "it has to close before another one starts."
            )
        partnership = await store.save_partnership(
            session=session,
            team_id=form.team_id,
            channel_id=form.channel_id,
            name=form.partnership_name.strip(),
            user_id=form.lead_user_id,
            now=now,
        )
        partnership.our_org_name, partnership.client_org_name = names
        check = Check(
            partnership_id=partnership.id,
            template_id=template.id,
            template_name=template.name,
            lead_user_id=form.lead_user_id,
            mode=form.mode,
            anonymous=form.anonymous,
            status=Status.OPEN,
            current_position=0,
            deadline_at=form.deadline_at if form.mode == Mode.ASYNC else None,
            channel_id=form.channel_id,
            source_view_id=form.view_id,
            created_at=now,
            ours_only=ours_only,
        )
        versions = await versions_for(session=session, questions=questions)
        await store.add_check(
            session=session, check=check, versions=versions, client_user_ids=form.client_user_ids
        )
        return check.id


async def _post_opening(services: Services, check_id: int) -> None:
    check = await _load(services, check_id)
    info = check_info(check)
    if check.mode == Mode.LIVE:
        text, blocks = cards.intro_message(info)
        posted = await services.gateway.post_message(check.channel_id, text, blocks)
        await _remember_ts(services, check_id, posted.ts)
        await next_steps.post_carried_forward(services, check_id)
        await _post_question(services, check, 0)
    else:
        text, blocks = cards.async_message(info, cards.Counts())
        posted = await services.gateway.post_message(check.channel_id, text, blocks)
        await _remember_ts(services, check_id, posted.ts)
        await next_steps.post_carried_forward(services, check_id)
        await _post_lead_panel(services, check, check.lead_user_id, None)


async def _post_question(
    services: Services, check: Check, position: int, steered_by: str | None = None
) -> None:
    """Post a live question, and the lead's controls to whoever moves the check on."""
    item = check.questions[position]
    text, blocks = cards.question_message(check_info(check), question_info(item), cards.Counts())
    posted = await services.gateway.post_message(check.channel_id, text, blocks)
    await _remember_ts(services, check.id, posted.ts, position=position)
    await _post_lead_panel(services, check, steered_by or check.lead_user_id, position)


async def show_lead_panel(services: Services, *, check_id: int, user_id: str) -> None:
    """Show the lead's controls again to whoever may steer the running check (lead or admin);
    anyone else is told who leads it."""
    check = await _load(services, check_id)
    if not await _can_steer(services, check, user_id):
        raise UserError(
            f"A check is already running here, led by <@{check.lead_user_id}>: answer it in "
            "its messages above. Another one can start once it closes."
        )
    position = check.current_position if check.mode == Mode.LIVE else None
    await _post_lead_panel(services, check, user_id, position)


async def _post_lead_panel(
    services: Services, check: Check, user_id: str, position: int | None
) -> None:
    """*Next question* and *Close check*, seen only by `user_id` (the lead or an admin)."""
    text, blocks = cards.lead_panel(check_info(check), position)
    try:
        await services.gateway.post_ephemeral(check.channel_id, user_id, text, blocks)
    except SlackCallFailed as failure:
        log.warning("Lead controls of check %s not shown: Slack said %s", check.id, failure.error)


async def forget_check(services: Services, check_id: int) -> None:
    async with services.db.unit_of_work() as session:
        check = await session.get(Check, check_id)
        if check is not None:
            await session.delete(check)


async def _remember_ts(
    services: Services, check_id: int, ts: str, *, position: int | None = None
) -> None:
    async with services.db.unit_of_work() as session:
        await store.set_message_ts(
            session=session, check_id=check_id, message_ts=ts, position=position
        )


# ---------------------------------------------------------------- answering


async def record_answer(
    services: Services,
    *,
    check_id: int,
    position: int,
    user_id: str,
    user_team_id: str | None,
    raw_value: str | None,
    channel_id: str | None = None,
    delivery_key: str | None = None,
) -> AnswerOutcome | None:
    """Store (or change) a person's answer durably, batched with other clicks (group commit).

    The visible counts are refreshed afterwards in the background (at most one refresh in
    flight per question, and while clicks keep coming, one every COUNTS_REFRESH_SECONDS).
    None when `delivery_key` was seen before: a replay changes nothing.
    """
    check = await _started_check(services, check_id)
    item = _item(check, position)
    side = _side(check, user_id, user_team_id)
    question = item.question
    if side not in question.sides:
        raise NotAllowed(
            f"This question is for {sides_name(question.sides)} only, so there is nothing "
            "to answer."
        )
    try:
        value = clean_value(question.kind, question.options, raw_value)
    except InvalidAnswer as problem:
        raise UserError(problem.reason) from None
    await _require_member(services, check, user_id)
    stored = await services.answers.write(
        AnswerClick(
            check_id=check_id,
            position=position,
            live=check.mode == Mode.LIVE,
            question_version_id=question.id,
            user_id=user_id,
            side=side,
            value=value,
            now=services.clock.now(),
            delivery_key=delivery_key,
        )
    )
    if stored is None:
        return None
    services.background.coalesce(
        f"counts:{check_id}:{position}",
        lambda: refresh_counts(services, check_id, position),
        every=COUNTS_REFRESH_SECONDS,
    )
    return AnswerOutcome(
        channel_id=channel_id or check.channel_id,
        question_text=question.text,
        label=option_label(question.options, value) if question.kind != "text" else "your text",
        changed=stored.changed,
    )


async def refresh_counts(services: Services, check_id: int, position: int) -> None:
    """Show the latest counts on a question's message (or the async check's message).

    Runs after answers, coalesced per question; reads only what changes (status, position,
    message timestamps, counts) and takes the rest from the started check.
    """
    check = await _started_check(services, check_id)
    item = _item(check, position)
    live = check.mode == Mode.LIVE
    async with services.db.reading() as session:
        refs = await store.message_refs(session=session, check_id=check_id, position=position)
        counts = await store.answer_counts(
            session=session,
            check_id=check_id,
            question_version_id=item.question.id if live else None,
        )
    if refs is None or refs.status != Status.OPEN:
        return  # closing renders the final state
    if live:
        state = "open" if position == refs.current_position else "moved_on"
        await _render_question(services, check, position, counts, state=state, ts=refs.question_ts)
    else:
        await _refresh_async_message(services, check, counts, ts=refs.check_ts)


async def record_comment(
    services: Services,
    *,
    check_id: int,
    position: int,
    user_id: str,
    user_team_id: str | None,
    raw_comment: str | None,
) -> CommentOutcome:
    """Set (or clear) a person's comment on a question."""
    try:
        comment = clean_comment(raw_comment)
    except InvalidAnswer as problem:
        raise UserError(problem.reason) from None
    await _require_member(
        services, await _started_check(services, check_id), user_id, ids.COMMENT_VIEW
    )
    async with services.db.unit_of_work() as session:
        check, item, side = await _answerable(session, check_id, position, user_id, user_team_id)
        existing = await store.answer_of(
            session=session,
            check_id=check_id,
            question_version_id=item.question.id,
            user_id=user_id,
        )
        await store.save_answer(
            session=session,
            check_id=check_id,
            question_version_id=item.question.id,
            user_id=user_id,
            side=side,
            now=services.clock.now(),
            comment=comment,
            value=existing.value if existing else None,
            set_value=existing is None,
            set_comment=True,
        )
    return CommentOutcome(channel_id=check.channel_id, stored=comment is not None)


async def current_answer(
    services: Services, *, check_id: int, position: int, user_id: str
) -> tuple[str, str | None, str | None]:
    """(question text, value, comment) of a person's answer so far, for prefilled modals."""
    async with services.db.unit_of_work() as session:
        check = await _require_check(session, check_id)
        item = _item(check, position)
        answer = await store.answer_of(
            session=session,
            check_id=check_id,
            question_version_id=item.question.id,
            user_id=user_id,
        )
    if check.status != Status.OPEN:
        raise UserError("This check is closed, so answers can no longer change.")
    return item.question.text, answer.value if answer else None, answer.comment if answer else None


async def async_answer_page(
    services: Services, *, check_id: int, user_id: str, user_team_id: str | None, page: int = 0
) -> dict:
    """The async answer modal page for this person, prefilled with what they said before."""
    await _require_member(services, await _started_check(services, check_id), user_id)
    async with services.db.unit_of_work() as session:
        check = await _require_check(session, check_id)
        _refuse_unless_open(check)
        side = _side(check, user_id, user_team_id)
        mine = await store.answers_by_user(session=session, check_id=check_id, user_id=user_id)
    items = _items_for_side(check, side)
    if not items:
        raise UserError(f"This check has no questions for {side_name(side)}.")
    existing = {
        item.position: (mine[item.question.id].value, mine[item.question.id].comment)
        for item in items
        if item.question.id in mine
    }
    return modals.async_answers_modal(
        check_id=check_id,
        title=check.template_name,  # "Consultant self-check" reads as what it is
        questions=[question_info(item) for item in items],
        page=page,
        total=len(check.questions),
        existing=existing,
    )


async def submit_async_page(
    services: Services,
    *,
    check_id: int,
    page: int,
    user_id: str,
    user_team_id: str | None,
    answers: dict[int, tuple[str | None, str | None]],
) -> PageOutcome:
    """Store one page of async answers; the outcome carries the next page's view, if any."""
    now = services.clock.now()
    errors: dict[str, str] = {}
    saved = 0
    await _require_member(services, await _started_check(services, check_id), user_id)
    async with services.db.unit_of_work() as session:
        check = await _require_check(session, check_id)
        _refuse_unless_open(check)
        side = _side(check, user_id, user_team_id)
        allowed = {item.position: item for item in _items_for_side(check, side)}
        for position, (raw_value, raw_comment) in sorted(answers.items()):
            item = allowed.get(position)
            if item is None:
                continue
            question = item.question
            try:
                value = (
                    clean_value(question.kind, question.options, raw_value) if raw_value else None
                )
                comment = clean_comment(raw_comment)
            except InvalidAnswer as problem:
                errors[ids.async_value_block(position)] = problem.reason
                continue
            if value is None and comment is None:
                continue
            saved += value is not None
            await store.save_answer(
                session=session,
                check_id=check_id,
                question_version_id=question.id,
                user_id=user_id,
                side=side,
                now=now,
                value=value,
                comment=comment,
                set_comment=True,
            )
        if errors:
            raise FormInvalid(errors)
        overall = await store.answer_counts(session=session, check_id=check_id)
    await _refresh_async_message(services, check, overall)
    pages = -(-len(allowed) // modals.QUESTIONS_PER_PAGE)
    next_view = None
    if page + 1 < pages:
        next_view = await async_answer_page(
            services, check_id=check_id, user_id=user_id, user_team_id=user_team_id, page=page + 1
        )
    return PageOutcome(
        channel_id=None if check.ours_only else check.channel_id, saved=saved, next_view=next_view
    )


# ---------------------------------------------------------------- steering


async def next_question(
    services: Services, *, check_id: int, expected_position: int, user_id: str
) -> bool:
    """Move a live check on (lead or admin only); False if someone already did."""
    async with services.db.unit_of_work() as session:
        check = await _require_check(session, check_id)
    await _require_steering(services, check, user_id, ids.NEXT_QUESTION)
    try:
        state = apply(_state(check, expected_position), Event.NEXT)
    except TransitionRefused as refused:
        raise UserError(refused.reason) from None
    async with services.db.unit_of_work() as session:
        moved = await store.move_to_position(
            session=session, check_id=check_id, expected=expected_position, target=state.position
        )
        counts = await store.answer_counts(
            session=session,
            check_id=check_id,
            question_version_id=check.questions[expected_position].question.id,
        )
    if not moved:
        return False
    await _render_question(services, check, expected_position, counts, state="moved_on")
    await _post_question(services, check, state.position, steered_by=user_id)
    return True


async def close_check(services: Services, *, check_id: int, user_id: str | None) -> bool:
    """Close a check (lead, admin, or the deadline when user_id is None); False if closed."""
    async with services.db.unit_of_work() as session:
        check = await _require_check(session, check_id)
    if user_id is not None:
        await _require_steering(services, check, user_id, ids.CLOSE_CHECK)
    if check.status != Status.OPEN:
        return False
    async with services.db.unit_of_work() as session:
        closed = await store.mark_closed(
            session=session, check_id=check_id, user_id=user_id, now=services.clock.now()
        )
        overall = await store.answer_counts(session=session, check_id=check_id)
        current = check.questions[check.current_position] if check.questions else None
        counts = (
            await store.answer_counts(
                session=session, check_id=check_id, question_version_id=current.question.id
            )
            if current
            else Counter()
        )
    if not closed:
        return False
    if check.ours_only:  # nothing of it was ever in the channel, and nothing goes there now
        await summary.publish_our_side_summary(services, check_id)
        return True
    info = check_info(check)
    try:
        if check.mode == Mode.LIVE and current is not None:
            await _render_question(services, check, current.position, counts, state="closed")
        elif check.message_ts:
            text, blocks = cards.async_message(info, _counts(overall), closed=True)
            await services.gateway.update_message(check.channel_id, check.message_ts, text, blocks)
    except SlackCallFailed:
        log.warning("Could not mark check %s closed on its message", check_id)
    text, blocks = cards.closing_message(info, _counts(overall), user_id)
    await services.gateway.post_message(check.channel_id, text, blocks)
    await summary.publish_summary(services, check_id)
    return True


async def close_due_checks(services: Services) -> int:
    """Close every async check whose deadline has passed; returns how many closed."""
    async with services.db.unit_of_work() as session:
        due = await store.due_open_checks(session=session, now=services.clock.now())
        teams = await workspace_store.teams_of_checks(session=session, check_ids=list(due))
    closed = 0
    for check_id in due:
        try:
            async with working_for(services, teams.get(check_id)) as installed:
                if installed:  # an uninstalled workspace's checks wait for their deletion
                    closed += await close_check(services, check_id=check_id, user_id=None)
        except SlackCallFailed:
            log.warning("Closing check %s hit a Slack error; it stays closed in storage", check_id)
    return closed


# ---------------------------------------------------------------- helpers


def check_info(check: Check) -> cards.CheckInfo:
    return cards.CheckInfo(
        id=check.id,
        partnership_name=check.partnership.name,
        template_name=check.template_name,
        lead_user_id=check.lead_user_id,
        mode=check.mode,
        anonymous=check.anonymous,
        total=len(check.questions),
        deadline_at=check.deadline_at,
        client_user_ids=tuple(p.user_id for p in check.participants if p.side == CLIENT_SIDE),
        our_name=check.partnership.our_org_name or OUR_DEFAULT_NAME,
        client_name=check.partnership.client_org_name or CLIENT_DEFAULT_NAME,
    )


def question_info(item: CheckQuestion) -> cards.QuestionInfo:
    question = item.question
    return cards.QuestionInfo(
        position=item.position,
        text=question.text,
        help=question.help,
        kind=question.kind,
        dimension_label=DIMENSIONS.get(question.dimension, question.dimension),
        options=question.options,
        sides=tuple(question.sides),
        allow_comment=question.allow_comment,
    )


async def _load(services: Services, check_id: int) -> Check:
    async with services.db.unit_of_work() as session:
        return await _require_check(session, check_id)


async def _started_check(services: Services, check_id: int) -> Check:
    """The check's unchanging parts (questions, participants, channel), cached in process."""
    check = services.started_checks.get(check_id)
    if check is None:
        async with services.db.reading() as session:
            check = await _require_check(session, check_id)
        services.started_checks.put(check_id, check)
    return check


async def require_our_side(
    services: Services,
    *,
    user_id: str,
    team_id: str,
    channel_id: str,
    action: str = ids.START_CHECK_VIEW,
) -> tuple[Partnership | None, list[str]]:
    """Refuse anyone not on our side of the channel's partnership, by the rule of `action`
    (see README's permission table); returns the partnership (None if not started yet) and
    its known client side."""
    async with services.db.unit_of_work() as session:
        partnership = await store.partnership_for_channel(session=session, channel_id=channel_id)
        known_clients = await previous_client_side(session, partnership.id if partnership else None)
    await _require_our_side(services, user_id, team_id, partnership, known_clients, action)
    return partnership, known_clients


async def _require_our_side(
    services: Services,
    user_id: str,
    team_id: str,
    partnership: Partnership | None,
    client_side: list[str],
    action: str = ids.START_CHECK_VIEW,
) -> None:
    """Starting checks, naming the partnership and our side's own material are for our side
    only (see README)."""
    actor = permissions.Actor(
        user_id=user_id,
        team_id=team_id,
        client_side=frozenset(client_side),
        ask_id=partnership.created_by if partnership else None,
    )
    await permissions.require(services, action, actor)


async def _require_member(
    services: Services, check: Check, user_id: str, action: str = ids.ANSWER
) -> None:
    """Only people in the check's channel answer it (Slack Connect guests included)."""
    await permissions.require(services, action, _actor(check, user_id))


def _actor(check: Check, user_id: str) -> permissions.Actor:
    return permissions.Actor(
        user_id=user_id,
        team_id=check.partnership.team_id,
        channel_id=check.channel_id,
        lead_id=check.lead_user_id,
    )


async def _require_check(session: AsyncSession, check_id: int) -> Check:
    check = await store.load_check(session=session, check_id=check_id)
    if check is None:
        raise NotFound("That check no longer exists.")
    return check


def _item(check: Check, position: int) -> CheckQuestion:
    if not 0 <= position < len(check.questions):
        raise NotFound("That question is not part of this check.")
    return check.questions[position]


def _refuse_unless_open(check: Check) -> None:
    if check.status != Status.OPEN:
        raise UserError("This check is closed, so answers can no longer change.")


def _side(check: Check, user_id: str, user_team_id: str | None) -> str:
    return side_of(
        user_id,
        user_team_id=user_team_id,
        home_team_id=check.partnership.team_id,
        client_user_ids={p.user_id for p in check.participants if p.side == CLIENT_SIDE},
    )


def _items_for_side(check: Check, side: str) -> list[CheckQuestion]:
    return [item for item in check.questions if side in item.question.sides]


async def _answerable(
    session: AsyncSession, check_id: int, position: int, user_id: str, user_team_id: str | None
) -> tuple[Check, CheckQuestion, str]:
    check = await _require_check(session, check_id)
    _refuse_unless_open(check)
    item = _item(check, position)
    if check.mode == Mode.LIVE and position > check.current_position:
        raise UserError("That question hasn't been asked yet.")
    side = _side(check, user_id, user_team_id)
    if side not in item.question.sides:
        raise NotAllowed(
            f"This question is for {sides_name(item.question.sides)} only, so there is nothing "
            "to answer."
        )
    return check, item, side


async def _can_steer(services: Services, check: Check, user_id: str) -> bool:
    return await permissions.allowed(services, ids.NEXT_QUESTION, _actor(check, user_id))


async def _require_steering(services: Services, check: Check, user_id: str, action: str) -> None:
    await permissions.require(services, action, _actor(check, user_id))


def _state(check: Check, position: int) -> CheckState:
    return CheckState(
        status=Status(check.status),
        mode=Mode(check.mode),
        position=position,
        total=len(check.questions),
    )


def _counts(counter: Counter[str]) -> cards.Counts:
    return cards.Counts(ours=counter.get(OUR_SIDE, 0), client=counter.get(CLIENT_SIDE, 0))


async def _render_question(
    services: Services,
    check: Check,
    position: int,
    counts: Counter[str],
    *,
    state: str,
    ts: str | None = None,
) -> None:
    item = check.questions[position]
    ts = ts or item.message_ts
    if not ts:
        return
    text, blocks = cards.question_message(
        check_info(check), question_info(item), _counts(counts), state=state
    )
    try:
        await services.gateway.update_message(check.channel_id, ts, text, blocks)
    except SlackCallFailed:
        log.warning("Could not refresh the counts on check %s question %s", check.id, position)


async def _refresh_async_message(
    services: Services, check: Check, overall: Counter[str], ts: str | None = None
) -> None:
    ts = ts or check.message_ts
    if not ts:
        return
    text, blocks = cards.async_message(check_info(check), _counts(overall))
    try:
        await services.gateway.update_message(check.channel_id, ts, text, blocks)
    except SlackCallFailed:
        log.warning("Could not refresh the counts on check %s", check.id)


async def previous_client_side(session: AsyncSession, partnership_id: int | None) -> list[str]:
    """Who was on the client side of the partnership's latest check."""
    if partnership_id is None:
        return []
    checks = await store.checks_of_partnership(session=session, partnership_id=partnership_id)
    if not checks:
        return []
    return [p.user_id for p in checks[-1].participants if p.side == CLIENT_SIDE]


async def _external_members(services: Services, channel_id: str, team_id: str) -> list[SlackUser]:
    """Channel members from another workspace (Slack Connect) or guests: likely the client.
    Nobody when Slack can't say."""
    try:
        people = await people_in(services.gateway, channel_id, limit=MEMBERS_LOOKED_AT)
    except SlackCallFailed:
        return []
    return [person for person in people if outsider(person, team_id)]


async def _view_already_used(session: AsyncSession, view_id: str) -> bool:
    found = await session.scalar(select(Check.id).where(Check.source_view_id == view_id))
    return found is not None


def _default_deadline(now: datetime) -> datetime:
    later = now + timedelta(days=DEFAULT_ASYNC_DAYS)
    return later.replace(hour=17, minute=0, second=0, microsecond=0)
