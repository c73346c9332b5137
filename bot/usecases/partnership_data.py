"""`partnercheck partnerships` and `partnercheck delete`: what each partnership holds, and
deleting all of it, for a workspace admin at the command line."""

from __future__ import annotations

from bot.db import partnership_data as store
from bot.db.engine import existing
from bot.db.partnership_data import PartnershipLine, StoredData
from bot.domain.wording import count_phrase
from bot.plumbing.config import Settings
from bot.usecases.nudges import REFLECTION_KINDS
from bot.usecases.partnerships import partnerships_named

NAME_SHOWN = 40


async def list_partnerships(settings: Settings) -> str:
    async with existing(settings.database_url) as db, db.unit_of_work() as session:
        lines = await store.overview(session=session)
    if not lines:
        return "No partnership is stored yet. One starts with `/partnership check` in Slack.\n"
    return _table(lines)


async def delete_channel(
    settings: Settings, channel_id: str, *, team_id: str | None = None, confirmed: bool
) -> str:
    """Deletes the channel's partnership (of workspace `team_id`; without it, the channel's
    only one) and everything it holds when `confirmed`; says what that is either way."""
    async with existing(settings.database_url) as db, db.unit_of_work() as session:
        [partnership] = await partnerships_named(session, channel_id=channel_id, team_id=team_id)
        name = _printable(partnership.name)
        held = await store.stored_data(
            session=session, partnership_id=partnership.id, message_kinds=REFLECTION_KINDS
        )
        if confirmed:
            await store.delete_partnership(
                session=session, partnership_id=partnership.id, message_kinds=REFLECTION_KINDS
            )
    which = f"--channel {channel_id}" + (f" --team {team_id}" if team_id else "")
    where = f"channel {channel_id} of workspace {partnership.team_id}"
    if not confirmed:
        return (
            f"Partnership {name!r} ({where}) holds {_described(held)}.\n"
            f"Nothing was deleted. To delete all of it, run "
            f"`partnercheck delete {which} --yes`; "
            f"`partnercheck export {which}` keeps a copy of its checks first.\n"
        )
    return (
        f"Deleted partnership {name!r} ({where}) and {_described(held)}.\n"
        "Messages the app already posted in Slack stay there: delete them in Slack if needed.\n"
    )


def _described(held: StoredData) -> str:
    counted = [
        (held.checks, "check"),
        (held.answers, "answer"),
        (held.next_steps, "next step"),
        (held.meetings, "meeting"),
        (held.reflections, "reflection request"),
        (held.reflection_answers, "reflection answer"),
        (held.signals, "warning sign"),
        (held.schedules, "repeating check"),
        (held.calendar_feeds, "calendar feed"),
        (held.messages, "reflection message"),
    ]
    parts = [count_phrase(count, noun) for count, noun in counted if count]
    return ", ".join(parts) if parts else "nothing else"


def _table(lines: list[PartnershipLine]) -> str:
    header = ("CHANNEL", "TEAM", "NAME", "STARTED", "CHECKS", "LAST CHECK", "MEETINGS")
    rows = [
        (
            line.channel_id,
            line.team_id,
            _printable(line.name)[:NAME_SHOWN],
            line.created_at.date().isoformat(),
            str(line.checks),
            line.last_check_at.date().isoformat() if line.last_check_at else "-",
            str(line.meetings),
        )
        for line in lines
    ]
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    return "".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        + "\n"
        for row in (header, *rows)
    )


def _printable(text: str) -> str:
    """A name as typed in Slack, safe to print on a terminal (no control characters)."""
    return "".join(ch if ch.isprintable() else "?" for ch in text)
